"""The oracle: the forward pass in `jax.numpy` with `jax.nn` functions, differentiated by
`jax.grad`. It never sees a derivative or a formula of ours: of `derive` it reads the registry's
JAX *forward* definitions only (`derive/registry.py`, `jax=` of each entry).

`dL/da_l` and `dL/dz_l` come from zero "taps" added to `a_l` and `z_l`: the gradient w.r.t. a
tap at 0 is the gradient w.r.t. the quantity. Everything in the inputs' dtype: float64 (x64 is
enabled here) or float32.
"""

from __future__ import annotations

from functools import partial

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after enabling float64)
import numpy as np  # noqa: E402

from derive.registry import ACTIVATIONS, LOSSES  # noqa: E402  (forward definitions only)


def activation(name: str, slope: float = 0.01):
    """f as the registry's JAX forward, with the entry's parameter (leaky-relu's α) bound."""
    forward = ACTIVATIONS[name].jax
    return lambda z: forward(jax, z, slope)


def _loss(params, taps, z1, y, activation_name: str, loss: str, slope: float, reduction: str):
    """One point: `params = [(W_1, b_1), …]`, `taps = (tap_a, tap_z)`; z1 is (n_1, B)."""
    f = activation(activation_name, slope)
    tap_a, tap_z = taps
    z = z1 + tap_z[0]
    outputs = {"z1": z1}
    for layer, (W, b) in enumerate(params, start=1):
        a = f(z) + tap_a[layer - 1]
        z = W @ a + b[:, None] + tap_z[layer]
        outputs[f"a{layer}"], outputs[f"z{layer + 1}"] = a, z
    per_example = LOSSES[loss].jax(jax, z, y, f)  # per example (a column of z)
    value = jnp.mean(per_example) if reduction == "mean" else jnp.sum(per_example)
    outputs["L"] = value
    return value, outputs


@partial(jax.jit, static_argnames=("activation_name", "loss", "slope", "reduction"))
def _all_points(params, z1, y, activation_name: str, loss: str, slope: float, reduction: str):
    def one(params, z1, y):
        batch = z1.shape[1]
        sizes = [z1.shape[0]] + [b.shape[0] for _, b in params]
        zeros = [jnp.zeros((n, batch), dtype=z1.dtype) for n in sizes]  # in the run's dtype
        taps = (zeros[:-1], zeros)
        grad = jax.grad(_loss, argnums=(0, 1), has_aux=True)
        (g_params, (g_a, g_z)), outputs = grad(params, taps, z1, y, activation_name, loss, slope, reduction)
        return g_params, g_a, g_z, outputs

    return jax.vmap(one)(params, z1, y)


BLOCK = 2**14  # points a compiled call takes, at most: its arrays stay in a core's cache
BLOCK_BYTES = 16 * 1024**2  # and at most this much of inputs (large networks: fewer points)


def _block(per_point_bytes: int) -> int:
    """Points per call: a power of two, at most BLOCK and BLOCK_BYTES of inputs, at least 1.
    Every call is padded to it, so a network is compiled for one shape only, whatever the
    number of points (a compilation costs ~0.2 s; padding a small run costs ~2 ms)."""
    fit = max(1, min(BLOCK, BLOCK_BYTES // max(1, per_point_bytes)))
    return 1 << (fit.bit_length() - 1)


def gradients(
    z1, weights, biases, y, activation_name: str, loss: str, slope: float = 0.01, reduction: str = "mean"
):
    """Forward values and every gradient at all points, as NumPy arrays in the (P, n, B) layout
    of the other witnesses; evaluated in blocks of `_block` points."""
    count = z1.shape[0]
    inputs = [z1, y, *weights, *biases]
    block = _block(sum(x[0].nbytes for x in inputs))
    parts = []
    for s in range(0, count, block):
        part = (z1[s : s + block], [W[s : s + block] for W in weights], [b[s : s + block] for b in biases])
        parts.append(
            _gradients_block(*part, y[s : s + block], block, activation_name, loss, slope, reduction)
        )
    if len(parts) == 1:
        return parts[0]
    return jax.tree_util.tree_map(lambda *xs: np.concatenate(xs), *parts)


def _gradients_block(z1, weights, biases, y, padded: int, activation_name, loss, slope, reduction):
    count = z1.shape[0]

    def put(x):  # padded to `padded` points by repeating the last one: one compiled shape
        x = np.ascontiguousarray(x)
        if padded > count:
            x = np.concatenate([x, np.broadcast_to(x[-1:], (padded - count, *x.shape[1:]))])
        return x  # NumPy arrays straight to the compiled call: 20% faster than jax.device_put first

    params = [(put(W), put(b[..., 0])) for W, b in zip(weights, biases, strict=True)]
    g_params, g_a, g_z, outputs = _all_points(
        params, put(z1), put(y), activation_name, loss, float(slope), reduction
    )
    g_params, g_a, g_z, outputs = jax.tree_util.tree_map(
        lambda v: np.asarray(v)[:count], (g_params, g_a, g_z, outputs)
    )
    forward = dict(outputs)
    grads = {}
    for layer, (gW, gb) in enumerate(g_params, start=1):
        grads[f"dL/dW{layer}"] = gW
        grads[f"dL/db{layer}"] = gb[..., None]
        grads[f"dL/da{layer}"] = g_a[layer - 1]
        grads[f"dL/dz{layer}"] = g_z[layer - 1]
    grads[f"dL/dz{len(g_z)}"] = g_z[-1]  # δ_L of the last layer
    return forward, grads
