"""The model IR (derive/model_ir.py) and the JAX oracle compiling it (verify/jax_oracle.py).

Differential: the oracle's forward values and gradients of a model equal the hand-written NumPy
backward's (verify/numpy_backprop.py) within the error budget (verify/tolerance.py), for every
activation and loss, one example or three, mean or sum, and for per-layer activations.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from derive import InputError, Network
from derive.formula import Add, Apply, FPrime, Function, MatMul, Ones, Ref, Transpose
from derive.model import setting_model, slice_setting
from derive.model_ir import Equation, Model, ModelError, Role, Tensor, network_model
from derive.registry import reads_output_activation
from verify import jax_oracle, numpy_backprop, sampling, tolerance

POINTS = 64


def arrays(points: sampling.Points) -> dict[str, np.ndarray]:
    out = {"z1": points.z1, "y": points.y}
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        out[f"W{layer}"], out[f"b{layer}"] = W, b
    return out


def per_layer_numpy(points, activations, loss, slope, reduction):
    """The hand-written forward and backward of numpy_backprop, with layer l's own f_l, f_l'."""
    fs = [numpy_backprop.activation_functions(name, slope) for name in activations]
    loss_fn, loss_delta = numpy_backprop.LOSSES[loss]
    forward, z = {"z1": points.z1}, points.z1
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        a = fs[layer - 1][0](z)  # a_l = f_l(z_l)
        z = W @ a + b  # z_{l+1} = W_l a_l + b_l
        forward[f"a{layer}"], forward[f"z{layer + 1}"] = a, z
    per_example = loss_fn(z, points.y, fs[-1][0])
    forward["L"] = per_example.mean(axis=-1) if reduction == "mean" else per_example.sum(axis=-1)
    depth, batch = len(points.W), points.z1.shape[-1]
    factor = 1.0 / batch if reduction == "mean" else 1.0
    delta, grads = loss_delta(z, points.y, *fs[-1]), {}
    for layer in range(depth, 0, -1):
        a = forward[f"a{layer}"]
        grads[f"dL/dW{layer}"] = factor * (delta @ a.mT)
        grads[f"dL/db{layer}"] = factor * delta.sum(axis=-1, keepdims=True)
        back = points.W[layer - 1].mT @ delta
        grads[f"dL/da{layer}"] = factor * back
        delta = back * fs[layer - 1][1](forward[f"z{layer}"])  # Δ_l = W_lᵀ Δ_{l+1} ∘ f_l'(Z_l)
        grads[f"dL/dz{layer}"] = factor * delta
    grads[f"dL/dz{depth + 1}"] = factor * loss_delta(z, points.y, *fs[-1])
    if loss in ("mse", "sse"):  # a_L = f_L(z_L); dL/da_L = (1/B)(a_L − y), twice that for sse
        forward[f"a{depth + 1}"] = fs[-1][0](z)
        twice = 2.0 if loss == "sse" else 1.0
        grads[f"dL/da{depth + 1}"] = twice * factor * (forward[f"a{depth + 1}"] - points.y)
    return forward, grads


def assert_agree(network: Network, got, want) -> None:
    """Every forward value and gradient within 2·budget of the other witness, at every point
    (numpy_backprop has no dL/dz_L: its δ_L is not among the seed's identities; nor a_L and
    dL/da_L, which the oracle computes where the loss reads a_L = f(z_L))."""
    (f_got, g_got), (f_want, g_want) = got, want
    last = len(network.sizes)
    reads_a = reads_output_activation(network.loss)
    assert f_want.keys() <= f_got.keys() and f_got.keys() - f_want.keys() <= (
        {f"a{last}"} if reads_a else set()
    )
    extra = {f"dL/dz{last}", f"dL/da{last}"} if reads_a else {f"dL/dz{last}"}
    assert g_want.keys() <= g_got.keys() and g_got.keys() - g_want.keys() <= extra
    for name, layer in [(k, 0) for k in f_want] + [(k, int(k[5:])) for k in g_want]:
        x, y = (f_got[name], f_want[name]) if layer == 0 else (g_got[name], g_want[name])
        assert x.shape == y.shape, name
        if x.ndim == 1:
            x, y = x[:, None], y[:, None]
        n = tolerance.terms(network.sizes, network.batch, layer)
        err = np.abs(x - y).reshape(x.shape[0], -1).max(axis=1)
        assert (err <= tolerance.allowed(y, n)).all(), f"{name}: {err.max():.3g}"


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("batch", [1, 3])
def test_oracle_of_the_model_agrees_with_the_hand_written_backward(pair, batch, reduction):
    network = Network((4, 3, 2), *pair, batch=batch, reduction=reduction).numeric  # generic ℓ: mse
    points = sampling.sample(network, POINTS, 7)
    got = jax_oracle.model_gradients(network.model, arrays(points))
    args = (network.activation, network.loss, float(network.slope), reduction)
    cache = numpy_backprop.forward(points.z1, points.W, points.b, points.y, *args)
    grads = numpy_backprop.backward(cache, points.W, points.y, *args)
    assert_agree(network, got, (cache, grads))
    # the old signature is a wrapper of the same computation
    old = jax_oracle.gradients(points.z1, points.W, points.b, points.y, *args)
    for one, other in zip(got, old, strict=True):
        assert one.keys() == other.keys()
        assert all(np.array_equal(one[k], other[k]) for k in one)


PER_LAYER = [  # (sizes, activations f_1 … f_L, loss)
    ((4, 5, 3), ("relu", "relu", "sigmoid"), "bce"),
    ((4, 5, 3), ("tanh", "tanh", "identity"), "mse"),
    ((3, 4, 4, 2), ("sigmoid", "relu", "tanh", "sigmoid"), "mse"),
]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("sizes, activations, loss", PER_LAYER)
def test_per_layer_activations(sizes, activations, loss, batch, reduction):
    # sampled with relu where a layer has it, so every pre-activation stays off its kink
    network = Network(sizes, "relu" if "relu" in activations else "tanh", loss, batch, reduction)
    model = network_model(network, activations)
    applied = [eq.expr.function.name for eq in model.equations if isinstance(eq.expr, Apply)]
    # f_L too where the loss reads a_L = f_L(z_L) (mse)
    assert applied == list(activations if reads_output_activation(loss) else activations[:-1])
    points = sampling.sample(network, POINTS, 11)
    got = jax_oracle.model_gradients(model, arrays(points))
    assert_agree(network, got, per_layer_numpy(points, activations, loss, 0.01, reduction))
    assert model != network.model  # not the network's one activation for all layers


def test_the_seed_network_as_a_model():
    model = Network().model
    assert [str(eq) for eq in model.equations] == [
        "a1 = sigmoid(z1)",
        "z2 = W1 a1 + b1 1ᵀ",
        "a2 = sigmoid(z2)",  # mse reads the output activation a_L = f(z_L) ...
        "L = mean(mse(a2, y), axis=1)",  # ... through the identity
    ]
    assert model.named(Role.INPUT) == ("z1",) and model.named(Role.TARGET) == ("y",)
    assert model.named(Role.PARAMETER) == ("W1", "b1") and model.objective == "L"
    assert model.tensor("W1").shape == (3, 4) and model.tensor("b1").shape == (3, 1)
    assert model.tensor("W1").written == "W_{1}"
    assert Network(batch=4).model.tensor("a1").written == "A_{1}"
    sum_model = Network(batch=2, reduction="sum").model
    assert str(sum_model.equations[-1]) == "L = sum(mse(a2, y), axis=1)"
    # the logits' losses read z_L, with no a_L in the model
    bce = Network(loss="bce").model
    assert str(bce.equations[-1]) == "L = mean(bce[sigmoid](z2, y), axis=1)" and "a2" not in bce.shapes
    leaky = Network(activation="leaky-relu", slope=Fraction(1, 5)).model
    assert leaky.equations[0].expr.function == Function("leaky-relu", Fraction(1, 5))


def test_the_slice_of_a_symbolic_proof_is_a_model():
    # layers 2, 3 of a deeper network, generic f and a generic ℓ standing for everything after
    model = setting_model(slice_setting(Network((4, 3, 2, 2), batch=2), 2, 3))
    assert [str(eq) for eq in model.equations] == [
        "a2 = f(z2)",
        "z3 = W2 a2 + b2 1ᵀ",
        "L = mean(ℓ(z3), axis=1)",
    ]
    assert model.named(Role.INPUT, Role.PARAMETER) == ("z2", "W2", "b2") and model.tensor("z2").shape == (
        3,
        2,
    )
    assert model.tensor("z3").written == "Z_{3}"


def test_a_model_is_frozen_and_hashable():
    a, b = Network((4, 3, 2)).model, network_model(Network((4, 3, 2)), ("sigmoid",) * 3)
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert a != network_model(Network((4, 3, 2)), ("relu", "relu", "sigmoid"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.batch = 2  # type: ignore[misc]


def test_network_model_rejects_bad_activations():
    with pytest.raises(InputError, match="activations: expected 3 names, one per layer"):
        network_model(Network((4, 3, 2)), ("relu", "sigmoid"))
    with pytest.raises(InputError, match="activation: expected one of"):
        network_model(Network((4, 3)), ("relu", "sigmod"))


def _tensors(**changes: tuple[int, int]) -> tuple[Tensor, ...]:
    shapes = {
        "z1": (4, 1), "W1": (3, 4), "b1": (3, 1), "y": (3, 1), "a1": (4, 1), "z2": (3, 1), "a2": (3, 1),
        "L": (1, 1),
    }  # fmt: skip
    roles = {"z1": Role.INPUT, "W1": Role.PARAMETER, "b1": Role.PARAMETER, "y": Role.TARGET}
    return tuple(
        Tensor(n, changes.get(n, s), roles.get(n, Role.OBJECTIVE if n == "L" else Role.INTERMEDIATE))
        for n, s in shapes.items()
    )


SEED = Network().model.equations  # a1 = sigmoid(z1); z2 = W1 a1 + b1 1ᵀ; a2 = sigmoid(z2); L = …
AFFINE = Add(MatMul(Ref("W1"), Ref("a1")), MatMul(Ref("b1"), Transpose(Ones())))


def test_a_hand_built_model_equals_the_network_model():
    assert Model(_tensors(), SEED).equations == Network().model.equations


@pytest.mark.parametrize(
    "tensors, equations, message",
    [
        (
            _tensors(),
            (SEED[0], Equation("z2", Add(MatMul(Ref("W1"), Ref("q")), Ref("b1"))), *SEED[2:]),
            r"equation 2 \(z2 = W1 q \+ b1\): 'q' is not a tensor of the model",
        ),
        (
            _tensors(),
            (SEED[1], SEED[0], *SEED[2:]),
            r"equation 1 \(z2 = W1 a1 \+ b1 1ᵀ\): 'a1' is used before it is defined",
        ),
        (
            _tensors(W1=(3, 5)),
            SEED,
            r"equation 2 \(z2 = W1 a1 \+ b1 1ᵀ\): shapes do not fit: matrix product of 3×5 and 4×1 in W1 a1",
        ),
        (
            _tensors(b1=(2, 1)),
            SEED,
            r"equation 2 \(z2 = W1 a1 \+ b1 1ᵀ\): shapes do not fit: '\+' of 3×1 and 2×1",
        ),
        (
            _tensors(y=(2, 1)),
            SEED,
            r"equation 4 \(L = mean\(mse\(a2, y\), axis=1\)\): shapes do not fit: "
            r"loss of a 3×1 output and a 2×1 target",
        ),
        (
            _tensors(a1=(4, 2)),
            SEED,
            r"equation 1 \(a1 = sigmoid\(z1\)\): the right-hand side is 4×1, but 'a1' is 4×2",
        ),
        (_tensors(), SEED[:3], r"no equation defines 'L'"),
        (_tensors(), (*SEED, Equation("a1", Ref("z1"))), r"equation 5 \(a1 = z1\): 'a1' is defined twice"),
        (
            _tensors(),
            (Equation("W1", Ref("W1")), *SEED),
            r"equation 1 \(W1 = W1\): 'W1' is given \(parameter\), not computed",
        ),
        (_tensors(), (Equation("h", Ref("z1")), *SEED), r"equation 1 \(h = z1\): no tensor called 'h'"),
        (_tensors(L=(1, 2)), SEED, r"the objective 'L' must be 1×1"),
        ((*_tensors(), Tensor("y", (3, 1), Role.TARGET)), SEED, r"tensor 'y' is declared twice"),
    ],
)
def test_invalid_models_are_named_by_their_equation(tensors, equations, message):
    with pytest.raises(ModelError, match=message):
        Model(tensors, tuple(equations))


def test_the_oracle_interprets_forward_equations_only():
    # a derivative (f') is a claim's node, never a forward pass's: the oracle refuses it
    equations = (Equation("a1", FPrime(Ref("z1"))), *SEED[1:])
    model = Model(_tensors(), equations)
    points = sampling.sample(Network(), 4, 0)
    with pytest.raises(jax_oracle.Unsupported, match="forward equations only"):
        jax_oracle.model_gradients(model, arrays(points))


def test_the_oracle_names_missing_or_misshapen_arrays():
    points = arrays(sampling.sample(Network(), 4, 0))
    with pytest.raises(ValueError, match="no values for the tensor 'y'"):
        jax_oracle.model_gradients(Network().model, {k: v for k, v in points.items() if k != "y"})
    with pytest.raises(ValueError, match=r"'b1' is \(4, 3\); expected \(4, 3, 1\)"):
        jax_oracle.model_gradients(Network().model, points | {"b1": points["b1"][..., 0]})
