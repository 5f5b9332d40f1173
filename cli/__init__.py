"""The evidencekit command-line interface (thin: parse arguments, call the API, print)."""
