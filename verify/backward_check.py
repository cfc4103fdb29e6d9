"""What checking a user's backward code found, as data (reports/backward_text.py words it).

A user's backward function (`derivcheck.check_backward`) is compared with `jax.grad` gradient by
gradient at many seeded points, its loss (when it returns one) first. For each gradient: how
many points differ, the worst entry (the point, the entry, the claimed and the true value there)
and the likely slip; or why there were no values to compare (a missing gradient, a wrong shape,
an exception).
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.results import Run, Shown
from verify.value_slips import FoundSlip


@dataclass(frozen=True)
class Worst:
    """The worst entry of a wrong gradient: at point `point` (0-based, of the run's seed), the
    entry `entry` (1-based, in the gradient's own shape), `claimed` (yours) and `true` (jax.grad)."""

    point: int
    entry: tuple[int, ...]
    claimed: float
    true: float


@dataclass(frozen=True)
class GradientCheck:
    """One gradient (`name`, as the parameters name it: "W1", "b2", "W") of shape `shape`.

    `differing` of `compared` points are beyond the tolerance (`worst_ratio` times it at worst);
    `failure` says why it could not be compared (then `compared` is 0)."""

    name: str
    shape: tuple[int, ...]
    compared: int
    differing: int
    worst_ratio: float
    worst: Worst | None = None
    slip: FoundSlip | None = None
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None and self.compared > 0 and self.differing == 0


@dataclass(frozen=True)
class LossCheck:
    """The forward pass compared first: `witness` ("yours": the loss your function returned,
    "numpy": `loss(numpy, …)`) against jax's at `compared` points, `differing` beyond the
    tolerance; the worst point's two values. `failure`: why there were none."""

    witness: str
    compared: int
    differing: int
    worst: Worst | None = None
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None and self.differing == 0


@dataclass(frozen=True)
class BackwardCheck(Shown):
    """The whole check of a user's backward: `model` in words ("network 4,3 sigmoid mse, B = 1"
    or "loss(xp, params, x, y)"), the settings, the forward checks, each gradient, and the
    underlying `Run` where the model is the built-in network (None for a `loss(xp, …)`)."""

    model: str
    points: int
    seed: int
    dtype: str
    losses: tuple[LossCheck, ...]
    gradients: tuple[GradientCheck, ...]
    run: Run | None = None
    sympy_reference: bool = False  # the 50-digit SymPy truth was computed (in budget)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.losses) and all(g.passed for g in self.gradients)

    @property
    def failed(self) -> tuple[GradientCheck, ...]:
        return tuple(g for g in self.gradients if not g.passed)
