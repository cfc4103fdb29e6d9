"""The oracle: a model's forward equations (`derive/model_ir.py`) interpreted in `jax.numpy`
with `jax.nn` functions, differentiated by `jax.grad`. It never sees a claim or a derivative of
ours: from derive it takes the IR's node types and the model, nothing else.

Gradients are taken w.r.t. every parameter, and w.r.t. every input and intermediate through a
zero "tap" added to it: the gradient w.r.t. a tap at 0 is the gradient w.r.t. the quantity.
Convolution (a cross-correlation, as the field's `conv`, and as `jax.lax.conv_general_dilated`
computes it: tests/test_model_ops.py holds them equal) and max-pooling are explicit gathers of
the windows, summed against the kernel or reduced by `jnp.max`:
`jax.grad` of `jnp.max` splits the gradient evenly among tied entries (checked: jnp.max of
[1, 3, 3, 2] has the gradient [0, ½, ½, 0]; `lax.reduce_window` would give the first one all).

Everything in the inputs' dtype: float64 (x64 is enabled here) or float32.

A sweep scales past one device on JAX's own machinery: where `jax.devices()` lists several
(GPUs, TPU cores, or CPUs split by `XLA_FLAGS=--xla_force_host_platform_device_count=N`), each
block of points is placed split over them along the points axis (a `NamedSharding` over a
one-axis `Mesh`), and the compiled call runs on every device at once (XLA partitions it); with
one device, on it. Calls are dispatched asynchronously (`dispatch`): XLA computes while the
caller evaluates the other witnesses.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from functools import cache, partial

import jax

from derive.disk_cache import use_for_jax

jax.config.update("jax_enable_x64", True)
use_for_jax(jax.config)  # compiled programs kept between runs (derive/disk_cache.py)

import jax.numpy as jnp  # noqa: E402  (after enabling float64)
import numpy as np  # noqa: E402

from derive.formula import (  # noqa: E402  (the IR's node types, to interpret forward equations)
    Add,
    Apply,
    Broadcast,
    BroadcastAdd,
    Column,
    Correlate,
    Diag,
    ExampleLoss,
    Fill,
    Flip,
    Formula,
    Function,
    Hadamard,
    Kron,
    LogSoftmax,
    MatMul,
    MatrixApply,
    MaxAxis,
    MaxPool,
    MeanAxis,
    Ones,
    Ref,
    Repeat,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
)
from derive.model_ir import Model, Role  # noqa: E402
from derive.network import Network  # noqa: E402
from derive.registry import ACTIVATIONS, ELEMENTARY, LOSSES, MATRIX  # noqa: E402  (forward definitions only)


def registered(kind: str, name: str):
    """The registry's JAX forward definition of `name` (kind "activation" or "loss"), with
    `jax` bound: the one place the oracle looks functions up (`derive/registry.py`, `jax=`)."""
    table = {**ACTIVATIONS, **ELEMENTARY} if kind == "activation" else LOSSES
    forward = table[name].jax if name in table else None
    if forward is None:
        raise KeyError(f"the oracle has no JAX definition of the {kind} {name!r}")
    return partial(forward, jax)


def activation(name: str, slope: float = 0.01):
    """f with its parameter (leaky-relu's α) bound; the others ignore it."""
    forward = registered("activation", name)
    return lambda z: forward(z, slope)


def _elementwise(function: Function):
    parameter = function.parameter
    return activation(function.name, 0.01 if parameter is None else float(parameter))


def _conv(x, k, node: Correlate):
    """Cross-correlation as an explicit gather: the padded input at rows i·s + a·d and columns
    j·s + b·d for every output (i, j) and tap (a, b), summed against the kernel. (XLA's
    `conv_general_dilated` computes the same, but vmapped over points it becomes a grouped
    convolution of one group per point, ~1000× slower on a CPU.)"""
    (sr, sc), (pr, pc), (dr, dc) = node.stride, node.padding, node.dilation
    kh, kw = k.shape
    xp = jnp.pad(x, ((pr, pr), (pc, pc)))
    rows = (xp.shape[0] - dr * (kh - 1) - 1) // sr + 1
    cols = (xp.shape[1] - dc * (kw - 1) - 1) // sc + 1
    r = (np.arange(rows) * sr)[:, None, None, None] + (np.arange(kh) * dr)[None, None, :, None]
    c = (np.arange(cols) * sc)[None, :, None, None] + (np.arange(kw) * dc)[None, None, None, :]
    return jnp.einsum("ijab,ab->ij", xp[r, c], k)


def _pool(x, node: MaxPool):
    """Each window gathered by index (rows i·s + a, columns j·s + b), then its max."""
    (kr, kc), (sr, sc) = node.size, node.stride
    rows, cols = (x.shape[0] - kr) // sr + 1, (x.shape[1] - kc) // sc + 1
    r = (np.arange(rows) * sr)[:, None, None, None] + np.arange(kr)[None, None, :, None]
    c = (np.arange(cols) * sc)[None, :, None, None] + np.arange(kc)[None, None, None, :]
    return jnp.max(x[r, c], axis=(2, 3))


def _value(node: Formula, env: dict, batch: int, dtype):
    """`node` at one point, its tensors' values in `env` (traced once, when compiling)."""

    def at(x: Formula):
        return _value(x, env, batch, dtype)

    match node:
        case Ref(name):
            return env[name]
        case Apply(function, x):
            return _elementwise(function)(at(x))
        case MatMul(x, Transpose(Ones())):  # x 1ᵀ: the column x repeated for every example
            v = at(x)
            return jnp.broadcast_to(v, (v.shape[0], batch))
        case MatMul(left, right):
            return at(left) @ at(right)
        case Add(left, right) | BroadcastAdd(left, right):  # NumPy's broadcasting, as jnp's
            return at(left) + at(right)
        case Hadamard(left, right) | Broadcast(left, right):
            return at(left) * at(right)
        case Scale(factor, x):
            return float(factor) * at(x)
        case Transpose(x):
            return at(x).T
        case Ones():
            return jnp.ones((batch, 1), dtype=dtype)
        case Column(entries):
            return jnp.array([[float(e)] for e in entries], dtype=dtype)
        case Fill(value, like):
            return jnp.full_like(at(like), float(value))
        case Diag(x):
            return jnp.diag(at(x)[:, 0])
        case Softmax(x):
            return jax.nn.softmax(at(x), axis=0)  # each example's column
        case LogSoftmax(x, axis):
            return jax.nn.log_softmax(at(x), axis=axis)
        case MatrixApply(name, x):  # tr, det, ln|det|, inverse, ‖·‖²: the registry's JAX forward
            return MATRIX[name].jax(jax, at(x))
        case SumAxis(x, axis):
            return jnp.sum(at(x), axis=axis, keepdims=True)
        case MeanAxis(x, axis):
            return jnp.mean(at(x), axis=axis, keepdims=True)
        case Correlate(x, k):
            return _conv(at(x), at(k), node)
        case Flip(x):
            return jnp.flip(at(x), axis=(0, 1))
        case Repeat(x, times, axis):
            return jnp.repeat(at(x), times, axis=axis)
        case MaxAxis(x, axis):
            return jnp.max(at(x), axis=(0, 1) if axis is None else axis, keepdims=True)
        case MaxPool(x):
            return _pool(at(x), node)
        case Kron(left, right):
            return jnp.kron(at(left), at(right))
        case ExampleLoss(loss, output, target, function):
            per_example = registered("loss", loss)(at(output), at(target), _elementwise(function))
            return per_example[None, :]  # the 1 × B row
    raise Unsupported(node, "the JAX oracle (forward equations only)")


def _forward(model: Model):
    """One point's forward pass: (params, taps, given) → (L, forward values by name)."""
    given_names = model.named(Role.INPUT, Role.TARGET)
    objective = model.objective

    def run(params, taps, given):
        env, dtype = dict(params), given[given_names[0]].dtype
        outputs = {}
        for name in given_names:
            env[name] = given[name] + taps[name] if name in taps else given[name]
            if model.tensor(name).role == Role.INPUT:
                outputs[name] = given[name]
        for eq in model.equations:
            value = _value(eq.expr, env, model.batch, dtype)
            if eq.target in taps:
                value = value + taps[eq.target]
            env[eq.target] = outputs[eq.target] = value
        outputs[objective] = value = env[objective].reshape(())
        return value, outputs

    return run


@cache
def _compiled(model: Model):
    """Forward values and gradients at a block of points, vmapped and compiled (once per model
    and block shape)."""
    forward = _forward(model)
    tapped, shapes = model.named(Role.INPUT, Role.INTERMEDIATE), model.shapes
    dtype_from = model.named(Role.INPUT, Role.TARGET)[0]

    def one(params, given):
        dtype = given[dtype_from].dtype
        taps = {name: jnp.zeros(shapes[name], dtype=dtype) for name in tapped}  # in the run's dtype
        grad = jax.grad(forward, argnums=(0, 1), has_aux=True)
        (g_params, g_taps), outputs = grad(params, taps, given)
        return g_params, g_taps, outputs

    return jax.jit(jax.vmap(one))


def cut_gradients(
    model: Model, wrt: str, cuts: tuple[tuple[str, str], ...], arrays: Mapping[str, np.ndarray]
):
    """∂L/∂`wrt` with one use of a tensor cut, for each cut `(tensor, target)`: in the equation
    defining `target`, `tensor` is read as a constant (`jax.lax.stop_gradient`), so the gradient
    lacks the term of the paths through that use. `arrays` as `model_gradients`'; returns one
    (P, rows, cols) array per cut, in order. Compiled once per model, `wrt` and cuts."""
    given = {
        name: np.ascontiguousarray(arrays[name])
        for name in model.named(Role.INPUT, Role.TARGET, Role.PARAMETER)
    }
    return [np.asarray(g) for g in _cuts_compiled(model, wrt, cuts)(given)]


@cache
def _cuts_compiled(model: Model, wrt: str, cuts: tuple[tuple[str, str], ...]):
    objective, dtype_from = model.objective, model.named(Role.INPUT, Role.TARGET)[0]

    def loss(tap, given, cut):
        env, dtype = dict(given), given[dtype_from].dtype
        if wrt in env:
            env[wrt] = env[wrt] + tap
        for eq in model.equations:
            local = env
            if eq.target == cut[1]:  # this equation reads the tensor as a constant
                local = {**env, cut[0]: jax.lax.stop_gradient(env[cut[0]])}
            value = _value(eq.expr, local, model.batch, dtype)
            env[eq.target] = value + tap if eq.target == wrt else value
        return env[objective].reshape(())

    def one(given):
        tap = jnp.zeros(model.tensor(wrt).shape, dtype=given[dtype_from].dtype)
        return [jax.grad(loss)(tap, given, cut) for cut in cuts]

    return jax.jit(jax.vmap(one))


BLOCK = 2**14  # points a compiled call takes, at most: its arrays stay in a core's cache
BLOCK_BYTES = 16 * 1024**2  # and at most this much of inputs (large networks: fewer points)


def _block(per_point_bytes: int) -> int:
    """Points per call: a power of two, at most BLOCK and BLOCK_BYTES of inputs, at least 1.
    Every call is padded to it, so a model is compiled for one shape only, whatever the
    number of points (a compilation costs ~0.2 s; padding a small run costs ~2 ms)."""
    fit = max(1, min(BLOCK, BLOCK_BYTES // max(1, per_point_bytes)))
    return 1 << (fit.bit_length() - 1)


@cache
def sharding():
    """How a block of points is laid over the devices: split along the points axis (axis 0)
    when JAX has several devices, None (its default device) when it has one."""
    devices = jax.devices()
    if len(devices) < 2:
        return None
    mesh = jax.sharding.Mesh(np.array(devices), ("points",))
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("points"))


def _padded(block: int) -> int:
    """The points a call is padded to: the block, rounded up to a multiple of the devices'
    count, so that each device gets as many points."""
    split = sharding()
    devices = 1 if split is None else len(split.device_set)
    return -(-block // devices) * devices


def model_gradients(model: Model, arrays: Mapping[str, np.ndarray]):
    """Forward values and every gradient at all points: `arrays` holds every input, target and
    parameter by name, (P, rows, cols). Returns ({"z1", "a1", …, "L"}, {"dL/dW1", …}) as NumPy
    arrays in the same layout (`L`: (P,)); evaluated in blocks of `_block` points."""
    return dispatch(model, arrays)()


def dispatch(model: Model, arrays: Mapping[str, np.ndarray]):
    """`model_gradients`, started: every block is handed to XLA at once, and the function
    returned waits for the values and gives them. In between, the caller's thread is free (XLA
    computes on its own threads, beside NumPy)."""
    given = model.named(Role.INPUT, Role.TARGET, Role.PARAMETER)
    count = arrays[given[0]].shape[0]
    for name in given:
        if name not in arrays:
            raise ValueError(f"model_gradients: no values for the tensor {name!r}")
        want = (count, *model.tensor(name).shape)
        if arrays[name].shape != want:
            raise ValueError(f"model_gradients: {name!r} is {arrays[name].shape}; expected {want}")
    block = _block(sum(arrays[name][0].nbytes for name in given))
    started = [
        _model_block(model, {n: arrays[n][s : s + block] for n in given}, _padded(block))
        for s in range(0, count, block)
    ]

    def result():
        parts = [finish() for finish in started]
        if len(parts) == 1:
            return parts[0]
        return jax.tree_util.tree_map(lambda *xs: np.concatenate(xs), *parts)

    return result


def _model_block(model: Model, arrays: dict[str, np.ndarray], padded: int):
    """One block handed to XLA; returns the function that waits for its values."""
    count = next(iter(arrays.values())).shape[0]
    split = sharding()

    def put(x):  # padded to `padded` points by repeating the last one: one compiled shape
        x = np.ascontiguousarray(x)
        if padded > count:
            x = np.concatenate([x, np.broadcast_to(x[-1:], (padded - count, *x.shape[1:]))])
        # NumPy arrays straight to the compiled call on one device: 20% faster than
        # jax.device_put first; over several, placed split along the points axis
        return x if split is None else jax.device_put(x, split)

    params = {name: put(arrays[name]) for name in model.named(Role.PARAMETER)}
    given = {name: put(arrays[name]) for name in model.named(Role.INPUT, Role.TARGET)}
    running = _compiled(model)(params, given)  # returns at once; XLA computes on
    return partial(_collect, model, running, count)


def _collect(model: Model, running, count: int):
    g_params, g_taps, outputs = jax.tree_util.tree_map(lambda v: np.asarray(v)[:count], running)
    forward = {
        name: outputs[name] for name in (*model.named(Role.INPUT), *(eq.target for eq in model.equations))
    }
    grads = {f"dL/d{name}": g for name, g in (*g_params.items(), *g_taps.items())}
    return forward, grads


def gradients(*args, **kwargs):
    """`dispatch_gradients`, waited for: ({"z1", "a1", …, "L"}, {"dL/dW1", …})."""
    return dispatch_gradients(*args, **kwargs)()


def dispatch_gradients(
    z1,
    weights,
    biases,
    y,
    activation_name: str,
    loss: str,
    slope: float = 0.01,
    reduction: str = "mean",
    activations: tuple[str, ...] | None = None,
    l2: Fraction = Fraction(0),
):
    """`model_gradients` of the seed's network (`Network.model`) with one activation for all
    layers (or `activations`, one per layer) and the L2 penalty `l2` (λ', 0: none), from its
    arrays: z1, y (P, n, B), W_l (P, n_{l+1}, n_l), b_l (P, n_{l+1}, 1); started (`dispatch`):
    call the function returned for the values."""
    sizes = (z1.shape[1], *(W.shape[1] for W in weights))
    network = Network(
        sizes, activation_name, loss, z1.shape[2], reduction, Fraction(slope), activations, l2=Fraction(l2)
    )
    arrays = {"z1": z1, "y": y}
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
        arrays[f"W{layer}"], arrays[f"b{layer}"] = W, b
    return dispatch(network.model, arrays)
