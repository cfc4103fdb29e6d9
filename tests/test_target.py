"""The target `y` and the output gradient `∂L/∂a_L` in users' claims.

`y` (`t`, `Y`, `T`, `\\mathbf{y}`) is the n_L × B target; `∂L/∂a_L` exists where the loss reads the
output activation (mse: `L = mean_b ½‖a_L − y‖²`, so `∂L/∂a_L = (a_L − y)/B`) and is refused
where it reads the logits `z_L` (bce, softmax-ce). Cases from ../shared/cases/min-target.md and
output-layer.md, with their wrong variants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive import Network
from derive.claims import bind_sides
from derive.claims_file import load
from derive.formula import Add, FPrime, Grad, Hadamard, Scale, Var
from derive.forward import derived_gradient, symbolic_forward
from derive.model import setting
from derive.slips import SlipKind
from derive.symbols import network_symbols
from verify import Verdict, check_document
from verify.claim_values import oracle_values
from verify.sampling import sample
from verify.sympy_numeric import forward_and_formulas

POINTS = 200
Y, A2 = Var("y", 2), Var("a", 2)


def check(tmp_path: Path, text: str, name: str = "notes.md", **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, options), points=POINTS, seed=5)


def verdicts(run) -> list[tuple[Verdict, SlipKind | None]]:
    return [(r.verdict, r.slip.kind if r.slip else None) for r in run.claims]


PROVED, REFUTED = Verdict.PROVED, Verdict.REFUTED


# --- reading: the target's names, ∂L/∂a_L ------------------------------------------------------


@pytest.mark.parametrize(
    "written, syntax",
    [
        ("y", "latex"), ("t", "latex"), ("Y", "latex"), ("T", "latex"), (r"\mathbf{y}", "latex"),
        (r"\boldsymbol{y}", "latex"), (r"\mathbf y", "latex"), ("y", "plain"), ("t", "plain"),
        ("Y", "plain"), ("T", "plain"),
    ],
)  # fmt: skip
def test_the_target_is_read_in_both_notations(written, syntax):
    [(_, [side])] = bind_sides(written, syntax, Network())
    assert side == Y  # the last layer's target, n_L × B
    claim = f"delta2 == a2 - {written}" if syntax == "plain" else rf"\delta_2 = a_2 - {written}"
    [(_, [_, right])] = bind_sides(claim, syntax, Network())
    assert right == Add(A2, Scale(-1, Y))


def test_the_target_takes_no_layer():
    with pytest.raises(ValueError, match="the target y takes no layer"):
        bind_sides(r"\delta_2 = a_2 - y_2", "latex", Network())


def test_the_generic_loss_reads_no_target():
    # ℓ(z_L) is undefined and reads no y: a claim with y names no loss to check it against
    with pytest.raises(ValueError, match="the target y with a loss that reads it"):
        bind_sides(r"\delta_2 = a_2 - y", "latex", Network(loss="generic"))


def test_the_output_gradient_is_read_where_the_loss_reads_a_L():
    [(_, [left, right])] = bind_sides(r"\frac{\partial L}{\partial a_2} = a_2 - y", "latex", Network())
    assert left == Grad(A2) and right == Add(A2, Scale(-1, Y))
    claim = r"\delta_2 = \frac{\partial L}{\partial a_2} \circ f'(z_2)"
    [(_, [_, right])] = bind_sides(claim, "latex", Network())
    assert right == Hadamard(Grad(A2), FPrime(Var("z", 2)))


@pytest.mark.parametrize("loss", ["bce", "softmax-ce"])
def test_the_output_gradient_is_refused_where_the_loss_reads_the_logits(loss):
    for text, syntax in (
        (r"\frac{\partial L}{\partial a_2} = a_2 - y", "latex"),
        ("dL/da2 == a2 - y", "plain"),
    ):
        with pytest.raises(ValueError, match=rf"the loss \({loss}\) is a function of the logits z_2"):
            bind_sides(text, syntax, Network(loss=loss))


def test_a_claims_file_takes_a_L_as_wrt_under_mse_only(tmp_path):
    text = '[[claim]]\nwrt = "a2"\nformula = "a2 - y"\n'
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    [claim] = load(path, {}).claims
    assert claim.wrt == A2 and claim.problem is None
    [claim] = load(path, {"loss": "bce"}).claims
    assert claim.problem is not None and "the loss (bce) is a function of z_2" in claim.problem.message


# --- the witnesses compute ∂L/∂a_L on their own ------------------------------------------------


def test_jax_grad_gives_the_output_gradient_of_the_mean_squared_error():
    network = Network(batch=3)
    values = oracle_values(network, sample(network, 16, seed=2))
    a_L, y = values.forward["a2"], values.points.y
    # dL/da_L = (a_L − y)/B, by jax.grad through a tap on a_L
    np.testing.assert_allclose(values.gradients["dL/da2"], (a_L - y) / 3, rtol=1e-13, atol=1e-15)


def test_sympy_derives_the_output_gradient_from_its_forward_pass():
    key = setting(Network(batch=2), generic=False)
    s = symbolic_forward(key)
    y = network_symbols(key).y
    residual = derived_gradient(key, "a", 2) - (s.a[-1] - y) / 2  # (a_L − y)/B
    assert all(sp.simplify(e) == 0 for e in residual)
    assert not derived_gradient(key, "a", 2).is_zero_matrix


def test_the_output_activation_is_a_forward_value_sympy_and_jax_compare():
    network = Network(batch=2)
    points = sample(network, 16, seed=4)
    sympy_forward, _ = forward_and_formulas(network, (), points)
    oracle = oracle_values(network, points)
    np.testing.assert_allclose(sympy_forward["a2"], oracle.forward["a2"], rtol=1e-14)
    assert "a2" not in oracle_values(Network(loss="bce"), points).forward  # bce reads z_2


# --- verdicts ----------------------------------------------------------------------------------

MIN_TARGET = r"""
$$\delta_2 = a_2 - y$$
"""


def test_min_target_is_refuted_under_mse_with_the_missing_f_prime(tmp_path):
    assert verdicts(check(tmp_path, MIN_TARGET)) == [(REFUTED, SlipKind.MISSING_FPRIME)]


def test_min_target_is_proved_under_binary_cross_entropy(tmp_path):
    # bce on the logits: δ_L = σ(z_L) − y = a_L − y for a sigmoid output
    assert verdicts(check(tmp_path, MIN_TARGET, loss="bce")) == [(PROVED, None)]


OUTPUT_LAYER = r"""
1. $\delta_2 = (f(z_2) - y) \circ f'(z_2)$
2. $\frac{\partial L}{\partial z_2} = (a_2 - y) \circ f'(z_2)$
3. $\frac{\partial L}{\partial a_2} = a_2 - y$
4. $\frac{\partial L}{\partial a_2} = y - a_2$
5. $\delta_2 = (a_2 - \mathbf{t}) \circ f'(z_1)$
6. $\delta_2 = \frac{\partial L}{\partial a_2} \circ f'(z_2)$
7. $\frac{\partial L}{\partial z_2} = (y - a_2) \circ f'(z_2)$
"""


def test_output_layer_deltas_under_mse(tmp_path):
    run = check(tmp_path, OUTPUT_LAYER)
    assert verdicts(run) == [
        (PROVED, None),
        (PROVED, None),
        (PROVED, None),
        (REFUTED, SlipKind.SIGN),
        (Verdict.SHAPE_ERROR, SlipKind.FPRIME_WRONG_LAYER),  # f'(z_1) is 4 × 1, the rest 3 × 1
        (PROVED, None),
        (REFUTED, SlipKind.SIGN),
    ]
    # proved for every activation with mse: a generic f, the network's own loss
    assert all(run.claims[k].proved_for_every_f for k in (0, 1, 2, 5))
    assert run.claims[2].agreement is not None and run.claims[2].agreement.agree  # jax.grad agrees


def test_output_layer_deltas_under_softmax_cross_entropy_are_refuted(tmp_path):
    # the squared error's δ_L with a softmax cross-entropy loss: refuted, never proved
    run = check(tmp_path, OUTPUT_LAYER.split("3.")[0], loss="softmax-ce")
    assert [r.verdict for r in run.claims] == [REFUTED, REFUTED]


BATCH = r"""
$$\Delta_2 = (A_2 - Y) \circ f'(Z_2)$$
$$\frac{\partial L}{\partial Z_2} = (A_2 - Y) \circ f'(Z_2)$$
$$\frac{\partial L}{\partial Z_2} = \frac{1}{B} (A_2 - Y) \circ f'(Z_2)$$
$$\frac{\partial L}{\partial A_2} = \frac{1}{B}(A_2 - T)$$
$$\frac{\partial L}{\partial A_2} = A_2 - Y$$
"""


def test_a_mini_batch_with_the_mean(tmp_path):
    # Δ_l is per example (derive/claims.py is_definition); ∂L/∂Z_2 carries the mean's 1/B
    assert verdicts(check(tmp_path, BATCH, batch=3)) == [
        (PROVED, None),
        (REFUTED, SlipKind.MISSING_MEAN),
        (PROVED, None),
        (PROVED, None),
        (REFUTED, SlipKind.MISSING_MEAN),
    ]


PLAIN = """
[[claim]]
wrt = "z2"
formula = "(a2 - y) * fprime(z2)"

[[claim]]
wrt = "z2"
formula = "a2 - y"

[[claim]]
wrt = "z2"
formula = "(y - a2) * fprime(z2)"

[[claim]]
wrt = "a2"
formula = "a2 - t"
"""


def test_plain_syntax_in_a_claims_file(tmp_path):
    assert verdicts(check(tmp_path, PLAIN, name="claims.toml")) == [
        (PROVED, None),
        (REFUTED, SlipKind.MISSING_FPRIME),
        (REFUTED, SlipKind.SIGN),
        (PROVED, None),
    ]
