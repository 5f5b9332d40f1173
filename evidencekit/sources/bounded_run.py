"""Run a helper program (``pdftotext``) on evidence-derived input with a time limit and
a bound on what it prints: a small crafted PDF can print gigabytes within the limit."""

from __future__ import annotations

import os
import selectors
import subprocess
import time


def run_bounded(command: list[str], timeout: float, limit: int) -> tuple[bytes, int, str]:
    """Run ``command``; its standard output up to ``limit`` bytes, its exit status and
    ``""``, ``"cut"`` (killed at the limit) or ``"timeout"`` (killed at the deadline)."""
    chunks: list[bytes] = []
    size, problem = 0, ""
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if proc.stdout is None:
            raise OSError("pdftotext: no output pipe")
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    problem = "timeout"
                    break
                if not sel.select(left):
                    continue
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk[: limit - size])
                size += len(chunk)
                if size > limit:
                    problem = "cut"
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        status = proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    return b"".join(chunks), status, problem
