"""The oracle: the forward pass in `jax.numpy` with `jax.nn` functions, differentiated by
`jax.grad`. It never sees a formula of ours.

`dL/da_l` and `dL/dz_l` come from zero "taps" added to `a_l` and `z_l`: the gradient w.r.t. a
tap at 0 is the gradient w.r.t. the quantity. Everything in float64.
"""

from __future__ import annotations

from functools import partial

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after enabling float64)
import numpy as np  # noqa: E402

ACTIVATIONS = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
}

LOSSES = {
    # L = 1/2 ||f(z_L) - y||^2
    "mse": lambda z, y, f: 0.5 * jnp.sum((f(z) - y) ** 2),
    # L = -sum_k y_k log softmax(z_L)_k
    "softmax-ce": lambda z, y, f: -jnp.sum(y * jax.nn.log_softmax(z)),
}


def _loss(params, taps, z1, y, activation: str, loss: str):
    """One point: `params = [(W_1, b_1), …]`, `taps = (tap_a, tap_z)`; vectors are 1-D."""
    f = ACTIVATIONS[activation]
    tap_a, tap_z = taps
    z = z1 + tap_z[0]
    outputs = {"z1": z1}
    for layer, (W, b) in enumerate(params, start=1):
        a = f(z) + tap_a[layer - 1]
        z = W @ a + b + tap_z[layer]
        outputs[f"a{layer}"], outputs[f"z{layer + 1}"] = a, z
    value = LOSSES[loss](z, y, f)
    outputs["L"] = value
    return value, outputs


@partial(jax.jit, static_argnames=("activation", "loss"))
def _all_points(params, z1, y, activation: str, loss: str):
    def one(params, z1, y):
        sizes = [z1.shape[0]] + [b.shape[0] for _, b in params]
        taps = ([jnp.zeros(n) for n in sizes[:-1]], [jnp.zeros(n) for n in sizes])
        grad = jax.grad(_loss, argnums=(0, 1), has_aux=True)
        (g_params, (g_a, g_z)), outputs = grad(params, taps, z1, y, activation, loss)
        return g_params, g_a, g_z, outputs

    return jax.vmap(one)(params, z1, y)


def gradients(z1, weights, biases, y, activation: str, loss: str):
    """Forward values and every gradient at all points, as NumPy arrays.

    Inputs and outputs use the (P, n, 1) column layout of the other witnesses.
    """
    params = [(jnp.asarray(W), jnp.asarray(b[..., 0])) for W, b in zip(weights, biases, strict=True)]
    g_params, g_a, g_z, outputs = _all_points(
        params, jnp.asarray(z1[..., 0]), jnp.asarray(y[..., 0]), activation, loss
    )
    column = lambda x: np.asarray(x)[..., None]  # noqa: E731
    forward = {k: (np.asarray(v) if k == "L" else column(v)) for k, v in outputs.items()}
    grads = {}
    for layer, (gW, gb) in enumerate(g_params, start=1):
        grads[f"dL/dW{layer}"] = np.asarray(gW)
        grads[f"dL/db{layer}"] = column(gb)
        grads[f"dL/da{layer}"] = column(g_a[layer - 1])
        grads[f"dL/dz{layer}"] = column(g_z[layer - 1])
    return forward, grads
