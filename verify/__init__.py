"""verify: the numeric witnesses (hand-written NumPy, jax.grad, lambdified SymPy) and their comparison."""

from verify.compare import check_forward, check_identity, verify
from verify.results import WITNESSES, CheckResult, Disagreement, ForwardCheck, VerifyRun, Witness
from verify.sampling import Points, sample
from verify.tolerance import POLICY, POLICY_LATEX

__all__ = [
    "POLICY",
    "POLICY_LATEX",
    "WITNESSES",
    "CheckResult",
    "Disagreement",
    "ForwardCheck",
    "Points",
    "VerifyRun",
    "Witness",
    "check_forward",
    "check_identity",
    "sample",
    "verify",
]
