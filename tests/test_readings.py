"""Notes read in their own layer numbering (derive/reading.py, derive/notes.py): one derivation
written in the conventions textbooks use is proved in each; read against a convention the notes
do not state it depends on that convention, never refuted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.claims_file import load
from derive.errors import InputError
from derive.notes import Basis, default_sizes
from derive.reading import NG, NIELSEN, SEED, Reading
from reports.json_report import render_json
from reports.terminal import render_run
from verify import Verdict, check_document
from verify.results import ForwardStatus

POINTS = 200

# the same two-layer derivation (a hidden layer between the input and the output) in three
# layer numberings; the forward equations say which
SEED_NOTES = r"""
$z_{l+1} = W_l a_l + b_l$, $a_l = f(z_l)$.
$$\frac{\partial L}{\partial W_2} = \delta_3 a_2^T$$
$$\delta_2 = W_2^T \delta_3 \circ f'(z_2)$$
$$\frac{\partial L}{\partial b_1} = \delta_2$$
"""
NIELSEN_NOTES = r"""
$z^l = w^l a^{l-1} + b^l$ and $a^l = \sigma(z^l)$.
$$\frac{\partial C}{\partial w^3} = \delta^3 (a^2)^T$$
$$\delta^2 = (w^3)^T \delta^3 \odot \sigma'(z^2)$$
$$\frac{\partial C}{\partial b^2} = \delta^2$$
"""
NG_NOTES = r"""
$z^{[1]} = W^{[1]} x + b^{[1]}$, $a^{[1]} = g(z^{[1]})$, $z^{[2]} = W^{[2]} a^{[1]} + b^{[2]}$.
$$\frac{\partial L}{\partial W^{[2]}} = \delta^{[2]} a^{[1]T}$$
$$\delta^{[1]} = W^{[2]T} \delta^{[2]} \odot g'(z^{[1]})$$
$$\frac{\partial L}{\partial b^{[1]}} = \delta^{[1]}$$
"""
# rows are examples (CS231n): the claims file says so
ROWS_FILE = """
[network]
sizes = [4, 3, 2]
batch = 5
reduction = "sum"
layout = "rows"

[[claim]]
wrt = "W2"
formula = "a2.T @ delta3"

[[claim]]
wrt = "z2"
formula = "(delta3 @ W2.T) * fprime(z2)"

[[claim]]
wrt = "b1"
formula = "np.sum(delta2, axis=0, keepdims=True)"
"""


def write(tmp_path: Path, text: str, name: str = "notes.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, text: str, name: str = "notes.md", **options):
    return check_document(load(write(tmp_path, text, name), options), points=POINTS, seed=1)


def verdicts(found) -> list[Verdict]:
    return [r.verdict for r in found.claims]


@pytest.mark.parametrize(
    ("notes", "reading"),
    [(SEED_NOTES, SEED), (NIELSEN_NOTES, NIELSEN), (NG_NOTES, NG)],
    ids=["out-of-layer (seed)", "into-layer (Nielsen)", "into-layer, input a^[0] (Ng)"],
)
def test_one_derivation_in_each_layer_numbering_is_proved(tmp_path, notes, reading):
    found = run(tmp_path, notes)
    assert verdicts(found) == [Verdict.PROVED] * 3
    assert found.reading == reading
    assert found.basis == Basis.FORWARD  # the forward equations say which
    assert found.network.sizes == default_sizes(3) and found.sizes == "default"
    # the same claims hold with the sizes given
    assert verdicts(run(tmp_path, notes, sizes=(3, 5, 2))) == [Verdict.PROVED] * 3


def test_rows_as_examples_is_proved_when_the_file_says_so(tmp_path):
    found = run(tmp_path, ROWS_FILE, "claims.toml")
    assert verdicts(found) == [Verdict.PROVED] * 3
    assert found.code is not None and str(found.code.layout) == "rows"


WRONG_LAYER = r"""
$$\delta_2 = W_1^T \delta_3 \circ f'(z_2)$$
"""


@pytest.mark.parametrize(
    ("claim", "holds_in"),
    [
        # Nielsen's δ^2 = (w^3)^T δ^3 ⊙ σ'(z^2), written with subscripts and no forward equation
        (r"$$\delta_2 = W_3^T \delta_3 \circ f'(z_2)$$", NIELSEN),
        # Ng's δ^{[1]} = W^{[2]T} δ^{[2]} ⊙ g'(z^{[1]}) with subscripts
        (r"$$\delta_1 = W_2^T \delta_2 \circ f'(z_1)$$", NG),
    ],
    ids=["Nielsen's, read as the seed's", "Ng's, read as the seed's"],
)
def test_a_derivation_read_against_an_unstated_convention_depends_on_it(tmp_path, claim, holds_in):
    found = run(tmp_path, claim)
    assert verdicts(found) == [Verdict.CONVENTION]
    readings = dict(found.claims[0].numberings)
    assert readings[found.reading] in (Verdict.REFUTED, Verdict.SHAPE_ERROR)
    assert any(r.weights == holds_in.weights and v == Verdict.PROVED for r, v in readings.items())
    data = json.loads(render_json(found))["claims"][0]
    assert data["verdict"] == "depends on convention"
    assert {n["verdict"] for n in data["numberings"]} >= {"proved"}


def test_a_slip_no_reading_can_save_stays_refuted(tmp_path):
    """The wrong layer's W in every reading: refuted (or a shape error), not a convention."""
    found = run(tmp_path, WRONG_LAYER)
    assert verdicts(found)[0] in (Verdict.REFUTED, Verdict.SHAPE_ERROR)
    assert found.claims[0].numberings == ()


def test_stated_forward_equations_settle_the_reading(tmp_path):
    """Nielsen's claims under notes that state the seed's numbering are wrong in the notes' own
    model: refuted, with no other reading tried."""
    notes = r"$z_{l+1} = W_l a_l + b_l$" + "\n" + r"$$\delta_2 = W_3^T \delta_3 \circ f'(z_2)$$"
    found = run(tmp_path, notes, sizes=(4, 3, 3, 2))
    assert verdicts(found)[0] in (Verdict.REFUTED, Verdict.SHAPE_ERROR)
    assert found.basis == Basis.FORWARD and found.claims[0].numberings == ()


def test_superscript_layers_without_forward_equations(tmp_path):
    """`(W^L)^T δ^L` exists only where W^L feeds layer L: that reading, said in the output."""
    found = run(tmp_path, r"$$\frac{\partial C}{\partial a^{L-1}} = (W^L)^T \delta^L$$")
    assert verdicts(found) == [Verdict.PROVED]
    assert found.reading.weights == "in" and found.basis == Basis.LAYERS


def test_notes_without_biases_are_consistent_with_the_network(tmp_path):
    notes = r"""
$z^{(l+1)} = \Theta^{(l)} a^{(l)}$
$$\delta^{(2)} = (\Theta^{(2)})^T \delta^{(3)} .* g'(z^{(2)})$$
"""
    found = run(tmp_path, notes)
    assert verdicts(found) == [Verdict.PROVED]
    # the notes' network has no biases: their forward equations hold as written, at b = 0
    assert not found.network.biases and found.forward_equations
    assert all(f.status == ForwardStatus.CONSISTENT for f in found.forward_equations)


@pytest.mark.parametrize(
    ("written", "kind", "internal"),
    [("a", "a", 3), ("z", "z", 3), ("W", "W", 2), ("b", "b", 2)],
)
def test_reading_maps_and_inverts_layers(written, kind, internal):
    for reading in (SEED, NIELSEN, NG, Reading(0, "out")):
        layer = reading.written(kind, internal)
        assert reading.internal(kind, layer) == internal
    assert NG.internal(kind, NG.written(kind, internal)) == internal
    assert NIELSEN.internal("W", 3) == 2 and NG.internal("a", 0) == 1 and SEED.internal(kind, 2) == 2


def test_sizes_come_from_the_notes_declarations(tmp_path):
    notes = r"""
Weights $W^{(1)} \in \mathbb{R}^{5 \times 2}$, $W^{(2)} \in \mathbb{R}^{3 \times 5}$;
$z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}$.
$$\frac{\partial L}{\partial W^{(2)}} = \delta^{(3)} a^{(2)T}$$
"""
    found = run(tmp_path, notes)
    assert found.network.sizes == (2, 5, 3) and found.sizes == "declared"
    assert verdicts(found) == [Verdict.PROVED]
    # in Nielsen's numbering (W^{(l)} feeds layer l) the same declarations fix other layers
    nielsen = notes.replace(r"z^{(l+1)} = W^{(l)} a^{(l)}", r"z^{(l)} = W^{(l)} a^{(l-1)}").replace(
        r"\delta^{(3)} a^{(2)T}", r"\delta^{(2)} a^{(1)T}"
    )
    assert run(tmp_path, nielsen).network.sizes[:2] == (5, 3)  # W^{(1)} names no layer there


def test_contradicting_declarations_are_an_error(tmp_path):
    notes = r"""
$W_1 \in \mathbb{R}^{5 \times 2}$, $a_2 \in \mathbb{R}^{4}$.
$$\frac{\partial L}{\partial b_1} = \delta_2$$
"""
    with pytest.raises(InputError, match="one width for layer 2"):
        load(write(tmp_path, notes), {})


def test_given_sizes_that_contradict_a_declaration_are_reported(tmp_path):
    notes = r"""
$W^{(1)} \in \mathbb{R}^{5 \times 2}$; $z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}$.
$$\frac{\partial L}{\partial b^{(1)}} = \delta^{(2)}$$
"""
    found = run(tmp_path, notes, sizes=(2, 4, 3))
    assert [(c.layer, c.declared, c.given) for c in found.conflicts] == [(2, 5, 4)]
    assert json.loads(render_json(found))["notation"]["conflicts"][0]["declared"] == 5
    assert run(tmp_path, notes, sizes=(2, 5, 3)).conflicts == ()


def test_claims_are_shown_in_the_notes_own_layer_numbers(tmp_path):
    wrong = r"$$\delta^2 = (w^2)^T \delta^3 \odot \sigma'(z^2)$$"  # the weights of the wrong layer
    found = run(tmp_path, NIELSEN_NOTES + wrong)
    shown = render_run(found)
    assert "δ² = W³ᵀ δ³ ∘ f'(z²)" in shown  # Nielsen's δ² = (w³)ᵀ δ³ ⊙ σ'(z²), proved
    assert "in W²ᵀ δ³" in shown  # where the shapes break, as he numbers the layers
    assert found.claims[-1].verdict == Verdict.SHAPE_ERROR


def test_notes_that_write_a_mini_batch_are_checked_on_one(tmp_path):
    """Δ_l and the ones vector: the missing 1/B is caught although no --batch was given."""
    notes = r"$$\frac{\partial L}{\partial b_l} = \Delta_{l+1} \mathbf{1}$$"
    found = run(tmp_path, notes)
    assert found.batch_from_notes and found.network.batch > 1
    assert {r.verdict for r in found.claims} == {Verdict.REFUTED}
    right = run(tmp_path, r"$$\frac{\partial L}{\partial b_l} = \frac{1}{B} \Delta_{l+1} \mathbf{1}$$")
    assert {r.verdict for r in right.claims} == {Verdict.PROVED}
    # an update ΔW is no mini-batch
    update = r"$\Delta W_1 = 0.1$ and $$\frac{\partial L}{\partial b_1} = \delta_2$$"
    assert not run(tmp_path, update).batch_from_notes


def test_nielsens_bp1_reads_the_gradient_with_respect_to_the_output(tmp_path):
    found = run(tmp_path, r"$$\delta^L = \nabla_a C \odot \sigma'(z^L)$$")
    assert verdicts(found) == [Verdict.PROVED]
    assert verdicts(run(tmp_path, r"$$\delta^L = \nabla_a C$$")) == [Verdict.REFUTED]


def test_a_softmax_in_rows_is_each_example_s(tmp_path):
    toml = """
[network]
sizes = [4, 5, 3]
loss = "softmax-ce"
batch = 6
layout = "rows"

[[claim]]
wrt = "z3"
formula = "(softmax(z3) - y) / B"
"""
    assert verdicts(run(tmp_path, toml, "claims.toml")) == [Verdict.PROVED]


@pytest.mark.parametrize(
    ("loss_line", "loss"),
    [
        (r"$C = -\sum_j \left[ y_j \ln a^L_j + (1 - y_j) \ln (1 - a^L_j) \right]$", "bce"),
        (r"$E = -\sum_k t_k \log o_k$", "softmax-ce"),
        (r"$E = \sum_k (t_k - o_k)^2$", "sse"),
        (r"$C = \frac{1}{2}\|a^L - y\|^2$", "mse"),
    ],
)
def test_the_loss_the_notes_define_is_the_network_s(tmp_path, loss_line, loss):
    notes = loss_line + "\n" + r"$$\frac{\partial C}{\partial b^{(1)}} = \delta^{(2)}$$"
    found = run(tmp_path, notes)
    assert found.network.loss == loss and found.loss_line == 1


def test_nielsens_cross_entropy_output_error_follows_the_notes_loss(tmp_path):
    notes = r"""
$z^l = w^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$,
$C = -\sum_j \left[ y_j \ln a^L_j + (1 - y_j) \ln (1 - a^L_j) \right]$.
$$\delta^L = a^L - y$$
$$\delta^L = (a^L - y) \odot \sigma'(z^L)$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.REFUTED]


def test_under_bce_the_output_is_a_sigmoid_whatever_the_hidden_activation(tmp_path):
    toml = """
[network]
sizes = [2, 4, 1]
activation = "tanh"
loss = "bce"

[[claim]]
wrt = "z3"
formula = "a3 - y"

[[claim]]
wrt = "z2"
formula = "W2.T @ (a3 - y) * (1 - a2 ** 2)"

[[claim]]
wrt = "z2"
formula = "W2.T @ (a3 - y) * a2 * (1 - a2)"
"""
    found = run(tmp_path, toml, "claims.toml")
    assert found.network.layer_activations == ("tanh", "tanh", "sigmoid")
    assert verdicts(found) == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]  # σ' on a tanh layer
