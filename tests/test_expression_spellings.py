"""Expressions as authors spell them: indicators for relu' (1(z > 0), Iverson's [z > 0], NumPy's
masks), elementary functions in a function's derivative (e^{-x}, \\exp, sech², cosh, sinh),
NumPy inside LaTeX (Ng's slides) and \\cdot decided by the shapes. Each spelling: a right claim
proved and a wrong variant refuted."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims_file import load
from verify import Verdict, check_document


def run(tmp_path: Path, text: str, suffix: str = ".md", **options):
    path = tmp_path / f"notes{suffix}"
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, options), points=100, seed=4)


def verdicts(found) -> list[Verdict]:
    return [r.verdict for r in found.claims]


INDICATORS = [
    r"1(z_1 > 0)",
    r"\mathbf{1}(z_1>0)",
    r"\mathbb{1}\{z_1 > 0\}",
    r"\mathbb{1}\left\{z_1 > 0\right\}",
    r"[z_1 > 0]",
    r"\mathbb{1}[z_1 \gt 0]",
]


@pytest.mark.parametrize("indicator", INDICATORS)
def test_an_indicator_of_a_positive_entry_is_relu_s_derivative(tmp_path, indicator):
    right = rf"$$\delta_1 = W_1^T \delta_2 \circ {indicator}$$"
    slip = rf"$$\delta_1 = W_1^T \delta_2 \circ {indicator} \circ z_1$$"
    assert verdicts(run(tmp_path, f"{right}\n{slip}\n", activation="relu")) == [
        Verdict.PROVED,
        Verdict.REFUTED,
    ]


def test_an_indicator_with_a_layer_in_the_notes_numbering(tmp_path):
    notes = r"""
$$z^{(2)} = W^{(1)} a^{(1)} + b^{(1)}$$
$$\delta^{(1)} = (W^{(1)})^T \delta^{(2)} \circ 1(z^{(1)} > 0)$$
$$\delta^{(1)} = (W^{(1)})^T \delta^{(2)} \circ 1(z^{(2)} > 0)$$
"""
    found = run(tmp_path, notes, activation="relu", sizes=(3, 4, 2))
    assert verdicts(found)[0] == Verdict.PROVED
    assert verdicts(found)[1] in (Verdict.REFUTED, Verdict.SHAPE_ERROR)


def test_one_times_a_parenthesis_is_still_a_product(tmp_path):
    notes = r"$$\delta_1 = W_1^T \delta_2 \circ 1(f'(z_1))$$"
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED]


def test_an_indicator_of_another_bound_says_what_it_expects(tmp_path):
    (result,) = run(tmp_path, r"$$\delta_1 = W_1^T \delta_2 \circ 1(z_1 > 1)$$", activation="relu").claims
    assert result.verdict == Verdict.UNPARSED
    assert "[x > 0]" in result.claim.problem.message


CS231N = """
[network]
sizes = [4, 5, 3]
activation = "relu"
loss = "softmax-ce"
batch = 6
reduction = "mean"
layout = "rows"
"""


def claims(*formulas: str) -> str:
    return CS231N + "".join(f'\n[[claim]]\nwrt = "W1"\nformula = "{f}"\n' for f in formulas)


@pytest.mark.parametrize(
    "mask",
    [
        "dscores.dot(W2.T) * (h1 > 0)",
        "(h1 > 0) * dscores.dot(W2.T)",
        "np.where(h1 > 0, dscores.dot(W2.T), 0)",
    ],
)
def test_a_numpy_mask_is_relu_s_derivative(tmp_path, mask):
    right = f"X.T.dot({mask})"
    slip = f"X.T.dot({mask}) * 2"
    assert verdicts(run(tmp_path, claims(right, slip), ".toml")) == [Verdict.PROVED, Verdict.REFUTED]


def test_a_mask_of_another_bound_is_refused_with_what_it_expects(tmp_path):
    (result,) = run(tmp_path, claims("X.T.dot(dscores.dot(W2.T) * (h1 > 1))"), ".toml").claims
    assert result.verdict == Verdict.UNPARSED
    assert "(z1 > 0)" in result.claim.problem.message


FUNCTION_CLAIMS = [
    (r"\frac{d}{dx}\tanh(x) = \operatorname{sech}^2(x)", Verdict.PROVED),
    (r"\frac{d}{dx}\tanh(x) = \frac{1}{\cosh^2(x)}", Verdict.PROVED),
    (r"\frac{d}{dx}\tanh(x) = 1 - \frac{\sinh^2(x)}{\cosh^2(x)}", Verdict.PROVED),
    (r"\frac{d}{dx}\tanh(x) = \frac{4}{(e^{x} + e^{-x})^2}", Verdict.PROVED),
    (r"\frac{d}{dx}\sigma(x) = \frac{e^{-x}}{(1+e^{-x})^2}", Verdict.PROVED),
    (r"\frac{d}{dx}\sigma(x) = \frac{\exp(-x)}{(1+\exp(-x))^2}", Verdict.PROVED),
    (r"\frac{d}{dx}\sigma(x) = \frac{1}{1+e^{-x}} \left(1 - \frac{1}{1+e^{-x}}\right)", Verdict.PROVED),
    (r"\frac{d}{dx}\operatorname{softplus}(x) = \frac{1}{1 + e^{-x}}", Verdict.PROVED),
    # slips: e^{x} for e^{-x}, sech for sech², cosh for sinh
    (r"\frac{d}{dx}\sigma(x) = \frac{e^{x}}{(1+e^{-x})^2}", Verdict.REFUTED),
    (r"\frac{d}{dx}\tanh(x) = \operatorname{sech}(x)", Verdict.REFUTED),
    (r"\frac{d}{dx}\tanh(x) = 1 - \frac{\cosh^2(x)}{\sinh^2(x)}", Verdict.REFUTED),
]


@pytest.mark.parametrize(("claim", "verdict"), FUNCTION_CLAIMS, ids=[c for c, _ in FUNCTION_CLAIMS])
def test_a_function_s_derivative_written_with_elementary_functions(tmp_path, claim, verdict):
    (result,) = run(tmp_path, f"$${claim}$$\n").claims
    assert result.verdict == verdict


NG_FORWARD = r"""
$$Z^{[1]} = W^{[1]} X + b^{[1]}, \quad A^{[1]} = g^{[1]}(Z^{[1]})$$
$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}, \quad A^{[2]} = \sigma(Z^{[2]})$$
"""
NG_CLAIMS = [
    (r"db^{[2]} = \frac{1}{m} np.sum(dZ^{[2]}, axis=1, keepdims=True)", Verdict.PROVED),
    (r"db^{[2]} = \frac{1}{m} np.sum(dZ^{[2]}, axis = 0, keepdims = True)", Verdict.SHAPE_ERROR),
    (r"db^{[2]} = np.sum(dZ^{[2]}, axis=1, keepdims=True)", Verdict.REFUTED),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})", Verdict.PROVED),
    (r"dZ^{[1]} = np.multiply(np.dot(W^{[2]T}, dZ^{[2]}), g^{[1]\prime}(Z^{[1]}))", Verdict.PROVED),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]}", Verdict.REFUTED),
    (r"dW^{[1]} = \frac{1}{m} np.dot(dZ^{[1]}, X^T)", Verdict.PROVED),
    (r"dW^{[1]} = \frac{1}{m} np.dot(dZ^{[1]}, X)", Verdict.SHAPE_ERROR),
]


@pytest.mark.parametrize(("claim", "verdict"), NG_CLAIMS, ids=[c for c, _ in NG_CLAIMS])
def test_numpy_inside_latex_as_ng_s_slides_write_it(tmp_path, claim, verdict):
    notes = f"{NG_FORWARD}$${claim}$$\n"
    found = run(tmp_path, notes, activation="tanh", loss="bce", batch=4, sizes=(3, 5, 1))
    assert verdicts(found) == [verdict]


def test_np_sum_without_an_axis_says_what_it_expects(tmp_path):
    claim = r"$$db^{[2]} = \frac{1}{m} np.sum(dZ^{[2]})$$"
    (result,) = run(tmp_path, f"{NG_FORWARD}{claim}\n", loss="bce", batch=4, sizes=(3, 5, 1)).claims
    assert result.verdict == Verdict.UNPARSED
    assert "axis" in result.claim.problem.message


CDOT = [
    # two same-shape columns: the entrywise product; conformable matrices: the matrix product
    (r"\delta^{(1)} = (W^{(1)})^T \delta^{(2)} \cdot f'(z^{(1)})", Verdict.PROVED),
    (r"\delta^{(1)} = (W^{(1)})^T \delta^{(2)} \cdot f(z^{(1)})", Verdict.REFUTED),
    (r"\frac{\partial L}{\partial W^{(1)}} = \delta^{(2)} \cdot (a^{(1)})^T", Verdict.PROVED),
    (r"\frac{\partial L}{\partial W^{(1)}} = \delta^{(2)} \times (a^{(1)})^T", Verdict.PROVED),
    (r"\frac{\partial L}{\partial W^{(1)}} = \delta^{(2)} \cdot a^{(1)}", Verdict.SHAPE_ERROR),
]


@pytest.mark.parametrize(("claim", "verdict"), CDOT, ids=[c for c, _ in CDOT])
def test_cdot_is_the_product_the_shapes_allow(tmp_path, claim, verdict):
    assert verdicts(run(tmp_path, f"$${claim}$$\n", sizes=(3, 4, 2))) == [verdict]


# --- what the output says a proof covers -------------------------------------------------------
def test_a_function_claim_s_scope_is_its_variable_not_a_network(tmp_path):
    from reports.wording import Words

    found = run(tmp_path, "$$\\frac{d}{dx}\\tanh(x) = \\operatorname{sech}^2(x)$$\n")
    (result,) = found.claims
    for lang, says in (("en", "every real x"), ("ko", "모든 실수 x")):
        scope = Words(lang).claim_scope(result)
        assert scope == says and "ℓ" not in scope


def test_scalar_notes_show_their_own_model_and_scope(tmp_path):
    from reports.terminal import network_line
    from reports.wording import Words

    notes = Path("/work/shared/cases/FC-12.md")
    text = notes.read_text(encoding="utf-8") if notes.exists() else None
    if text is None:
        pytest.skip("the field cases are not here")
    found = run(tmp_path, text)
    assert all(r.verdict == Verdict.PROVED for r in found.claims)
    for lang in ("en", "ko"):
        w = Words(lang)
        assert all("ε > 0" in w.claim_scope(r) for r in found.claims)
        line = network_line(found, w)
        assert "\\mu_B" in line and "sigmoid" not in line and "mse" not in line


NG_TANH = r"""
$$Z^{[1]} = W^{[1]} X + b^{[1]}, \quad A^{[1]} = \tanh(Z^{[1]})$$
$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}, \quad A^{[2]} = \sigma(Z^{[2]})$$
$$dZ^{[2]} = A^{[2]} - Y$$
"""


def test_ng_s_input_layer_has_no_activation_in_the_scope(tmp_path):
    from reports.wording import Words

    found = run(tmp_path, NG_TANH, loss="bce", batch=4, sizes=(3, 4, 1))
    (result,) = found.claims
    assert result.verdict == Verdict.PROVED
    assert Words().reading(found).claim_scope(result) == "tanh, sigmoid, bce only"
    assert found.unnamed_activations == ()  # layer 0 is X: nothing to name
    assert not any("(0)" in line for line in Words().notation(found))


def test_the_seed_numbering_s_layer_1_keeps_its_activation_in_the_scope(tmp_path):
    """In the seed's numbering a_1 = f(z_1) is a layer of its own: δ_1 reads f_1'."""
    from reports.wording import Words

    notes = (
        r"$a_2 = \text{ReLU}(z_2)$, $a_3 = \sigma(z_3)$, $z_{l+1} = W_l a_l + b_l$."
        "\n"
        r"$$\delta_3 = (a_3 - y) \circ a_3 \circ (1 - a_3)$$"
    )
    found = run(tmp_path, notes)
    (result,) = found.claims
    assert result.verdict == Verdict.PROVED
    assert Words().reading(found).claim_scope(result).startswith("relu, relu, sigmoid")


def test_an_indicator_with_at_least_is_relu_prime_off_the_kink_and_says_so(tmp_path):
    """`1(z ≥ 0)` (and `\\geq`, `>=`) is ReLU's derivative off the kink: proved, with a note that
    it takes 1 at z = 0; an indicator is not a ones vector, so it writes no mini-batch."""
    from derive.claims import ClaimNote
    from derive.claims_file import load
    from reports.cli import given_options
    from verify.results import Verdict
    from verify.run import check_document

    notes = (
        "Forward: $z_{l+1} = W_l a_l + b_l$, $a_l = \\mathrm{ReLU}(z_l)$.\n\n"
        "$$\\delta_1 = W_1^T \\delta_2 \\circ \\mathbf{1}(z_1 \\ge 0)$$\n\n"
        "$$\\delta_1 = W_1^T \\delta_2 \\circ \\mathbf{1}(z_1 \\geq 0)$$\n\n"
        "$$\\delta_1 = W_1^T \\delta_2 \\circ \\mathbf{1}(z_1 > 0)$$\n\n"
        "$$\\delta_1 = W_1 \\delta_2 \\circ \\mathbf{1}(z_1 \\ge 0)$$\n"
    )
    path = tmp_path / "notes.md"
    path.write_text(notes, encoding="utf-8")
    document = load(path, given_options(sizes="3,3,2"))
    assert document.network.batch == 1
    run = check_document(document, points=60, seed=0)
    verdicts = [r.verdict for r in run.claims]
    assert verdicts[:3] == [Verdict.PROVED] * 3 and verdicts[3] != Verdict.PROVED
    notes_of = [ClaimNote.KINK_ONE in r.claim.notes for r in run.claims]
    assert notes_of == [True, True, False, True]
