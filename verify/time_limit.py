"""A wall-clock limit for work that cannot be interrupted otherwise (SymPy's algebra on a
user's formula can grow without bound)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ProofTimeout(Exception):
    """The time given ran out."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `ProofTimeout` after `seconds` of wall time (main thread, Unix; else no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise ProofTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
