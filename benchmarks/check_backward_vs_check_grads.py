"""`derivcheck.check_backward` against `jax.test_util.check_grads`, side by side in one run: the
same model (the built-in network 4 → 3, sigmoid, mse, a batch of 2, mean), the same hand-written
NumPy backward `backward(params, x, y)`, 1,000 points each.

- derivcheck: `check_backward(backward, model=…, points=1000)` (one call: 1,000 seeded points,
  jax.grad as the oracle, SymPy's 50-digit truth on the first points, the error budget);
- check_grads: the backward as the VJP of a `jax.custom_vjp` (via `jax.pure_callback`, as
  benchmarks/versus_checkers.py does), `check_grads(f, (W1, b1), order=1, modes=["rev"])` at
  each of 1,000 random points in a loop (finite differences in one random direction, JAX's
  default tolerances).

Time: the median of REPEAT runs, warm (a first run compiles and is not counted). Then both are
run once on a subtle slip, dL/dW1 off by 1e-8 relative (a constant wrong in its 8th digit), to
show what each catches.

Run from the repository root, as a module:
    .venv/bin/python -m benchmarks.check_backward_vs_check_grads [--repeat 3] [--points 1000]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from benchmarks.timing import machine, timed

MODEL = {"sizes": (4, 3), "activation": "sigmoid", "loss": "mse", "batch": 2}
SUBTLE = 1e-8  # the subtle slip: dL/dW1 × (1 + 1e-8)


def make_backward(off: float = 0.0) -> Callable:
    """dL/dW1 = δ a1ᵀ, dL/db1 = δ 1 of a1 = σ(x), a2 = σ(W1 a1 + b1), L = (1/B) Σ ½‖a2 − y‖²;
    dL/dW1 scaled by (1 + off)."""

    def backward(params, x, y):
        W1, b1 = params["W1"], params["b1"]
        a1 = 1 / (1 + np.exp(-x))
        a2 = 1 / (1 + np.exp(-(W1 @ a1 + b1)))
        delta = (a2 - y) * a2 * (1 - a2) / x.shape[1]
        return {"W1": (delta @ a1.T) * (1 + off), "b1": delta.sum(axis=1, keepdims=True)}

    return backward


def derivcheck_caught(backward: Callable, points: int) -> bool:
    import derivcheck

    return not derivcheck.check_backward(backward, model=MODEL, points=points).passed


def check_grads_caught(backward: Callable, points: int) -> bool:
    """check_grads at `points` random points; True when any point fails (caught)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.test_util import check_grads

    n1, n2 = MODEL["sizes"]
    B = MODEL["batch"]

    def numpy_vjp(W1, b1, x, y):
        g = backward({"W1": np.asarray(W1), "b1": np.asarray(b1)}, np.asarray(x), np.asarray(y))
        return np.asarray(g["W1"], dtype=np.float64), np.asarray(g["b1"], dtype=np.float64)

    @jax.custom_vjp
    def loss(W1, b1, x, y):
        a2 = jax.nn.sigmoid(W1 @ jax.nn.sigmoid(x) + b1)
        return 0.5 * jnp.sum((a2 - y) ** 2) / B

    def fwd(W1, b1, x, y):
        return loss(W1, b1, x, y), (W1, b1, x, y)

    def bwd(res, g):
        shapes = (
            jax.ShapeDtypeStruct(res[0].shape, res[0].dtype),
            jax.ShapeDtypeStruct(res[1].shape, res[1].dtype),
        )
        dW, db = jax.pure_callback(numpy_vjp, shapes, *res)
        return g * dW, g * db, jnp.zeros_like(res[2]), jnp.zeros_like(res[3])  # x, y: constants here

    loss.defvjp(fwd, bwd)
    caught = False
    for p in range(points):  # every point checked (no early exit): the time is the whole check
        rng = np.random.default_rng([0, p])
        W1, b1 = rng.normal(size=(n2, n1)), rng.normal(size=(n2, 1))
        x, y = jnp.asarray(rng.normal(size=(n1, B))), jnp.asarray(rng.normal(size=(n2, B)))
        try:
            check_grads(lambda W, b, x=x, y=y: loss(W, b, x, y), (W1, b1), order=1, modes=["rev"])
        except AssertionError:
            caught = True
    return caught


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=1000)
    args = parser.parse_args()
    print(machine())
    print(f"model {MODEL}; {args.points} points each; median of {args.repeat}, warm")
    right, subtle = make_backward(), make_backward(SUBTLE)
    checkers = {"derivcheck.check_backward": derivcheck_caught, "jax check_grads (loop)": check_grads_caught}
    seconds = {}
    print(f"  {'checker':<28} {'seconds':>8}  correct passes  dL/dW1 × (1 + {SUBTLE:g}) caught")
    for label, check in checkers.items():
        seconds[label] = timed(lambda c=check: c(right, args.points), args.repeat)
        passes = "yes" if not check(right, args.points) else "NO"
        caught = "yes" if check(subtle, args.points) else "no"
        print(f"  {label:<28} {seconds[label]:8.3f}  {passes:>14}  {caught}")
    mine, theirs = seconds.values()
    print(f"ratio check_grads / check_backward: {theirs / mine:.1f}")


if __name__ == "__main__":
    main()
