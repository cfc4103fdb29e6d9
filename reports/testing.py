"""Assertions for a test suite: `derivcheck.testing.assert_backward`.

    def test_my_backward():
        derivcheck.testing.assert_backward(my_backward, model={"sizes": (4, 3), "batch": 8})

On a wrong gradient it raises `AssertionError` with a few lines: the gradient, how many points
differ, the worst entry with its point (seed and index), your value and the true one, and the
likely slip (transposed, sign, factor 2, missing 1/B, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from verify.backward_check import BackwardCheck

__all__ = ["assert_backward"]


def assert_backward(backward: Any, **options: Any) -> BackwardCheck:
    """`derivcheck.check_backward(backward, **options)`, raising `AssertionError` (its message:
    reports/backward_text.failure_message) unless every gradient and the loss agree with
    `jax.grad`; returns the check when they do. Bad arguments raise `InputError`."""
    __tracebackhide__ = True  # pytest shows the assertion, not this frame
    from reports.api import check_backward
    from reports.backward_text import failure_message

    found = check_backward(backward, **options)
    if not found.passed:
        raise AssertionError(failure_message(found))
    return found
