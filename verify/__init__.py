"""verify: sampling, the witnesses (jax.grad, NumPy, lambdified SymPy), the 50-digit reference,
the tolerance, agreement, verdicts, and the one run every command goes through."""

from verify.results import (
    Agreement,
    ClaimResult,
    Implementation,
    Reason,
    Run,
    Verdict,
)
from verify.run import HAND_WRITTEN, Code, check, check_document, verify_network
from verify.sampling import Points, sample

__all__ = [
    "HAND_WRITTEN",
    "Agreement",
    "ClaimResult",
    "Code",
    "Implementation",
    "Points",
    "Reason",
    "Run",
    "Verdict",
    "check",
    "check_document",
    "sample",
    "verify_network",
]
