"""A `BackwardCheck` (verify/backward_check.py) in words: the short failure message
`derivcheck.testing.assert_backward` raises, and the summary `str(check)` and a notebook show.

Each wrong gradient takes one line (two with its slip): its name, how many points differ, the
worst entry with the point (seed and index) and both values. English only: the message is for a
test log (the reports in two languages are reports/i18n.py's).
"""

from __future__ import annotations

from verify.backward_check import BackwardCheck, GradientCheck, LossCheck
from verify.value_slips import FoundSlip, ValueSlip

_WORDS = {
    ValueSlip.TRANSPOSED: "transposed",
    ValueSlip.SIGN: "sign flipped",
    ValueSlip.TIMES_2: "a factor 2 too many (a squared loss's ½ dropped?)",
    ValueSlip.HALF: "a factor ½ too many",
    ValueSlip.MISSING_MEAN: "the mean's 1/B missing",
    ValueSlip.EXTRA_MEAN: "1/B taken once too often",
    ValueSlip.ZERO: "all zero",
}


def _number(x: float) -> str:
    return f"{x:.10g}"


def _factor(x: float) -> str:
    sign = "−" if x < 0 else ""
    x = abs(x)
    text = "½" if x == 0.5 else _number(x) if x >= 1 else f"1/{_number(1 / x)}"
    return sign + ("" if text == "1" else text + " × ")


def slip_text(slip: FoundSlip) -> str:
    """ "sign flipped: yours = −true", "transposed: yours = trueᵀ", "missing 1/B …: yours = 4 × true"."""
    words = " and ".join(_WORDS[k] for k in slip.kinds)
    if slip.kinds == (ValueSlip.ZERO,):
        return words
    return f"{words} (yours = {_factor(slip.factor)}true{'ᵀ' if slip.transposed else ''})"


def _entry(entry: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, entry)) + ")" if entry else ""


def gradient_lines(g: GradientCheck, seed: int) -> list[str]:
    """One line for a gradient (two with a slip)."""
    name = f"dL/d{g.name}"
    if g.failure is not None:
        lines = [f"{name}: {g.failure}"]
    elif g.passed:
        return [f"{name}: agrees at all {g.compared} points (worst {g.worst_ratio:.2g} of the tolerance)"]
    else:
        lines = [f"{name}: {g.differing} of {g.compared} points differ"]
        if g.worst is not None:
            w = g.worst
            lines[0] += (
                f"; worst entry {_entry(w.entry)} at point {w.point} (seed {seed}): "
                f"yours {_number(w.claimed)}, true {_number(w.true)}"
            )
    if g.slip is not None:
        lines.append(f"  likely slip: {slip_text(g.slip)}")
    return lines


def loss_line(c: LossCheck, seed: int) -> str:
    what = "your loss" if c.witness == "yours" else "loss(numpy, …)"
    if c.failure is not None:
        return f"{what}: {c.failure}"
    if c.passed:
        return f"{what}: agrees with jax's forward pass at all {c.compared} points"
    text = f"{what}: differs from jax's forward pass at {c.differing} of {c.compared} points"
    if c.worst is not None:
        w = c.worst
        text += f"; at point {w.point} (seed {seed}): {_number(w.claimed)}, true {_number(w.true)}"
    return text


def _heading(check: BackwardCheck, verb: str) -> str:
    reference = ", SymPy's 50-digit truth on the first points" if check.sympy_reference else ""
    return (
        f"backward {verb} jax.grad ({check.model}; {check.points} points, seed {check.seed}, "
        f"{check.dtype}{reference})"
    )


def failure_message(check: BackwardCheck) -> str:
    """What `assert_backward` raises: the heading, the forward passes that differ (they are
    compared first), then each wrong gradient; nothing about what agrees."""
    lines = [_heading(check, "differs from")]
    lines += ["  " + loss_line(c, check.seed) for c in check.losses if not c.passed]
    for g in check.failed:
        lines += ["  " + line for line in gradient_lines(g, check.seed)]
    return "\n".join(lines)


def summary(check: BackwardCheck) -> str:
    """Every forward check and gradient, one line each (two with a slip)."""
    lines = [_heading(check, "agrees with" if check.passed else "differs from")]
    lines += ["  " + loss_line(c, check.seed) for c in check.losses]
    for g in check.gradients:
        lines += ["  " + line for line in gradient_lines(g, check.seed)]
    return "\n".join(lines)
