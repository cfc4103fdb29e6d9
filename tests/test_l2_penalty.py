"""The L2 penalty (weight decay) `(λ'/2) Σ_l ‖W_l‖_F²` in the network, read from notes and claims
files, and its slips named (issue 12: "drop the regularization term").

Each witness takes the penalty on its own: SymPy's forward (derive/forward.py), the IR's
objective (hence jax.grad), the built-in `dL/dW_l = (1/B) Δ_{l+1} A_lᵀ + λ' W_l`, and the
hand-written NumPy backward. The wrong variants: the penalty's term dropped (Ng's
`dW = (1/m) dZ A^T` under a penalized J), the bias penalized (`db += λ b`), and the factor wrong
(`λ W` where `λ/m W` belongs), each refuted and named, in Ng's notes and CS231n's rows.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from derive import Network, network_identities
from derive.claims_file import load
from derive.proof import Status, prove
from derive.slip_search import Move
from reports.cli import app
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from verify import Verdict, check_document
from verify import numpy_backprop as hand
from verify.claim_values import oracle_values
from verify.run import verify_network
from verify.sampling import sample

POINTS = 60
TENTH = Fraction(1, 10)
runner = CliRunner()


def _check(tmp_path: Path, text: str, name: str, **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, options), points=POINTS, seed=3)


def _moves(run) -> list[tuple[Verdict, Move | None]]:
    """Each claim's verdict and the first step of its slip (None where it has none)."""
    return [(r.verdict, r.slip.steps[0].move if r.slip and r.slip.steps else None) for r in run.claims]


# --- every witness includes the penalty -------------------------------------------------------


@pytest.mark.parametrize(
    "network",
    [
        Network((3, 2), "sigmoid", "mse", l2=TENTH),
        Network((3, 2, 2), "tanh", "softmax-ce", batch=2, l2=Fraction(1, 4)),
        Network((2, 3, 2), "relu", "bce", batch=3, reduction="sum", l2=Fraction(3, 2)),
    ],
)
def test_the_built_in_identities_hold_with_the_penalty(network):
    """SymPy proves `dL/dW_l = … + λ' W_l` generically and concretely; the numbers agree."""
    identities = network_identities(network)
    weights = [i for i in identities if i.target.kind == "W"]
    assert all("W" in i.text.split("+")[-1] for i in weights)  # the penalty's term is there
    for identity in identities:
        for generic in (True, False):
            assert prove(identity, network, generic).status == Status.PROVED, identity.text
    run = verify_network(network, points=POINTS, seed=1)
    assert [r.verdict for r in run.claims] == [Verdict.PROVED] * len(identities)
    assert run.implementation is not None and run.implementation.agree  # the hand-written backward
    assert run.forward.agree


def test_without_the_penalty_the_weight_gradient_is_refuted():
    """`dL/dW_1 = δ_2 a_1ᵀ` is the gradient of the unpenalized loss only."""
    plain = next(i for i in network_identities(Network((3, 2))) if i.name == "dL/dW1")
    status = prove(plain, Network((3, 2), l2=TENTH), generic=True).status
    assert status == Status.REFUTED


def test_the_hand_written_backward_against_the_oracle():
    """`dW += λ' W` in NumPy against jax.grad of the IR's penalized objective, point by point."""
    network = Network((3, 4, 2), "tanh", "mse", batch=2, l2=Fraction(1, 5))
    points = sample(network, 20, seed=7)
    oracle = oracle_values(network, points)
    args = ("tanh", "mse", 0.01, "mean")
    cache = hand.forward(points.z1, points.W, points.b, points.y, *args, l2=0.2)
    grads = hand.backward(cache, points.W, points.y, *args, l2=0.2)
    np.testing.assert_allclose(cache["L"], oracle.forward["L"], rtol=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(g, oracle.gradients[name], rtol=1e-10, atol=1e-14, err_msg=name)
    unpenalized = hand.backward(cache, points.W, points.y, *args)  # without it: W's gradients differ
    assert not np.allclose(unpenalized["dL/dW1"], oracle.gradients["dL/dW1"])


# --- Ng's notes: J = … + λ/(2m) Σ_l ‖W^{[l]}‖², λ symbolic ------------------------------------

NG = r"""# Ng's two-layer network with L2 regularization

Forward: $Z^{[1]} = W^{[1]} X + b^{[1]}$, $A^{[1]} = \tanh(Z^{[1]})$,
$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$, $A^{[2]} = \sigma(Z^{[2]})$.

$$J = -\frac{1}{m} \sum_{i=1}^{m} \left(y^{(i)} \log a^{[2](i)} + (1 - y^{(i)}) \log(1 - a^{[2](i)})\right) + \frac{\lambda}{2m} \sum_l \|W^{[l]}\|_F^2$$

$$dZ^{[2]} = A^{[2]} - Y$$

$$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T} + \frac{\lambda}{m} W^{[2]}$$

$$db^{[2]} = \frac{1}{m} \sum dZ^{[2]}$$

$$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}$$

$$db^{[2]} = \frac{1}{m} \sum dZ^{[2]} + \frac{\lambda}{m} b^{[2]}$$

$$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T} + \lambda W^{[2]}$$
"""  # noqa: E501

NG_EXPECTED = [
    (Verdict.PROVED, None),
    (Verdict.PROVED, None),
    (Verdict.PROVED, None),
    (Verdict.REFUTED, Move.MISSING_PENALTY),  # the regularization term dropped
    (Verdict.REFUTED, Move.EXTRA_PENALTY),  # the bias penalized
    (Verdict.REFUTED, Move.PENALTY_MISSING_MEAN),  # λ W where λ/m W belongs
]


def test_ng_notes_read_the_penalty_and_name_its_slips(tmp_path):
    run = _check(tmp_path, NG, "ng.md")
    network = run.network
    assert (network.l2, network.l2_batch, network.written_l2) == (Fraction(1, 30), True, TENTH)  # λ/m, m = 3
    assert (run.penalty_line, run.l2_chosen) == (6, True)
    assert _moves(run) == NG_EXPECTED
    text = render_run(run)
    # in Ng's own names: dZ for the per-example errors, 1/m for the mean
    assert "the regularization term missing: 1/m dZ² A¹ᵀ where 1/m dZ² A¹ᵀ + 1/30 W² belongs" in text
    assert "(λ/m) W_l = 1/30 W_l, λ = 1/10, m = 3" in text  # Ng's notes write the batch m
    assert "a regularization term where none belongs" in text
    assert "the regularization term's 1/m missing: 1/10 W² where 1/30 W² belongs" in text
    assert "λ = 1/10 is checked (set it with --l2)" in text
    korean = render_run(run, "ko")
    assert "정규화 항 누락" in korean and "불필요한 정규화 항" in korean


def test_l2_sets_the_notes_lambda(tmp_path):
    """--l2 gives the notes' λ: λ/(2m) makes the network's λ' = λ/m; the verdicts stay."""
    run = _check(tmp_path, NG, "ng.md", l2=Fraction(1, 2))
    assert (run.network.l2, run.network.written_l2, run.l2_chosen) == (Fraction(1, 6), Fraction(1, 2), False)
    assert _moves(run) == NG_EXPECTED


SEED_NOTES = r"""# One layer with weight decay, the seed's notation

$z_2 = W_1 a_1 + b_1$, $a_2 = \sigma(z_2)$.

$$L = \frac{1}{2}\|a_2 - y\|^2 + \frac{\lambda}{2}\|W_1\|^2$$

$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T + \lambda W_1$$

$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T$$

$$\frac{\partial L}{\partial b_1} = \delta_2 + \lambda b_1$$
"""


def test_seed_notation_with_the_penalty(tmp_path):
    run = _check(tmp_path, SEED_NOTES, "seed.md")
    assert (run.network.loss, run.network.l2, run.network.l2_batch) == ("mse", TENTH, False)
    assert _moves(run) == [
        (Verdict.PROVED, None),
        (Verdict.REFUTED, Move.MISSING_PENALTY),
        (Verdict.REFUTED, Move.EXTRA_PENALTY),
    ]


def test_lambda_without_a_penalty_is_a_clear_problem(tmp_path):
    """λ in a claim where the loss adds none: unread with a reason, never a silent verdict."""
    notes = SEED_NOTES.replace(r" + \frac{\lambda}{2}\|W_1\|^2", "")
    run = _check(tmp_path, notes, "plain.md")
    assert run.network.l2 == 0
    first = run.claims[0]
    assert first.verdict == Verdict.UNPARSED
    assert first.claim.problem is not None and "this loss has none" in first.claim.problem.message


# --- CS231n's rows: loss += 0.5 * reg * np.sum(W * W) ------------------------------------------

CS231N = """# CS231n's two-layer net with weight decay
[network]
sizes = [3, 4, 2]
activation = "relu"
loss = "softmax-ce"
batch = 5
layout = "rows"
l2 = 0.1

[[claim]]
name = "dW2, dW2 += reg * W2"
wrt = "W2"
formula = "h1.T @ dz2 + reg * W2"

[[claim]]
name = "dW2, the penalty dropped"
wrt = "W2"
formula = "h1.T @ dz2"

[[claim]]
name = "db2, the bias penalized"
wrt = "b2"
formula = "np.sum(dz2, axis=0, keepdims=True) + reg * b2"
"""


def test_cs231n_rows_with_reg(tmp_path):
    run = _check(tmp_path, CS231N, "cs231n.toml")
    assert run.network.l2 == TENTH
    assert _moves(run) == [
        (Verdict.PROVED, None),
        (Verdict.REFUTED, Move.MISSING_PENALTY),
        (Verdict.REFUTED, Move.EXTRA_PENALTY),
    ]
    network = to_dict(run)["network"]
    validate(to_dict(run))
    assert (network["l2"], network["l2_text"]) == (0.1, "(λ/2) Σ_l ‖W_l‖², λ = 1/10")


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [
        ("-0.1", "l2: expected a non-negative decimal or fraction"),
        ("1e-3", "l2: expected a non-negative decimal or fraction"),
        ("__import__('os')", "l2: expected a non-negative decimal or fraction"),
        ("1/0", "l2: expected a fraction with a non-zero denominator"),
        ("5000", "l2: expected a number from 0 to 1000"),
    ],
)
def test_a_bad_l2_exits_2(value, message):
    result = runner.invoke(app, ["verify", "--l2", value])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_a_bad_l2_in_a_claims_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(CS231N.replace("l2 = 0.1", "l2 = true"), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "[network] l2: expected a number" in result.output


def _without_timings(text: str) -> dict:
    data = json.loads(text)
    data["reference"].pop("seconds")
    return data


def test_l2_zero_changes_nothing():
    """λ = 0 is no penalty at all: the same JSON (timings aside), and no penalty field or line."""
    args = ["verify", "--json", "-n", "50"]
    plain, zero = runner.invoke(app, args), runner.invoke(app, [*args, "--l2", "0"])
    assert plain.exit_code == zero.exit_code == 0
    assert _without_timings(plain.output) == _without_timings(zero.output)
    assert "l2" not in json.loads(zero.output)["network"]
    table = runner.invoke(app, ["verify", "-n", "50", "--l2", "0"])
    assert "penalty" not in table.output and "W1" in table.output


def test_l2_on_the_command_line():
    result = runner.invoke(app, ["verify", "--sizes", "3,2", "--batch", "2", "--l2", "1/10", "-n", "50"])
    assert result.exit_code == 0, result.output
    assert "L2 penalty (weight decay): the loss adds (λ/2) Σ_l ‖W_l‖², λ = 1/10" in result.output
    assert "1/10 W1" in result.output and "proved" in result.output
