"""The output layer's δ for the chosen loss (issue 15): `dL/dz_L = δ_L`, one built-in identity per
network besides the four of each layer boundary, stated once in the registry (`Loss.delta`).

Per loss, for one example: mse `(a_L − y) ∘ f'(z_L)`, sse `2 (a_L − y) ∘ f'(z_L)`, softmax-ce
`softmax(z_L) − y`, bce (on the logits) `σ(z_L) − y`; `(1/B)(…)` with matrices for a mini-batch
mean. The generic ℓ has none (its δ_L is ∂ℓ/∂z_L by definition). Each is proved by SymPy, valued
by NumPy from the formula, by jax.grad w.r.t. z_L from the forward pass, and returned by the
hand-written backward; its wrong forms are refuted and, where the slip machinery can, named.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from typer.testing import CliRunner

from derive import Network, network_identities, prove
from derive.formula import (
    Activate,
    Add,
    Apply,
    Fill,
    FPrime,
    Function,
    Hadamard,
    Scale,
    Softmax,
    Transpose,
    Var,
)
from derive.identities import Identity, output_error
from derive.proof import Status
from derive.registry import CONCRETE_LOSSES, LOSSES
from derive.slip_search import Move
from derive.slips import SlipKind
from reports.build import report_input
from reports.cli import app
from reports.latex import render_report
from reports.terminal import render_run
from tests.variants import as_claim
from verify import numpy_backprop
from verify.results import Verdict
from verify.run import Code, check, verify_network

POINTS = 64
runner = CliRunner()

SHAPES = {
    "4,3": {"sizes": (4, 3)},
    "3,4,2": {"sizes": (3, 4, 2)},
    "4,3 batch 4": {"sizes": (4, 3), "batch": 4},
}
LOSS_NAMES = ("mse", "sse", "softmax-ce", "bce")


def neg(x):
    return Scale(Fraction(-1), x)


def minus_y(x, last: int):
    return Add(x, neg(Var("y", last)))


def output(network: Network) -> Identity:
    first = network_identities(network)[0]
    assert first.name == f"dL/dz{len(network.sizes)}"
    return first


# --- the identity -------------------------------------------------------------------------------


def test_every_concrete_loss_states_its_output_error_once():
    assert set(CONCRETE_LOSSES) == set(LOSS_NAMES)
    for name in CONCRETE_LOSSES:
        assert callable(LOSSES[name].delta), name
    assert LOSSES["generic"].delta is None and output_error("generic", 2) is None


@pytest.mark.parametrize(
    ("loss", "text", "batched"),
    [
        ("mse", "dL/dz2 = (a2 - y) ∘ f'(z2)", "dL/dZ2 = 1/4 ((A2 - Y) ∘ f'(Z2))"),
        ("sse", "dL/dz2 = 2 ((a2 - y) ∘ f'(z2))", "dL/dZ2 = 1/2 ((A2 - Y) ∘ f'(Z2))"),
        ("softmax-ce", "dL/dz2 = softmax(z2) - y", "dL/dZ2 = 1/4 (softmax(Z2) - Y)"),
        ("bce", "dL/dz2 = sigmoid(z2) - y", "dL/dZ2 = 1/4 (sigmoid(Z2) - Y)"),
    ],
)
def test_the_output_identity_comes_first_with_the_loss_s_delta(loss, text, batched):
    """First, where the backward pass starts; the registry's δ_L, with 1/B for the mean."""
    one = Network((4, 3), "tanh", loss)
    assert [i.name for i in network_identities(one)] == ["dL/dz2", "dL/da1", "dL/dz1", "dL/dW1", "dL/db1"]
    assert output(one).text == text
    error = output_error(loss, 2)
    if loss == "sse":  # 2 (a_2 − y) ∘ f'(z_2): the registry's factor 2, merged with the batch's
        assert isinstance(error, Scale) and error.factor == 2 and output(one).formula == error
    else:
        assert output(one).formula == error
    assert output(Network((4, 3), "tanh", loss, batch=4)).text == batched
    summed = output(Network((4, 3), "tanh", loss, batch=4, reduction="sum"))
    assert summed.formula == output(one).formula  # the sum over the batch: no 1/B
    assert output(Network((3, 4, 2), "tanh", loss)).target == Var("z", 3)


def test_the_generic_loss_has_no_output_identity():
    names = [i.name for i in network_identities(Network((4, 3), "sigmoid", "generic"))]
    assert names == ["dL/da1", "dL/dz1", "dL/dW1", "dL/db1"]


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_proved_by_sympy(loss, activation, shape):
    network = Network(activation=activation, loss=loss, **SHAPES[shape])
    identity = output(network)
    generic = prove(identity, network, generic=True)
    assert generic.status == Status.PROVED, generic.method
    # generic f with the network's own loss, on the output layer alone
    assert generic.setting.activation == "generic" and generic.setting.loss == loss
    assert generic.setting.sizes == network.sizes[-1:]
    assert prove(identity, network, generic=False).status == Status.PROVED  # its own f and loss


# each loss on each shape, the activations taken in turn (the numbers do not depend on which)
NUMERIC = [
    (loss, ("sigmoid", "tanh", "relu")[(k + j) % 3], shape)
    for k, loss in enumerate(LOSS_NAMES)
    for j, shape in enumerate(SHAPES)
]


@pytest.mark.parametrize(("loss", "activation", "shape"), NUMERIC, ids=["-".join(c) for c in NUMERIC])
def test_the_three_witnesses_and_the_hand_written_backward_agree(loss, activation, shape):
    network = Network(activation=activation, loss=loss, **SHAPES[shape])
    identity = output(network)
    run = verify_network(network, points=POINTS)
    first = run.claims[0]
    assert first.claim.name == identity.name and first.verdict == Verdict.PROVED, first.reason
    assert set(first.agreement.witnesses) == {"sympy", "numpy", "jax"} and first.agreement.agree
    code = run.implementation
    assert code is not None and code.gradients[identity.name].agree  # the hand-written backward's
    assert run.passed


# --- wrong forms: refuted, named where the slip machinery names them -----------------------------

a2, z2, y2 = Var("a", 2), Var("z", 2), Var("y", 2)
mse2 = Hadamard(minus_y(a2, 2), FPrime(z2))
softmax2 = minus_y(Softmax(z2), 2)
sigmoid2 = minus_y(Apply(Function("sigmoid"), z2), 2)
# only ∂o_j/∂z_j = o_j (1 − o_j) of the softmax Jacobian: −y ∘ (1 − softmax(z))
diagonal2 = neg(Hadamard(y2, Add(Fill(Fraction(1), Softmax(z2)), neg(Softmax(z2)))))

# (loss, slip, wrong δ_2 on 4 → 3 tanh, the slip named: a catalogue kind, the search's first
# step, or None where neither has it; for another loss's output error, that loss)
WRONG = [
    ("mse", "missing f'(z2)", minus_y(a2, 2), SlipKind.MISSING_FPRIME, ""),
    ("mse", "sign flip (y − a2)", Hadamard(Add(y2, neg(a2)), FPrime(z2)), SlipKind.SIGN, ""),
    ("mse", "sign flip outside", neg(mse2), SlipKind.SIGN, ""),
    ("mse", "factor 2 (sse's δ)", Scale(Fraction(2), mse2), SlipKind.TWICE, ""),
    ("mse", "f for f'", Hadamard(minus_y(a2, 2), Activate(z2)), SlipKind.F_FOR_FPRIME, ""),
    ("mse", "f' of a2", Hadamard(minus_y(a2, 2), FPrime(a2)), Move.A_FOR_Z, ""),
    ("mse", "softmax-ce's δ", softmax2, SlipKind.OTHER_LOSS, "softmax-ce"),
    ("mse", "bce's δ", sigmoid2, SlipKind.OTHER_LOSS, "bce"),
    ("mse", "transposed", Transpose(mse2), SlipKind.TRANSPOSED, ""),
    ("sse", "its 2 missing (mse's δ)", mse2, SlipKind.HALF, ""),
    ("sse", "missing f'(z2)", Scale(Fraction(2), minus_y(a2, 2)), SlipKind.MISSING_FPRIME, ""),
    ("sse", "sign flip", Scale(Fraction(-2), mse2), SlipKind.SIGN, ""),
    ("softmax-ce", "sign flip (y − softmax)", Add(y2, neg(Softmax(z2))), SlipKind.SIGN, ""),
    ("softmax-ce", "mse's δ", mse2, SlipKind.OTHER_LOSS, "mse"),
    ("softmax-ce", "bce's δ", sigmoid2, SlipKind.OTHER_LOSS, "bce"),
    ("softmax-ce", "an extra f'(z2)", Hadamard(softmax2, FPrime(z2)), Move.EXTRA_FPRIME, ""),
    ("softmax-ce", "Jacobian's diagonal only", diagonal2, SlipKind.SOFTMAX_DIAGONAL, ""),
    ("softmax-ce", "a2 for softmax(z2)", minus_y(a2, 2), None, ""),
    ("bce", "sign flip (y − σ)", Add(y2, neg(Apply(Function("sigmoid"), z2))), SlipKind.SIGN, ""),
    ("bce", "an extra f'(z2)", Hadamard(sigmoid2, FPrime(z2)), Move.EXTRA_FPRIME, ""),
    ("bce", "softmax-ce's δ", softmax2, SlipKind.OTHER_LOSS, "softmax-ce"),
    ("bce", "mse's δ", mse2, SlipKind.OTHER_LOSS, "mse"),
]
quarter = Fraction(1, 4)
# (loss, slip, wrong dL/dZ_2 with a mini-batch of 4, mean; the slip named)
WRONG_BATCH = [
    ("mse", "missing 1/B", mse2, SlipKind.MISSING_MEAN),
    ("softmax-ce", "missing 1/B", softmax2, SlipKind.MISSING_MEAN),
    ("bce", "missing 1/B", sigmoid2, SlipKind.MISSING_MEAN),
    ("mse", "1/B twice", Scale(quarter * quarter, mse2), SlipKind.EXTRA_MEAN),
    ("softmax-ce", "sign flip", Scale(-quarter, softmax2), SlipKind.SIGN),
]


def _named(slip, expected) -> bool:
    if isinstance(expected, Move):
        return slip is not None and slip.kind == SlipKind.FOUND and slip.steps[0].move == expected
    return (slip.kind if slip else None) == expected


def _refuted(network: Network, formula, batched: bool = False):
    identity = Identity(output(network).name, output(network).target, formula, batched)
    (result,) = check(network, [as_claim(identity)], points=POINTS).claims
    return result


@pytest.mark.parametrize(
    ("loss", "slip", "formula", "expected", "other"), WRONG, ids=[f"{w[0]}: {w[1]}" for w in WRONG]
)
def test_a_wrong_output_delta_is_refuted_and_named(loss, slip, formula, expected, other):
    network = Network((4, 3), "tanh", loss)
    result = _refuted(network, formula)
    if isinstance(formula, Transpose):  # 1 × 3 for 3 × 1: no value to compare
        assert result.verdict == Verdict.SHAPE_ERROR and result.shape_problem
    else:
        assert result.verdict == Verdict.REFUTED, result.verdict
        assert result.generic.status == Status.REFUTED  # by SymPy, with a generic f and the own loss
        # NumPy and SymPy value the wrong side; jax.grad the true gradient
        assert result.agreement.disagreement.blamed == ("sympy", "numpy")
    assert _named(result.slip, expected), result.slip
    if expected == SlipKind.OTHER_LOSS:
        assert result.slip.loss == other


@pytest.mark.parametrize(
    ("loss", "slip", "formula", "expected"), WRONG_BATCH, ids=[f"{w[0]}: {w[1]}" for w in WRONG_BATCH]
)
def test_a_wrong_batch_output_delta_is_refuted_and_named(loss, slip, formula, expected):
    network = Network((4, 3), "tanh", loss, batch=4)
    result = _refuted(network, formula, batched=True)
    assert result.verdict == Verdict.REFUTED and result.generic.status == Status.REFUTED
    assert _named(result.slip, expected), result.slip


def test_a_wrong_output_delta_of_a_deeper_network_is_named_at_its_layer():
    network = Network((3, 4, 2), "relu", "softmax-ce")
    z3, y3 = Var("z", 3), Var("y", 3)
    result = _refuted(network, Add(y3, neg(Softmax(z3))))
    assert result.verdict == Verdict.REFUTED and _named(result.slip, SlipKind.SIGN)
    assert result.slip.layer == 3


# --- the hand-written backward: dL/dz_L as a person codes it ------------------------------------


def _mutant(wrong):
    """The hand-written backward with its dL/dz_L replaced by `wrong(dL/dz_L, cache, y, B)`."""

    def backward(cache, weights, y, *args):
        grads = numpy_backprop.backward(cache, weights, y, *args)
        last = f"dL/dz{len(weights) + 1}"
        grads[last] = wrong(grads[last], cache, y, cache["z1"].shape[-1])
        return grads

    return Code(backward=backward)


NUMPY_WRONG = {
    "sign flip": lambda g, cache, y, B: -g,
    "the mean's 1/B missing": lambda g, cache, y, B: g * B,
    "f'(z2) missing (a2 − y)": lambda g, cache, y, B: (numpy_backprop.sigmoid(cache["z2"]) - y) / B,
}


@pytest.mark.parametrize("slip", NUMPY_WRONG)
def test_a_wrong_output_delta_in_numpy_is_blamed_on_numpy_alone(slip):
    network = Network((4, 3), "sigmoid", "mse", batch=4)
    run = verify_network(network, points=POINTS, implementation=_mutant(NUMPY_WRONG[slip]))
    assert all(r.verdict == Verdict.PROVED for r in run.claims)  # the claims are not the code
    code = run.implementation
    assert not code.agree and not run.passed and run.exit_code == 1
    assert {n for n, a in code.gradients.items() if not a.agree} == {"dL/dz2"}
    assert code.gradients["dL/dz2"].disagreement.blamed == ("numpy",)


def test_the_hand_written_output_delta_is_the_formula_s_value():
    """`dL/dZ_L = (1/B) Δ_L` from the backward equals the registry formula valued by NumPy."""
    from verify.claim_values import oracle_values, value
    from verify.sampling import sample

    for loss in LOSS_NAMES:
        network = Network((3, 4, 2), "tanh", loss, batch=3)
        points = sample(network, 16, seed=2)
        args = ("tanh", loss, 0.01, "mean")
        cache = numpy_backprop.forward(points.z1, points.W, points.b, points.y, *args)
        grads = numpy_backprop.backward(cache, points.W, points.y, *args)
        oracle = oracle_values(network, points)
        formula = value(output(network).formula, oracle)
        np.testing.assert_allclose(grads["dL/dz3"], formula, rtol=1e-12, atol=1e-15, err_msg=loss)
        np.testing.assert_allclose(grads["dL/dz3"], oracle.gradients["dL/dz3"], rtol=1e-12, atol=1e-15)


# --- what the reports say ------------------------------------------------------------------------


def test_terminal_and_json_list_the_output_identity_first():
    terminal = runner.invoke(app, ["verify", "--points", "50"])
    assert terminal.exit_code == 0, terminal.output
    assert "dL/dz2 │ (a2 - y) ∘ f'(z2)" in terminal.output and "every activation f, mse" in terminal.output
    assert "dL/dz2: agrees at all 50 points" in terminal.output  # the hand-written backward's
    assert "claims: 5 proved" in terminal.output
    deeper = ["--sizes", "3,4,2", "--loss", "softmax-ce"]
    found = runner.invoke(app, ["verify", "--json", "--points", "50", *deeper])
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    first = data["claims"][0]
    assert first["name"] == "dL/dz3" and first["parsed"] == "dL/dz3 = softmax(z3) - y"
    assert first["verdict"] == "proved" and first["proofs"]["generic"]["status"] == "proved"
    assert set(first["agreement"]["witnesses"]) == {"sympy", "numpy", "jax"}
    assert data["implementation"]["gradients"]["dL/dz3"]["agree"] is True
    assert len(data["claims"]) == 9


def test_the_generic_loss_says_why_it_has_no_output_identity():
    run = verify_network(Network((4, 3), "sigmoid", "generic"), points=20)
    assert len(run.claims) == 4
    for lang in ("en", "ko"):
        text = render_run(run, lang=lang)
        assert "∂L/∂z_2" in text and "∂ℓ/∂z_2" in text, lang
    tex_source = render_report(report_input(run, "en", "2023-11-14", "figures/agreement.pdf"))
    assert "no built-in identity for the output layer" in tex_source


def test_the_report_typesets_the_output_identity_and_its_derivation():
    run = verify_network(Network((4, 3), "sigmoid", "mse"), points=50)
    tex_source = render_report(report_input(run, "en", "2023-11-14", "figures/agreement.pdf"))
    plain = tex_source.replace("\\!", "")
    assert r"\section{\texorpdfstring{$\frac{\partial L}{\partial z_{2}}$}" in tex_source
    assert r"\frac{\partial L}{\partial z_{2}} = \left(a_{2} - y\right) \circ f'\left(z_{2}\right)" in plain
    # entry by entry: ∂L/∂z_2j = (a_2j − y_j) f'(z_2j)
    entry = r"\frac{\partial L}{\partial z_{2,j}} = \left(a_{2,j} - y_{j}\right) f'\left(z_{2,j}\right)"
    assert entry in plain
    assert r"$\partial L/\partial z_{2}$ & jax" in tex_source  # in the precision table
    softmax = verify_network(Network((3, 4, 2), "tanh", "softmax-ce", batch=2), points=20)
    tex_source = render_report(report_input(softmax, "en", "2023-11-14", "figures/agreement.pdf"))
    assert r"\operatorname{softmax}\left(Z_{3}\right) - Y" in tex_source.replace("\\!", "")
    bce = verify_network(Network((4, 3), "relu", "bce"), points=20)
    tex_source = render_report(report_input(bce, "en", "2023-11-14", "figures/agreement.pdf"))
    assert r"\sigma\left(z_{2,j}\right) - y_{j}" in tex_source.replace("\\!", "")  # its index form


def test_bce_s_delta_on_a_sigmoid_output_is_the_missing_f_prime_not_another_loss():
    """With a sigmoid output, σ(z_2) − y is a_2 − y: under mse that is f' left out (FC-01's
    ∂C/∂a^L carried back where ∂C/∂z^L belongs), not bce's output error copied."""
    result = _refuted(Network((4, 3), "sigmoid", "mse"), sigmoid2)
    assert result.verdict == Verdict.REFUTED and _named(result.slip, SlipKind.MISSING_FPRIME)
    tanh = _refuted(Network((4, 3), "tanh", "mse"), sigmoid2)  # σ is not the output's f: bce's
    assert _named(tanh.slip, SlipKind.OTHER_LOSS) and tanh.slip.loss == "bce"
