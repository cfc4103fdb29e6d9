"""A wall-clock limit for work that cannot be interrupted otherwise (SymPy's algebra on a
user's formula can grow without bound)."""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_RETRY_SECONDS = 0.01  # how soon an expiry that landed in a garbage-collector callback comes again


def _in_gc_callback(frame: FrameType | None) -> bool:
    """Whether the signal interrupted one of `gc.callbacks` (JAX registers one): an exception
    raised there is printed and dropped, and the limit would be lost."""
    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


class ProofTimeout(Exception):
    """The time given ran out."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `ProofTimeout` after `seconds` of wall time (main thread, Unix; else no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        if _in_gc_callback(frame):  # a raise there is swallowed ("Exception ignored"): soon again
            signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
            return
        raise ProofTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
