"""A user's backward checked against `jax.grad` of their own forward, written once for any array
namespace: `loss(xp, params, x, y) -> scalar`, run as `loss(jax.numpy, …)` for the oracle and
`loss(numpy, …)` for a NumPy forward (research code checked without writing a model file).

At every sample point p (`numpy.random.default_rng([seed, p])`: a point's index names the same
point whatever the number of points) each of `params`' values, `x` and `y` is

- a shape, e.g. `(3, 4)`: drawn from N(0, 1) entry by entry;
- an array: used as given at every point (data, one-hot targets);
- a function `rng -> array`: called with the point's generator (targets of a special kind);

then, in the run's dtype, compared in this order: `loss(numpy, …)` against `loss(jax.numpy, …)`
(the forward passes), the loss `backward` returns (if it does) against jax's, and each gradient
`backward` returns against `jax.grad` of `loss(jax.numpy, …)` w.r.t. `params`, entry by entry.

Tolerance: the error budget of `verify/tolerance.py`, with n the number of entries of the
parameters and `x` together (an entry of a gradient sums at most about that many rounded terms).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from derive import InputError
from verify import agreement as agree
from verify.backward_check import BackwardCheck, GradientCheck, Worst
from verify.results import ORACLE
from verify.sampling import check_dtype, check_points
from verify.user_backward import NAME, compare_losses
from verify.value_slips import find_slip

Spec = tuple[int, ...] | np.ndarray | Callable[[np.random.Generator], Any]
UserLoss = Callable[..., Any]
UserBackward = Callable[..., Any]


def _draw(spec: Spec, rng: np.random.Generator, dtype: str, what: str) -> np.ndarray:
    if isinstance(spec, tuple) and all(isinstance(n, int) and not isinstance(n, bool) for n in spec):
        return rng.standard_normal(spec).astype(dtype)
    value = spec(rng) if callable(spec) else spec
    try:
        return np.array(value, dtype=dtype)
    except (TypeError, ValueError):
        raise InputError(what, "a shape such as (3, 4), an array, or a function rng -> array", spec) from None


def draw_point(specs: Mapping[str, Spec], x: Spec, y: Spec, seed: int, p: int, dtype: str):
    """(params, x, y) of point `p`, fresh NumPy arrays."""
    rng = np.random.default_rng([seed, p])
    params = {name: _draw(spec, rng, dtype, f"params[{name!r}]") for name, spec in specs.items()}
    return params, _draw(x, rng, dtype, "x"), _draw(y, rng, dtype, "y")


def _oracle(loss: UserLoss):
    """(loss, gradients) of one point by jax: compiled, or traced op by op where the function
    branches on values (a Python `if` on an array)."""
    import jax

    from verify import jax_oracle  # enables float64, once

    jnp = jax_oracle.jnp

    def objective(params, x, y):
        return loss(jnp, params, x, y)

    plain = jax.value_and_grad(objective)
    compiled = jax.jit(plain)

    def at(params, x, y):
        try:
            return compiled(params, x, y)
        except jax.errors.ConcretizationTypeError:
            return plain(params, x, y)

    def shape(params, x, y) -> tuple[int, ...]:
        return tuple(jax.eval_shape(objective, params, x, y).shape)

    return at, shape


def _matrix(a: np.ndarray) -> np.ndarray:
    """(P, *shape) as (P, rows, cols), the layout of `verify/agreement.py`."""
    if a.ndim == 1:
        return a.reshape(-1, 1, 1)
    if a.ndim == 2:
        return a.reshape(a.shape[0], -1, 1)
    return a.reshape(a.shape[0], -1, a.shape[-1])


def _entry(shape: tuple[int, ...], entry: tuple[int, int]) -> tuple[int, ...]:
    """A 1-based (row, col) of `_matrix`'s layout as a 1-based index into `shape`."""
    if not shape:
        return ()
    cols = 1 if len(shape) == 1 else shape[-1]
    flat = (entry[0] - 1) * cols + (entry[1] - 1)
    return tuple(int(i) + 1 for i in np.unravel_index(flat, shape))


def key_of(key: object, names: tuple[str, ...]) -> str | None:
    text = str(key)
    for prefix in ("dL/d", "d", ""):
        if text.startswith(prefix) and text[len(prefix) :] in names:
            return text[len(prefix) :]
    return None


def check_loss(
    backward: UserBackward,
    loss: UserLoss,
    *,
    params: Mapping[str, Spec],
    x: Spec,
    y: Spec,
    points: int,
    seed: int,
    dtype: str,
) -> BackwardCheck:
    """Check `backward(params, x, y)` against `jax.grad` of `loss(xp, params, x, y)`; see the
    module docstring. Raises `InputError` for bad specs, a loss jax cannot run or that is not a
    scalar, or a result of `backward` that is not a dict of the parameters' names."""
    check_dtype(dtype)
    check_points(points)
    if not isinstance(params, Mapping) or not params:
        raise InputError(
            "params", "a dict of parameter names to shapes or arrays, e.g. {'W': (3, 4)}", params
        )
    names = tuple(str(k) for k in params)
    oracle, shape_of = _oracle(loss)
    n = 0
    true_loss, numpy_loss, your_loss = [], [], []
    truth: dict[str, list[np.ndarray]] = {k: [] for k in names}
    yours: dict[str, list] = {k: [] for k in names}
    raised: str | None = None
    for p in range(points):
        args = draw_point(params, x, y, seed, p, dtype)
        if p == 0:
            n = sum(a.size for a in args[0].values()) + args[1].size
        try:
            if p == 0 and (shape := shape_of(*args)) != ():
                raise InputError("loss", "a scalar (one number)", f"an array of shape {shape}")
            value, grads = oracle(*args)
        except InputError:
            raise
        except Exception as e:
            raise InputError(
                "loss", "a function loss(xp, params, x, y) that jax.numpy can run", f"{type(e).__name__}: {e}"
            ) from None
        true_loss.append(float(value))
        for k in names:
            truth[k].append(np.asarray(grads[k]))
        try:
            numpy_loss.append(float(np.asarray(loss(np, *args)).reshape(())))
        except Exception:  # a NumPy forward that cannot run: compared as NaN (a finding)
            numpy_loss.append(float("nan"))
        if raised is not None:
            continue
        try:
            result = backward(*draw_point(params, x, y, seed, p, dtype))
        except Exception as e:
            raised = f"your function raised {type(e).__name__}: {e} (at point {p})"
            continue
        if not isinstance(result, Mapping):
            raise InputError("backward's result", "a dict of gradients keyed like params", type(result))
        for key, g in result.items():
            if key in ("loss", "L"):
                your_loss.append(_float(g))
                continue
            name = key_of(key, names)
            if name is None:
                raise InputError("backward's result", "keys among: " + ", ".join(names) + ", loss", key)
            yours[name].append(g)
    true = np.asarray(true_loss)
    losses = [compare_losses("numpy", np.asarray(numpy_loss), true, n, dtype)]
    if len(your_loss) == points:
        losses.append(compare_losses(NAME, np.asarray(your_loss), true, n, dtype))
    gradients = tuple(
        gradient_check(k, np.stack(truth[k]), yours[k], raised, n, dtype, points, _batches(x)) for k in names
    )
    return BackwardCheck(
        model="loss(xp, params, x, y)", points=points, seed=seed, dtype=dtype,
        losses=tuple(losses), gradients=gradients,
    )  # fmt: skip


def _float(value: object) -> float:
    array = np.asarray(value, dtype=np.float64)
    return float(array.reshape(())) if array.size == 1 else float("nan")


def _batches(x: Spec) -> tuple[int, ...]:
    """The sizes that may be the batch, for the 1/B slips: x's first and last axes."""
    shape = x if isinstance(x, tuple) else np.shape(x) if not callable(x) else ()
    return tuple(int(s) for s in (shape[0], shape[-1])) if len(shape) >= 2 else (1,)


def gradient_check(name, true, values, raised, n, dtype, points, batches) -> GradientCheck:
    """`name`'s values `values` (one per point, any shape) against `true` (P, *shape): a failure
    (`raised`, none, some points only, a wrong shape), or the agreement and the likely slip."""
    shape = true.shape[1:]
    failure = raised
    got = None
    if failure is None and not values:
        failure = "no gradient"
    elif failure is None and len(values) != points:
        failure = "returned at some points only"
    elif failure is None:
        try:
            arrays = [np.asarray(v, dtype=dtype) for v in values]
        except (TypeError, ValueError):
            arrays = []
            failure = "not an array of numbers"
        if arrays and any(a.shape != arrays[0].shape for a in arrays):
            failure = "a different shape at different points"
        elif arrays:
            got = np.stack(arrays)
            if got.shape[1:] != shape:
                failure = f"shape {got.shape[1:]}, expected {shape}"
    slip = None
    if got is not None and got.shape[1:] in (shape, shape[::-1]):
        slip = find_slip(_matrix(got), _matrix(true), batch=batches, n=n, dtype=dtype)
    if failure is not None or got is None:
        return GradientCheck(name, shape, 0, 0, float("nan"), None, slip, failure)
    found = agree.compare({NAME: _matrix(got), ORACLE: _matrix(true)}, n, dtype, keep_arrays=False)
    worst = None
    if found.disagreement is not None:
        d = found.disagreement
        worst = Worst(d.point, _entry(shape, d.entry), d.values[NAME], d.values[ORACLE])
    return GradientCheck(
        name,
        shape,
        found.compared,
        found.disagreeing,
        found.worst_ratio,
        worst,
        slip if not found.agree else None,
    )
