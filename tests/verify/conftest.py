"""The packaging fixtures (PKI, local TSA, small cases) shared with tests/package."""

from tests.package.conftest import make_case, pki, tsa_url

__all__ = ["make_case", "pki", "tsa_url"]
