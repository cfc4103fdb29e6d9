"""The claim grammars and their binding: notations people write, and malformed text (fuzzed)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import Network
from derive.claim_binding import Binding
from derive.claim_parser import MAX_EQUATION_CHARS, ClaimSyntaxError, parse
from derive.claims import bind, bind_sides, is_claim, is_forward
from derive.document import find_equations
from derive.formula import (
    Activate,
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    Diag,
    FPrime,
    Function,
    Grad,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    SumAxis,
    Transpose,
    Var,
)
from derive.slips import normal

SEED = Network()
W1, a1, z1, b1 = Var("W", 1), Var("a", 1), Var("z", 1), Var("b", 1)
d2 = Var("delta", 2)
BACK = MatMul(Transpose(W1), d2)  # W_1^T δ_2
DELTA1 = Hadamard(BACK, FPrime(z1))  # W_1^T δ_2 ∘ f'(z_1)
DELTA1_NUMPY = Broadcast(BACK, FPrime(z1))  # NumPy's *: the same, broadcasting size-1 dimensions


def sides(text: str, syntax: str = "latex", network: Network = SEED):
    ((layer, values),) = bind_sides(text, syntax, network)
    assert layer is None
    return values


# --- LaTeX: the same formula in the notations people use --------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        r"W^T_1 \delta_2 \circ f'(z_1)",  # the seed: superscript before subscript
        r"W_1^T \delta_2 \circ f'(z_1)",
        r"W_{1}^{\top} \delta_{2} \odot f^\prime(z_{1})",
        r"\mathbf{W}_1^{\mathsf T} \boldsymbol{\delta}_2 \circ f'\left(\mathbf{z}_1\right)",
        r"\mathbf{W_1}^\intercal \bm{\delta_2} \circ f'(z_1)",
        r"(W^{(1)})^T \delta^{(2)} \circ f'(z^{(1)})",
        r"(W_1^T \delta_2) \circ \sigma'(z_1)",
        r"W_1^{\mathsf{T}}\,\delta_2\;\circ\;f'(z_1)",
        r"\left( W_1^T \delta_2 \right) \odot \sigma^{\prime}(z_1)",
    ],
)
def test_latex_notations_bind_to_the_seed_formula(text):
    (value,) = sides(text)
    assert value == DELTA1


def test_matrix_product_binds_tighter_than_hadamard():
    (value,) = sides(r"W^T_1 \delta_2 \circ f'(z_1)")
    assert isinstance(value, Hadamard) and value.left == BACK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\frac{\partial L}{\partial z_2}", Grad(Var("z", 2))),
        (r"\dfrac{\partial L}{\partial W_1}", Grad(W1)),
        (r"\frac{\partial \mathcal{L}}{\partial \mathbf{b}_1}", Grad(b1)),
        (r"\partial L / \partial a_1", Grad(a1)),
        (r"\nabla_{W_1} L", Grad(W1)),
        (r"\nabla_{\mathbf{z}_1} E", Grad(z1)),
        (r"\frac{dL}{dW_1}", Grad(W1)),
        (r"\frac{\mathrm{d}L}{\mathrm{d}W_1}", Grad(W1)),
        (r"\frac{\partial L}{\partial {W_1}}", Grad(W1)),
        (r"\delta_2 a_1^T", MatMul(d2, Transpose(a1))),
        (r"-\delta_2", Scale(Fraction(-1), d2)),
        (r"\frac{1}{2} \delta_2", Scale(Fraction(1, 2), d2)),
        (r"\frac12 \delta_2", Scale(Fraction(1, 2), d2)),
        (r"2\cdot\delta_2 / 4", Scale(Fraction(1, 2), d2)),
        (r"\operatorname{diag}(f'(z_1)) W_1^T \delta_2", MatMul(MatMul(Diag(FPrime(z1)), Transpose(W1)), d2)),
        (r"\delta_2 f(z_1)^T", MatMul(d2, Transpose(Activate(z1)))),
        (r"\sigma(z_1) - a_1", Add(Activate(z1), Scale(Fraction(-1), a1))),
    ],
)
def test_latex_atoms(text, expected):
    (value,) = sides(text)
    assert value == expected


def test_batch_notation_and_B():
    batch = Network(batch=4)
    (value,) = sides(r"\frac{1}{B} \Delta_2 A_1^T", network=batch)
    assert value == MatMul(Scale(Fraction(1, 4), d2), Transpose(a1))  # (1/B Δ_2) A_1^T, as written
    assert normal(value, Fraction(1)) == Scale(Fraction(1, 4), MatMul(d2, Transpose(a1)))
    (value,) = sides(r"\Delta_2 \mathbf{1} / B", network=batch)
    assert value == Scale(Fraction(1, 4), MatMul(d2, Ones()))


def test_chains_give_every_side():
    text = r"\delta_1 = \dfrac{\partial L}{\partial z_1} = \dfrac{\partial L}{\partial a_1} \circ f'(z_1)"
    values = sides(text)
    assert values == [Var("delta", 1), Grad(z1), Hadamard(Grad(a1), FPrime(z1))]


def test_general_layer_l_is_bound_for_every_layer_that_exists():
    deep = Network(sizes=(4, 3, 2))
    found = bind_sides(r"\delta_l = W_l^T \delta_{l+1} \circ f'(z_l)", "latex", deep)
    assert [layer for layer, _ in found] == [1, 2]
    assert found[1][1][1] == Hadamard(MatMul(Transpose(Var("W", 2)), Var("delta", 3)), FPrime(Var("z", 2)))
    (_, values), *_ = bind_sides(r"z_L = W_{L-1} a_{L-1} + b_{L-1}", "latex", deep)
    assert values[0] == Var("z", 3)


# --- plain (NumPy-style) -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("W1.T @ delta2 * fprime(z1)", DELTA1_NUMPY),
        ("W_1.T @ delta_2 * f_prime(z_1)", DELTA1_NUMPY),
        ("np.multiply(np.dot(W1.T, delta2), sigmoid_prime(z1))", DELTA1_NUMPY),
        ("np.outer(delta2, a1)", MatMul(d2, Transpose(a1))),
        ("dL/dz2", Grad(Var("z", 2))),
        ("-0.5 * delta2", Scale(Fraction(-1, 2), d2)),
        ("delta2.sum(axis=1)", SumAxis(d2, 1)),
        ("np.sum(delta2, axis=0, keepdims=True).T", Transpose(SumAxis(d2, 0))),
        ("np.diag(fprime(z1)) @ W1.T @ delta2", MatMul(MatMul(Diag(FPrime(z1)), Transpose(W1)), d2)),
    ],
)
def test_plain_syntax(text, expected):
    (value,) = sides(text, "plain")
    assert value == expected


# --- malformed: a clear message, the position, never a traceback --------------------------------
@pytest.mark.parametrize(
    ("text", "syntax", "position", "says"),
    [
        (r"\delta_2 a_1^T +", "latex", 16, "ends early"),
        (r"W_1 \circ", "latex", 9, "ends early"),
        (r"\foo{x}", "latex", 0, r"unknown command '\foo'"),
        (r"W_3 \delta_2", "latex", 0, "W_3 does not exist"),
        (r"x_1", "latex", 0, "unknown symbol 'x'"),
        (r"W_1^2", "latex", 3, "matrix power"),
        (r"W \delta_2", "latex", 0, "W needs a layer"),
        (r"\frac{\partial L}{\partial W_1^T}", "latex", 27, "untransposed"),
        (r"\frac{\partial y}{\partial W_1}", "latex", 15, "the loss"),
        (r"\frac{\partial a_1}{\partial z_1}", "latex", 15, "a Jacobian such as"),
        (r"\frac{d a_1}{d z_1}", "latex", 6, "unknown symbol 'd'"),
        (r"\frac{\partial L}{\partial y}", "latex", 27, "the target y is given"),
        ("dL/dy2", "plain", 0, "dL/dX with X one of W1"),  # ∂L/∂a_L: tests/test_target.py
        (r"\delta_2 / W_1", "latex", 9, "divide by"),
        (r"2 + 3", "latex", 0, "received the number 5"),
        ("W1.T @@ delta2", "plain", 6, "unexpected '@'"),
        ("W1 @ 2", "plain", 3, "'@' between two matrices"),
        ("eval(W1)", "plain", 0, "unknown function 'eval'"),
        ("delta2.sum()", "plain", 0, "the axis is required"),
        ("delta2.shape", "plain", 6, "unknown attribute"),
        ("", "plain", 0, "empty"),
    ],
)
def test_malformed_claims_point_at_the_problem(text, syntax, position, says):
    with pytest.raises(ClaimSyntaxError) as e:
        bind_sides(text, syntax, SEED)
    assert says in e.value.message
    assert e.value.position == position
    caret_line = e.value.caret.splitlines()[1]
    assert caret_line == " " * position + "^"


def test_deep_nesting_and_length_are_refused_not_crashed():
    for text in ("(" * 400 + "W_1" + ")" * 400, " + ".join(["W_1"] * 300), "x" * (MAX_EQUATION_CHARS + 1)):
        with pytest.raises(ClaimSyntaxError):
            bind_sides(text, "latex", SEED)


# --- fuzzing -----------------------------------------------------------------------------------
LATEX_PIECES = [
    "W", "a", "z", "b", "A", "B", "L", "f", "x", "_", "^", "T", "1", "2", "l", "+", "-", "=", "'",
    "(", ")", "{", "}", "[", "]", "/", " ", r"\delta", r"\Delta", r"\frac", r"\partial", r"\circ",
    r"\odot", r"\top", r"\sigma", r"\mathbf", r"\nabla", r"\operatorname{diag}", r"\left(", r"\right)",
    r"\cdot", r"\mathsf", r"\prime", r"\tanh", "\\", "$",
]  # fmt: skip
PLAIN_PIECES = [
    "W1", "a1", "z2", "delta2", "b1", "B", ".T", "@", "*", "/", "+", "-", "(", ")", ",", "fprime",
    "np.", "sum", "axis=", "0", "1", "diag", "outer", "dL/dz2", "==", " ", ".", "x",
]  # fmt: skip


def _survives(text: str, syntax: str, network: Network = SEED) -> None:
    """Arbitrary text gives bound sides or a ClaimSyntaxError with a valid caret — nothing else."""
    try:
        bind_sides(text, syntax, network)
    except ClaimSyntaxError as e:
        assert 0 <= e.position <= len(e.text)
        assert e.caret.count("\n") == 1 and e.message


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=80))
def test_fuzz_any_text(text):
    _survives(text, "latex")
    _survives(text, "plain")


@FUZZ
@given(st.lists(st.sampled_from(LATEX_PIECES), max_size=30).map("".join))
def test_fuzz_latex_tokens(text):
    _survives(text, "latex", Network(sizes=(3, 3, 2), batch=2))


@FUZZ
@given(st.lists(st.sampled_from(PLAIN_PIECES), max_size=25).map("".join))
def test_fuzz_plain_tokens(text):
    _survives(text, "plain")


@FUZZ
@given(
    st.lists(
        st.sampled_from([*"$\\[]()=`\n x_{}&%", "$$", "```", r"\begin{align}", r"\end{align}"]), max_size=40
    ).map("".join)
)
def test_fuzz_document_scanner(text):
    for equation in find_equations(text) + find_equations(text, latex=True):
        assert "=" in equation.text and equation.line >= 1 and equation.column >= 1
        # no crash is the test: whatever the scanner finds, the classifiers answer yes or no
        assert isinstance(is_claim(equation.text), bool) and isinstance(is_forward(equation.text), bool)


def test_binding_needs_a_network_layer_when_l_is_free():
    (tree,) = parse(r"W_l", "latex")
    with pytest.raises(ClaimSyntaxError, match="general layer l"):
        bind(tree, "W_l", "latex", Binding((4, 3)))


# --- activation names come from the registry (derive/registry.py) -----------------------------
@pytest.mark.parametrize(
    ("text", "syntax", "activation", "prime"),
    [
        (r"\operatorname{gelu-tanh}(z_1)", "latex", "gelu-tanh", False),
        (r"\operatorname{identity}(z_1)", "latex", "identity", False),
        (r"\text{sigm}(z_1)", "latex", "sigmoid", False),
        (r"\operatorname{sigmoid}'(z_1)", "latex", "sigmoid", True),
        (r"\mathrm{ReLU}(z_1)", "latex", "relu", False),
        (r"\operatorname{LeakyReLU}(z_1)", "latex", "leaky-relu", False),
        (r"\operatorname{swish}(z_1)", "latex", "silu", False),
        (r"\tanh'(z_1)", "latex", "tanh", True),
        ("gelu_tanh(z1)", "plain", "gelu-tanh", False),
        ("identity_prime(z1)", "plain", "identity", True),
        ("logistic(z1)", "plain", "sigmoid", False),
        ("leaky_relu(z1)", "plain", "leaky-relu", False),
    ],
)
def test_activations_by_any_registered_name(text, syntax, activation, prime):
    (value,) = sides(text, syntax, Network(activation=activation))
    assert value == (FPrime(z1) if prime else Activate(z1))


def test_a_named_activation_is_itself_not_the_networks():
    """`gelu-tanh` on a gelu network is the gelu-tanh function (a claim to judge), not f."""
    (value,) = sides(r"\operatorname{gelu-tanh}'(z_1)", "latex", Network(activation="gelu"))
    assert value == ApplyPrime(Function("gelu-tanh"), z1)
    (value,) = sides(r"\tanh(z_1)", "latex", SEED)
    assert value == Apply(Function("tanh"), z1)


def test_an_unknown_function_lists_the_registered_activations():
    with pytest.raises(
        ClaimSyntaxError, match="an activation: elu, gelu, gelu-tanh, identity, leaky-relu, relu"
    ):
        bind_sides(r"\operatorname{sigmod}(z_1)", "latex", SEED)
