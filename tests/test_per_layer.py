"""Per-layer activations (a ReLU or tanh hidden layer, a sigmoid output), and named functions
in claims: `σ'`, `\\tanh'`, `\\text{ReLU}'` are themselves, `f`, `g`, `φ` the layer's own.

Cases from the field: `min-mixed.md` (σ' on the ReLU layer: refuted and named), `FC-05.md`
(no longer refused for its activations), and a Nielsen-style note in the into-layer convention.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from derive import Network
from derive.claims import bind_sides
from derive.claims_file import load
from derive.errors import InputError
from derive.evaluate import evaluate
from derive.formula import Apply, ApplyPrime, FPrime, Function, Hadamard, MatMul, Transpose, Var
from derive.identities import network_identities
from derive.model import setting
from derive.slips import SlipKind, slips
from verify import Verdict, check_document, verify_network
from verify.claim_values import oracle_values, value
from verify.numpy_backprop import backward, forward
from verify.results import ForwardStatus
from verify.sampling import sample
from verify.sympy_numeric import forward_and_formulas

POINTS = 40
MIXED = Network((4, 3, 2), activations=("relu", "relu", "sigmoid"))
TANH_SIGMOID = Network((3, 4, 2), activations=("tanh", "tanh", "sigmoid"))
z2, z3 = Var("z", 2), Var("z", 3)


def write(tmp_path: Path, text: str, name: str = "notes.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path, **options):
    return check_document(load(path, options), points=POINTS, seed=3)


def verdicts(run) -> list[str]:
    return [str(r.verdict) for r in run.claims]


# --- the network -----------------------------------------------------------------------------
def test_a_network_names_one_activation_per_layer():
    assert MIXED.layer_activations == ("relu", "relu", "sigmoid")
    assert MIXED.activation == "sigmoid" and MIXED.mixed  # f_L: the one mse reads
    assert MIXED.describe() == "4 → 3 → 2, relu then sigmoid, mse"
    # one name on every layer is the network of that activation
    assert Network((4, 3), activations=("tanh", "tanh")) == Network((4, 3), activation="tanh")
    with pytest.raises(InputError, match="3 activation names, one per layer"):
        Network((4, 3, 2), activations=("relu", "sigmoid"))
    with pytest.raises(InputError, match="activation"):
        Network((4, 3), activations=("relu", "softmax-ish"))


def test_the_model_applies_each_layers_own_activation():
    model = MIXED.model
    applied = {eq.target: eq.expr.function.name for eq in model.equations if isinstance(eq.expr, Apply)}
    assert applied == {"a1": "relu", "a2": "relu", "a3": "sigmoid"}
    key = setting(MIXED, generic=False)
    assert key.layer_activations == ("relu", "relu", "sigmoid")
    assert key != setting(Network((4, 3, 2), activation="sigmoid"), generic=False)  # the cache key


# --- three witnesses agree on a per-layer network ----------------------------------------------
@pytest.mark.parametrize("network", [MIXED, TANH_SIGMOID], ids=["relu-sigmoid", "tanh-sigmoid"])
def test_jax_numpy_and_sympy_agree_on_a_per_layer_network(network):
    points = sample(network, 12, seed=1)
    oracle = oracle_values(network, points)
    identities = network_identities(network)
    sympy_forward, formulas = forward_and_formulas(network, identities, points)
    cache = forward(points.z1, points.W, points.b, points.y, network.layer_activations, network.loss)
    grads = backward(cache, points.W, points.y, network.layer_activations, network.loss)
    for name in ("z2", "a2", "z3", "L"):
        assert np.allclose(sympy_forward[name], oracle.forward[name], rtol=1e-12, atol=1e-13), name
        assert np.allclose(cache[name], oracle.forward[name], rtol=1e-12, atol=1e-13), name
    for identity, sympy_value in zip(identities, formulas, strict=True):
        truth = oracle.gradients[f"dL/d{identity.target.kind}{identity.target.layer}"]
        assert np.allclose(value(identity.formula, oracle), truth, rtol=1e-10, atol=1e-12), identity.name
        assert np.allclose(sympy_value, truth, rtol=1e-10, atol=1e-12), identity.name
        assert np.allclose(grads[identity.name], truth, rtol=1e-10, atol=1e-12), identity.name
    # the witnesses do tell the layers apart: the one activation everywhere gives other numbers
    uniform = oracle_values(Network(network.sizes, activation="sigmoid"), points)
    assert not np.allclose(uniform.gradients["dL/dW1"], oracle.gradients["dL/dW1"])


def test_verify_checks_the_hand_written_backward_per_layer():
    run = verify_network(TANH_SIGMOID, points=POINTS, seed=2)
    assert {str(r.verdict) for r in run.claims} == {"proved"}
    assert run.implementation is not None and run.implementation.agree


def test_a_generic_f_is_its_layers_own_and_a_named_one_is_itself():
    key = setting(MIXED, generic=False)
    points = sample(MIXED, 5, seed=0)
    oracle = oracle_values(MIXED, points)
    z = oracle.forward["z2"]
    relu_prime, sigmoid_prime = (z > 0).astype(float), 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z)))
    assert np.allclose(value(FPrime(z2), oracle), relu_prime)
    assert np.allclose(value(ApplyPrime(Function("sigmoid"), z2), oracle), sigmoid_prime)
    assert np.allclose(value(Apply(Function("tanh"), z2), oracle), np.tanh(z))
    assert "relu_prime" in str(evaluate(FPrime(z2), key)[0])
    assert "sigmoid_prime" in str(evaluate(ApplyPrime(Function("sigmoid"), z2), key)[0])
    assert "sigmoid_prime" in str(evaluate(FPrime(z3), key)[0])


def test_a_named_function_that_is_its_layers_own_binds_as_f():
    (side,) = bind_sides(r"\sigma'(z_3)", "latex", MIXED)[0][1]
    assert side == FPrime(z3)  # the sigmoid output's own: the generic proofs cover it
    (side,) = bind_sides(r"\sigma'(z_2)", "latex", MIXED)[0][1]
    assert side == ApplyPrime(Function("sigmoid"), z2)  # not the relu layer's
    (side,) = bind_sides(r"\text{ReLU}'(z_2)", "latex", MIXED)[0][1]
    assert side == FPrime(z2)


# --- slips -----------------------------------------------------------------------------------
def test_the_output_activations_derivative_on_a_hidden_layer_is_a_slip():
    found = {s.kind: s for s in slips(Var("z", 2), MIXED)}
    slip = found[SlipKind.OUTPUT_FPRIME_ON_HIDDEN]
    assert (slip.used, slip.own, slip.other) == ("sigmoid", "relu", 3)
    right = Hadamard(MatMul(Transpose(Var("W", 2)), Var("delta", 3)), ApplyPrime(Function("sigmoid"), z2))
    assert slip.formula == right
    # a network of one activation has no other layer's activation to confuse
    assert SlipKind.OUTPUT_FPRIME_ON_HIDDEN not in {s.kind for s in slips(Var("z", 2), Network((4, 3, 2)))}
    # a hidden layer of another activation: that layer's, not the output's
    deeper = Network((4, 3, 2, 2), activations=("relu", "relu", "tanh", "sigmoid"))
    out = {s.kind: s for s in slips(Var("z", 2), deeper)}
    assert out[SlipKind.OTHER_ACTIVATION_FPRIME].other == 3
    assert out[SlipKind.OUTPUT_FPRIME_ON_HIDDEN].other == 4


# --- cases from the field --------------------------------------------------------------------
MIN_MIXED_TEXT = r"""
$a_2 = \text{ReLU}(z_2)$, $a_3 = \sigma(z_3)$, $z_3 = W_2 a_2 + b_2$.
$$\delta_2 = W_2^T \delta_3 \circ \sigma'(z_2)$$
"""


def test_min_mixed_is_refuted_and_the_slip_named(tmp_path):
    run = check(write(tmp_path, MIN_MIXED_TEXT))
    assert run.network.layer_activations == ("relu", "relu", "sigmoid")
    (result,) = run.claims
    assert result.verdict == Verdict.REFUTED
    assert result.slip is not None and result.slip.kind == SlipKind.OUTPUT_FPRIME_ON_HIDDEN
    assert run.unnamed_activations == (1,)  # layer 1 takes its neighbour's relu
    assert all(f.status == ForwardStatus.CONSISTENT for f in run.forward_equations)


@pytest.mark.parametrize(
    ("derivative", "verdict"),
    [
        (r"\text{ReLU}'(z_2)", "proved"),
        (r"f'(z_2)", "proved"),
        (r"g'(z_2)", "proved"),
        (r"\tanh'(z_2)", "refuted"),
    ],
)
def test_min_mixed_variants(tmp_path, derivative, verdict):
    text = MIN_MIXED_TEXT.replace(r"\sigma'(z_2)", derivative)
    assert verdicts(check(write(tmp_path, text))) == [verdict]


def test_the_command_line_activation_still_sets_every_layer(tmp_path):
    run = check(write(tmp_path, MIN_MIXED_TEXT), activation="sigmoid")
    assert not run.network.mixed and run.network.activation == "sigmoid"
    statuses = [f.status for f in run.forward_equations]
    assert ForwardStatus.INCONSISTENT in statuses  # a_2 = ReLU(z_2) does not hold for it
    assert verdicts(run) == ["proved"]  # σ' on a sigmoid network is its f'


NIELSEN = r"""
Forward: $z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$, $a^{(2)} = \text{ReLU}(z^{(2)})$,
$a^{(3)} = \sigma(z^{(3)})$, loss $C = \frac{1}{2}\|a^{(3)} - y\|^2$.
$$\delta^{(3)} = (a^{(3)} - y) \odot \sigma'(z^{(3)})$$
$$\delta^{(2)} = (W^{(3)})^T \delta^{(3)} \odot \text{ReLU}'(z^{(2)})$$
$$\frac{\partial C}{\partial W^{(2)}} = \delta^{(2)} (a^{(1)})^T$$
"""


def test_nielsen_relu_hidden_sigmoid_output_in_the_into_layer_convention(tmp_path):
    run = check(write(tmp_path, NIELSEN))
    assert run.network.layer_activations[-2:] == ("relu", "sigmoid")
    assert run.reading.weights != 0 or run.basis == "forward equations"
    assert verdicts(run) == ["proved", "proved", "proved"]
    wrong = check(write(tmp_path, NIELSEN.replace(r"\text{ReLU}'(z^{(2)})", r"\sigma'(z^{(2)})")))
    assert verdicts(wrong) == ["proved", "refuted", "proved"]
    assert wrong.claims[1].slip is not None and wrong.claims[1].slip.kind == SlipKind.OUTPUT_FPRIME_ON_HIDDEN
    # the output's σ' replaced by the hidden layer's ReLU': another layer's activation
    swapped = check(write(tmp_path, NIELSEN.replace(r"\sigma'(z^{(3)})", r"\text{ReLU}'(z^{(3)})")))
    assert verdicts(swapped)[0] == "refuted"
    assert swapped.claims[0].slip is not None
    assert swapped.claims[0].slip.kind == SlipKind.OTHER_ACTIVATION_FPRIME


FC_05 = r"""
# 2 → 3 → 2 network, ReLU hidden layer, sigmoid outputs
Loss $L = \frac{1}{2}\sum (\hat{y} - y)^2$; $z^{(2)} = W^{(2)} a^{(1)}$, $a^{(2)} = \text{ReLU}(z^{(2)})$,
$z^{(3)} = W^{(3)} a^{(2)}$, $a^{(3)} = \sigma(z^{(3)})$.
Last weight matrix:

$$\frac{\partial L}{\partial W^{(3)}} = (a^{(3)} - y) \odot a^{(3)} \odot (1 - a^{(3)}) a^{(2)T}$$

Second weight matrix, every $z^{(2)}$ entry positive so the ReLU derivative is $(1,1,1)$:

$$\frac{\partial L}{\partial W^{(2)}} = (a^{(3)} - y) \odot a^{(3)} \odot (1 - a^{(3)})"""
FC_05 += r""" W^{(3)} (1,1,1)^T a^{(1)T}$$
"""


def test_fc05_is_not_refused_for_its_activations(tmp_path):
    """Line 9 needs shape-driven regrouping and line 14 the vector literal `(1,1,1)^T` (other
    work): here only that the activations are read per layer and line 14 is never proved."""
    run = check(write(tmp_path, FC_05))
    assert run.network.layer_activations[-2:] == ("relu", "sigmoid")
    assert not any(f.status == ForwardStatus.INCONSISTENT for f in run.forward_equations)
    assert len(run.claims) == 2
    for result in run.claims:
        problem = result.claim.problem
        assert problem is None or "activation" not in problem.message
    assert run.claims[1].verdict != Verdict.PROVED  # the ∂L/∂W^{(2)} line


def test_fc05_like_note_without_the_vector_literal(tmp_path):
    """FC-05's activations and convention, with claims the grammar reads today."""
    text = r"""
$z^{(2)} = W^{(2)} a^{(1)}$, $a^{(2)} = \text{ReLU}(z^{(2)})$,
$z^{(3)} = W^{(3)} a^{(2)}$, $a^{(3)} = \sigma(z^{(3)})$.
$$\frac{\partial L}{\partial W^{(3)}} = ((a^{(3)} - y) \odot a^{(3)} \odot (1 - a^{(3)})) (a^{(2)})^T$$
$$\frac{\partial L}{\partial W^{(2)}} = (W^{(3)T} \delta^{(3)} \odot \text{ReLU}'(z^{(2)})) (a^{(1)})^T$$
$$\frac{\partial L}{\partial W^{(2)}} = (W^{(3)} \delta^{(3)} \odot \text{ReLU}'(z^{(2)})) (a^{(1)})^T$$
"""
    run = check(write(tmp_path, text))
    assert verdicts(run) == ["proved", "proved", "shape-error"]


def test_slope_reaches_named_leaky_relu():
    network = Network((3, 2, 2), activations=("leaky-relu", "leaky-relu", "sigmoid"), slope=Fraction(1, 10))
    (side,) = bind_sides(r"\operatorname{leaky-relu}'(z_2)", "latex", network)[0][1]
    assert side == FPrime(z2)
    (side,) = bind_sides(r"\operatorname{leaky-relu}'(z_3)", "latex", network)[0][1]
    assert side == ApplyPrime(Function("leaky-relu", Fraction(1, 10)), z3)
