"""A user's backward function for the built-in network, checked against `jax.grad`.

The function's contract (documented in `derivcheck.check_backward`):

    backward(params, x, y) -> {"W1": dL/dW1, "b1": dL/db1, …, "loss": L (optional)}

with `params = {"W1": (n2, n1), "b1": (n2, 1), …, "W{L-1}": …, "b{L-1}": …}`, `x = z_1` of shape
(n1, B) (the network applies f to it: `a_1 = f(z_1)`, `z_{l+1} = W_l a_l + b_l`) and `y` (nL, B),
all fresh NumPy float arrays of one sample point. Gradient keys may also be written "dW1" or
"dL/dW1"; "x" (or "dx") is ∂L/∂z_1 and optional. A returned "loss" is compared first.

It becomes an implementation under test (`verify.run.Code`) by calling it once per sample point
and stacking; the run then compares it with `jax.grad` (and the 50-digit SymPy reference where
the network is within SymPy's budget) under the error budget, as it does the hand-written NumPy
backward. The function gets NumPy arrays and dicts only, never an object of ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from derive import InputError, Network
from verify import tolerance
from verify.backward_check import BackwardCheck, GradientCheck, LossCheck, Worst
from verify.results import Agreement, Run
from verify.run import Code, verify_network
from verify.sampling import Points, chunks, sample
from verify.value_slips import find_slip

UserBackward = Callable[..., Any]
NAME = "yours"  # the implementation's name in the run and its reports
DETAIL_POINTS = 1000  # the first points of the run evaluated again for the loss and the slip
_KEY = re.compile(r"^(?:dL/d|d)?(?P<name>[Wb]\d+|x)$")


def parameter_names(network: Network) -> tuple[str, ...]:
    """ "W1", "b1", …, "W{L-1}", "b{L-1}": the gradients a backward must return."""
    return tuple(f"{k}{layer}" for layer in range(1, len(network.sizes)) for k in "Wb")


def _oracle_name(name: str) -> str:
    """ "W1" → "dL/dW1" (the run's name); "x" → "dL/dz1"."""
    return "dL/dz1" if name == "x" else f"dL/d{name}"


def point_arguments(points: Points, p: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(params, x, y) of point `p`: fresh copies, so the user's function may change them."""
    params = {}
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        params[f"W{layer}"], params[f"b{layer}"] = W[p].copy(), b[p].copy()
    return params, points.z1[p].copy(), points.y[p].copy()


def read_result(result: object, network: Network) -> tuple[dict[str, Any], object]:
    """The user's returned dict as ({"W1": value, …}, loss or None). Raises `InputError` when
    it is not a dict or has a key that names no parameter."""
    if not isinstance(result, Mapping):
        raise InputError("backward's result", "a dict of gradients such as {'W1': …, 'b1': …}", type(result))
    valid = parameter_names(network)
    grads, loss = {}, None
    for key, value in result.items():
        if key in ("loss", "L"):
            loss = value
            continue
        found = _KEY.match(str(key))
        if found is None or (found["name"] != "x" and found["name"] not in valid):
            raise InputError(
                "backward's result",
                "keys among: " + ", ".join(valid) + " (or dW1, dL/dW1 …), x, loss",
                key,
            )
        grads[found["name"]] = value
    return grads, loss


def _as_array(value: object, dtype: str) -> np.ndarray | str:
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        return f"not an array of numbers ({type(value).__name__})"
    return array


class _Cache(dict):
    """The forward "cache" the run compares (its "L", when the function returns a loss), with
    the function's gradients beside it for `backward` to hand over (an array, or why none), and
    each gradient's stacked values whatever their shape (`raw`, for the slip search)."""

    gradients: dict[str, np.ndarray | str]
    raw: dict[str, np.ndarray]


def _adapted(backward: UserBackward, network: Network, dtype: str):
    """(forward, backward) of `verify.run.Code`: the forward calls `backward` at every point
    and keeps its loss and gradients in the cache; the backward hands the gradients over."""
    names = (*parameter_names(network), "x")
    shapes = {f"W{k}": network.shape("W", k) for k in range(1, len(network.sizes))}
    shapes |= {f"b{k}": network.shape("b", k) for k in range(1, len(network.sizes))}
    shapes["x"] = (network.sizes[0], network.batch)

    def forward(z1, W, b, y, *_settings, **_penalty) -> _Cache:  # the penalty: in the user's own code
        points = Points(z1, tuple(W), tuple(b), y, 0, np.zeros(len(z1), dtype=bool))
        per_point: dict[str, list] = {name: [] for name in names}
        losses: list[float] = []
        cache = _Cache()
        cache.gradients, cache.raw = {}, {}
        for p in range(len(z1)):
            try:
                grads, loss = read_result(backward(*point_arguments(points, p)), network)
            except Exception as e:  # the user's bug, reported per gradient
                why = f"your function raised {type(e).__name__}: {e}"
                cache.gradients = {_oracle_name(name): why for name in names[:-1]}
                return cache
            for name, value in grads.items():
                per_point[name].append(_as_array(value, dtype))
            if loss is not None:
                losses.append(_scalar(loss))
        for name, values in per_point.items():
            if not values:
                continue  # not returned: the run says "no gradient" for a parameter
            key = _oracle_name(name)
            stacked = _stacked(values, shapes[name], len(z1))
            cache.gradients[key] = stacked
            if not isinstance(stacked, str) or stacked.startswith("shape"):
                cache.raw[key] = np.stack(values)  # one shape at every point
        if len(losses) == len(z1):
            cache["L"] = np.asarray(losses, dtype=dtype)
        return cache

    def gradients(cache, *_settings, **_penalty) -> dict[str, np.ndarray | str]:
        return dict(cache.gradients)

    return forward, gradients


def as_code(backward: UserBackward, network: Network, dtype: str) -> Code:
    """`backward` as `verify.run.Code`: called point by point, its results stacked (P, n, m)."""
    return Code(NAME, *_adapted(backward, network, dtype))


def _scalar(loss: object) -> float:
    array = np.asarray(loss, dtype=np.float64)
    return float(array.reshape(())) if array.size == 1 else float("nan")


def _stacked(values: list, shape: tuple[int, int], count: int) -> np.ndarray | str:
    """The per-point values as one (P, n, m) array, or why not."""
    bad = next((v for v in values if isinstance(v, str)), None)
    if bad is not None:
        return bad
    if len(values) != count:
        return "returned at some points only"
    got = values[0].shape
    if any(v.shape != got for v in values):
        return "a different shape at different points"
    if got != shape:
        return f"shape {got}, expected {shape}"
    return np.stack(values)


def check_builtin(
    backward: UserBackward,
    network: Network,
    *,
    points: int,
    seed: int,
    dtype: str,
    include_kinks: bool = False,
) -> BackwardCheck:
    """Run `backward` as the implementation under test on the built-in network; then, on the
    run's first points again, its loss against the forward pass and each wrong gradient's
    likely slip (`verify/value_slips.py`)."""
    from verify.claim_values import oracle_values

    first = sample(network.numeric, chunks(network.numeric, points)[0][1], seed, include_kinks, dtype)
    detail = first.part(0, DETAIL_POINTS)
    try:
        result = backward(*point_arguments(detail, 0))
    except Exception:  # the run reports it, gradient by gradient
        result = None
    if result is not None:
        read_result(result, network)  # a wrong kind of result: InputError, before the run
    run = verify_network(
        network,
        points=points,
        seed=seed,
        dtype=dtype,
        include_kinks=include_kinks,
        implementation=as_code(backward, network, dtype),
    )
    code = run.implementation
    assert code is not None
    truth = oracle_values(network, detail)
    cache = _adapted(backward, network, dtype)[0](detail.z1, detail.W, detail.b, detail.y)
    losses = ()
    if "L" in cache:
        n = tolerance.terms(network.sizes, network.batch, 0)
        losses = (_loss_check(cache["L"], truth.forward["L"], n, dtype, run),)
    results = []
    returned_x = "x" if _oracle_name("x") in cache.gradients else None  # optional: checked if returned
    for name in (*parameter_names(network), *filter(None, (returned_x,))):
        key = _oracle_name(name)
        true = truth.gradients[key]
        shape = true.shape[1:]
        n = tolerance.terms(network.sizes, network.batch, 1 if name == "x" else int(name[1:]))
        got = cache.raw.get(key)
        slip = None
        if got is not None and got.shape[1:] in (shape, shape[::-1]):
            slip = find_slip(got, true, batch=network.batch, n=n, dtype=dtype)
        failure = code.failures.get(key)
        agreement = code.gradients.get(key)
        if failure is not None or agreement is None:
            results.append(
                GradientCheck(name, shape, 0, 0, float("nan"), None, slip, failure or "no gradient")
            )
        else:
            results.append(_gradient_check(name, shape, agreement, slip if not agreement.agree else None))
    return BackwardCheck(
        model=network.describe(),
        points=points,
        seed=seed,
        dtype=dtype,
        losses=losses,
        gradients=tuple(results),
        run=run,
        sympy_reference=run.reference.points > 0,
    )


def _gradient_check(name: str, shape: tuple[int, ...], agreement: Agreement, slip) -> GradientCheck:
    worst = None
    d = agreement.disagreement
    if d is not None:
        worst = Worst(d.point, d.entry, d.values[NAME], d.values["jax"])
    return GradientCheck(
        name, shape, agreement.compared, agreement.disagreeing, agreement.worst_ratio, worst, slip
    )


def _loss_check(yours: np.ndarray, true: np.ndarray, n: int, dtype: str, run: Run) -> LossCheck:
    """Your loss at the detail points against jax's forward pass (the run compared them all)."""
    return compare_losses(NAME, yours, true, n, dtype, agree_elsewhere=run.forward.agree)


def compare_losses(
    witness: str, values: np.ndarray, true: np.ndarray, n: int, dtype: str, agree_elsewhere: bool = True
) -> LossCheck:
    """`values` (P,) against `true` (P,) under the error budget, point by point."""
    allowed = tolerance.allowed(true.reshape(-1, 1), n, dtype)
    error = np.abs(values.astype(np.float64) - true.astype(np.float64))
    differs = ~(error <= allowed)  # NaN differs
    worst = None
    if differs.any():
        p = int(np.argmax(np.where(differs, np.nan_to_num(error / allowed, nan=np.inf), -1.0)))
        worst = Worst(p, (), float(values[p]), float(true[p]))
    count = int(differs.sum()) or (0 if agree_elsewhere else 1)
    return LossCheck(witness, len(true), count, worst)
