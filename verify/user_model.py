"""A user's backward checked against `jax.grad` of a model file's forward (derive/model_file.py):
`derivcheck.check_backward(backward, model="model.toml")`. The file's claims are not read here;
jax.grad of its forward equations is the only truth.

    backward(params, x, y) -> {"W1": dL/dW1, …, "loss": L (optional)}

- `params`: every tensor of `parameters = { … }` by name, (rows, cols);
- `x`: the one tensor of `inputs = { … }` as an array, or a dict of them by name when there are
  several (an empty dict when there are none);
- `y`: the same for `targets = { … }`;

all fresh NumPy arrays of one sample point, in the run's dtype. Gradients are keyed like the
parameters ("W1", or "dW1" / "dL/dW1"); every parameter needs one. A returned "loss" is compared
with the objective first.

Points are drawn as `verify/model_check.py` draws a model file's given tensors (a `one_hot`
target one class per column, a `positive` tensor or one under `log`/`sqrt` `exp(N(0,1)/2)`, the
rest N(0, 1)), all at once from `numpy.random.default_rng(seed)`; jax.grad of the forward runs
vmapped and compiled over all of them (`verify/jax_oracle.model_gradients`), so the only
per-point Python is the user's own call. Tolerance: the error budget of `verify/tolerance.py`
with n the entries of all given tensors (`model_check._terms`); the likely slip of a wrong
gradient from values alone (`verify/value_slips.py`), its 1/B candidates the inputs' and
targets' numbers of columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from derive import InputError
from derive.model_file import ModelFile
from derive.model_ir import Role
from verify.backward_check import BackwardCheck
from verify.jax_oracle import model_gradients
from verify.model_check import _batches, _terms, draws, sample
from verify.sampling import check_dtype, check_points
from verify.user_backward import NAME, compare_losses
from verify.user_loss import gradient_check, key_of

UserBackward = Callable[..., Any]


def _one_or_dict(arrays: dict[str, np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
    return next(iter(arrays.values())) if len(arrays) == 1 else arrays


def point_arguments(mf: ModelFile, given: Mapping[str, np.ndarray], p: int):
    """(params, x, y) of point `p`: fresh copies (the user's function may change them)."""
    model = mf.model

    def pick(role: Role) -> dict[str, np.ndarray]:
        return {name: given[name][p].copy() for name in model.named(role)}

    return pick(Role.PARAMETER), _one_or_dict(pick(Role.INPUT)), _one_or_dict(pick(Role.TARGET))


def check_model_backward(
    backward: UserBackward, mf: ModelFile, source: Path, *, points: int, seed: int, dtype: str
) -> BackwardCheck:
    """Check `backward` against jax.grad of the model file `mf` (read from `source`); see the
    module docstring. Raises `InputError` for a result that is not a dict or has a key that
    names no parameter; a gradient missing, mis-shaped, or raising is a failed `GradientCheck`."""
    check_dtype(dtype)
    check_points(points)
    model = mf.model
    names = model.named(Role.PARAMETER)
    if not names:
        raise InputError(str(source), "a model file with parameters = { … } to differentiate", "none")
    given = sample(model, draws(mf), points, seed, dtype)
    values, grads = model_gradients(model, given)
    n = _terms(model)
    yours: dict[str, list] = {k: [] for k in names}
    losses: list[float] = []
    raised: str | None = None
    for p in range(points):
        try:
            result = backward(*point_arguments(mf, given, p))
        except Exception as e:  # the user's bug, reported per gradient
            raised = f"your function raised {type(e).__name__}: {e} (at point {p})"
            break
        if not isinstance(result, Mapping):
            raise InputError(
                "backward's result", "a dict of gradients keyed like the parameters", type(result)
            )
        for key, g in result.items():
            if key in ("loss", "L"):
                losses.append(_scalar(g))
                continue
            name = key_of(key, names)
            if name is None:
                raise InputError("backward's result", "keys among: " + ", ".join(names) + ", loss", key)
            yours[name].append(g)
    true_loss = np.asarray(values[model.objective], dtype=np.float64).reshape(-1)
    checked = (
        (compare_losses(NAME, np.asarray(losses), true_loss, n, dtype),) if len(losses) == points else ()
    )
    batches = tuple(_batches(model)) or (1,)
    gradients = tuple(
        gradient_check(k, grads[f"dL/d{k}"], yours[k], raised, n, dtype, points, batches) for k in names
    )
    return BackwardCheck(
        model=f"model file {source.name}", points=points, seed=seed, dtype=dtype,
        losses=checked, gradients=gradients,
    )  # fmt: skip


def _scalar(value: object) -> float:
    array = np.asarray(value, dtype=np.float64)
    return float(array.reshape(())) if array.size == 1 else float("nan")
