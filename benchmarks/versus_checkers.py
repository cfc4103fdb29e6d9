"""derivcheck against the gradient checkers people use today, on the same networks and the same
wrong gradients.

The gradient under test is a hand-written NumPy backward pass (`verify/numpy_backprop.py`), right
or with one of the slips of `tests/variants.py` (NUMPY_VARIANTS: Wᵀ → W, a missing f', a1 a1ᵀ,
…) in one of the seed's four gradients of layer 1 (dL/da1, dL/dz1, dL/dW1, dL/db1). Each
checker is run on it as a user would run it:

- derivcheck: `verify` with the slip in its NumPy witness (SymPy within its budget, jax.grad
  as the oracle), over N sample points;
- jax.test_util.check_grads(f, args, order=1, modes=["rev"]): the user's backward as the VJP of
  a `jax.custom_vjp` (via `jax.pure_callback`), checked at one random point in one random
  direction against finite differences (JAX's default tolerances);
- central differences of the cs231n kind: every entry perturbed by ±h (h = 1e-5), the relative
  error max |a − n| / max(1e-8, |a| + |n|) against a threshold of 1e-6, at one random point;
- torch.autograd.gradcheck, when torch is installed (it is not here).

The wrong gradients: the 12 slips of tests/variants.py, plus two subtle ones (SUBTLE): a
constant off in the 8th digit, and an f' that is wrong only where |z1| > 1.99.

A wrong gradient whose shape is wrong counts as caught (every checker notices). Time per check
is the median over REPEAT runs with the correct gradient, warm (compilation excluded), printed
in seconds and as a ratio to derivcheck's.

Run from the repository root, as a module (it imports tests.mutants and tests.variants):
    .venv/bin/python -m benchmarks.versus_checkers [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.timing import machine, timed
from derive import Network
from tests.mutants import mutant_backward as user_backward
from tests.variants import NUMPY_VARIANTS
from verify import Code, numpy_backprop, verify_network

NETWORKS = {(4, 3): 1000, (64, 64): 1000, (256, 256): 100}  # sizes → derivcheck's points
# two subtle slips besides the gross ones of tests/variants.py: a constant off in the 8th digit,
# and an f' that is wrong only where |z1| > 1.99 (0.5 % of the inputs)
SUBTLE = [
    ("dL/dW1", "δ2 a1ᵀ off by 1e-8 (relative)", lambda c, W, d, fp: (d @ c["a1"].mT) * (1 + 1e-8)),
    (
        "dL/dz1",
        "f' wrong where |z1| > 1.99",
        lambda c, W, d, fp: (W.mT @ d) * fp(np.clip(c["z1"], -1.99, 1.99)),
    ),
]
ACT, LOSS = "sigmoid", "mse"
H, THRESHOLD = 1e-5, 1e-6


def one_point(sizes, seed=0):
    rng = np.random.default_rng(seed)
    n, m = sizes
    z1 = rng.uniform(-2, 2, (1, n, 1))
    W = rng.normal(0, 1 / np.sqrt(n), (1, m, n))
    b = rng.uniform(-0.5, 0.5, (1, m, 1))
    y = rng.uniform(0, 1, (1, m, 1))
    return z1, W, b, y


def fitting_gradients(backward, z1, W, b, y):
    """The user's gradients, or None when the backward fails or a shape is wrong (which every
    checker flags before it looks at a number)."""
    try:
        grads = user_gradients(backward, z1, W, b, y)
    except ValueError:
        return None
    if any(grads[k].shape != s for k, s in expected_shapes(z1, W, b).items()):
        return None
    return grads


def user_gradients(backward, z1, W, b, y):
    cache = numpy_backprop.forward(z1, (W,), (b,), y, ACT, LOSS)
    grads = backward(cache, (W,), y, ACT, LOSS, 0.01, "mean")
    return {k: grads[k] for k in ("dL/da1", "dL/dz1", "dL/dW1", "dL/db1")}


def expected_shapes(z1, W, b):
    return {"dL/da1": z1.shape, "dL/dz1": z1.shape, "dL/dW1": W.shape, "dL/db1": b.shape}


def _loss_from(a1=None, z1=None, W=None, b=None, y=None):
    """L as a function of a1 (or z1), W, b — vectorised over a leading axis."""
    f, _ = numpy_backprop.ACTIVATIONS[ACT]
    if a1 is None:
        a1 = f(z1)
    z2 = W @ a1 + b
    return 0.5 * ((f(z2) - y) ** 2).sum(axis=(-2, -1))


def central_differences(backward, z1, W, b, y) -> bool:
    """cs231n-style check: True when a gradient is flagged (caught)."""
    analytic = fitting_gradients(backward, z1, W, b, y)
    if analytic is None:
        return True
    f, _ = numpy_backprop.ACTIVATIONS[ACT]
    a1 = f(z1)
    inputs = {"dL/da1": a1, "dL/dz1": z1, "dL/dW1": W, "dL/db1": b}
    flagged = False  # every gradient is checked (no early exit), so the time is the whole check
    for name, x in inputs.items():
        size = x[0].size
        numeric = np.empty(size)
        for start in range(0, size, 256):  # perturb up to 256 entries at once (vectorised)
            idx = np.arange(start, min(size, start + 256))
            plus = np.repeat(x, idx.size, axis=0)
            minus = plus.copy()
            plus.reshape(idx.size, -1)[np.arange(idx.size), idx] += H
            minus.reshape(idx.size, -1)[np.arange(idx.size), idx] -= H
            args = {"a1": a1, "W": W, "b": b, "y": y}
            if name == "dL/dz1":
                del args["a1"]
            key = {"dL/da1": "a1", "dL/dz1": "z1", "dL/dW1": "W", "dL/db1": "b"}[name]
            lp = _loss_from(**{**args, key: plus})
            lm = _loss_from(**{**args, key: minus})
            numeric[idx] = (lp - lm) / (2 * H)
        a = analytic[name].ravel()
        rel = np.abs(a - numeric) / np.maximum(1e-8, np.abs(a) + np.abs(numeric))
        flagged |= bool(rel.max() > THRESHOLD)
    return flagged


def check_grads_jax(backward, z1, W, b, y) -> bool:
    """jax.test_util.check_grads on a custom_vjp whose VJP is the user's backward."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.test_util import check_grads

    grads = fitting_gradients(backward, z1, W, b, y)
    if grads is None:
        return True

    def numpy_vjp(z1_, tap_, W_, b_):
        # the user's gradients at (z1, W, b) with a1 = f(z1) + tap
        cache = numpy_backprop.forward(z1_[None], (W_[None],), (b_[None],), y, ACT, LOSS)
        cache["a1"] = cache["a1"] + tap_[None]
        cache["z2"] = W_[None] @ cache["a1"] + b_[None]
        g = backward(cache, (W_[None],), y, ACT, LOSS, 0.01, "mean")
        return tuple(np.asarray(g[k][0]) for k in ("dL/dz1", "dL/da1", "dL/dW1", "dL/db1"))

    yj = jnp.asarray(y[0])

    @jax.custom_vjp
    def loss(z1_, tap_, W_, b_):
        a1 = jax.nn.sigmoid(z1_) + tap_
        z2 = W_ @ a1 + b_
        return 0.5 * jnp.sum((jax.nn.sigmoid(z2) - yj) ** 2)

    def fwd(z1_, tap_, W_, b_):
        return loss(z1_, tap_, W_, b_), (z1_, tap_, W_, b_)

    def bwd(res, g):
        shapes = tuple(jax.ShapeDtypeStruct(r.shape, r.dtype) for r in res)
        dz, da, dW, db = jax.pure_callback(numpy_vjp, shapes, *res)
        # the tap's gradient is dL/da1; z1's is dL/dz1 (the user's own, not chained)
        return (g * dz, g * da, g * dW, g * db)

    loss.defvjp(fwd, bwd)
    args = (jnp.asarray(z1[0]), jnp.zeros_like(jnp.asarray(z1[0])), jnp.asarray(W[0]), jnp.asarray(b[0]))
    try:
        check_grads(loss, args, order=1, modes=["rev"])
    except AssertionError:
        return True
    return False


def derivcheck(sizes, points, backward) -> bool:
    run = verify_network(Network(sizes, ACT, LOSS), points=points, implementation=Code(backward=backward))
    return not run.passed


def torch_gradcheck(backward, z1, W, b, y) -> bool | None:
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    raise NotImplementedError("torch is installed: add the torch.autograd.Function wrapper here")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    print("ratio: time per check / derivcheck's; caught: wrong gradients rejected, of 14")
    variants = [(None, "correct", None), *NUMPY_VARIANTS, *SUBTLE]
    has_torch = torch_gradcheck(user_backward(None, None), *one_point((4, 3))) is not None
    for sizes, points in NETWORKS.items():
        z1, W, b, y = one_point(sizes)
        checkers = {
            f"derivcheck ({points:,} points)": lambda bw, s=sizes, p=points: derivcheck(s, p, bw),
            "jax check_grads (1 point)": lambda bw, p=(z1, W, b, y): check_grads_jax(bw, *p),
            "central differences (1 point)": lambda bw, p=(z1, W, b, y): central_differences(bw, *p),
        }
        if has_torch:
            checkers["torch gradcheck"] = lambda bw, p=(z1, W, b, y): torch_gradcheck(bw, *p)
        print(
            f"\n{' → '.join(map(str, sizes))}, {ACT}, {LOSS}"
            + ("" if has_torch else "  (torch: not installed)")
        )
        note = "" if sizes == (4, 3) else "  (SymPy witness: skipped, beyond the symbolic budget)"
        print(f"  derivcheck witnesses: sympy · numpy · jax{note}")
        print(f"  {'checker':<32} {'s/check':>8} {'ratio':>6}  {'caught':>7}  missed")
        base = None
        for label, check in checkers.items():
            seconds = timed(lambda c=check: c(user_backward(None, None)), args.repeat)
            base = base or seconds
            false_alarm = check(user_backward(None, None))
            missed, caught = [], 0
            for name, slip, wrong in variants[1:]:
                if check(user_backward(name, wrong)):
                    caught += 1
                else:
                    missed.append(f"{name}: {slip}")
            flag = "; FLAGS THE CORRECT GRADIENT TOO (false alarm)" if false_alarm else ""
            print(
                f"  {label:<32} {seconds:8.4f} {seconds / base:6.3f}  {caught:>3}/{len(variants) - 1:<3}  "
                + ("; ".join(missed) or "—")
                + flag
            )


if __name__ == "__main__":
    main()
