"""Convolution, max and max-pooling on the model-file path (derive/model_formula.py, the IR's
Correlate, Flip, Repeat, MaxAxis, MaxPool, Equal), and batch normalization as a model file.

Each worked example is proved and its planted slip refuted and named; each operation has a
wrong variant that is refuted (or a shape error where the shapes say so); a malformed call gives
one line naming what was expected and what was received; the three witnesses compute each node
alike, convolution is the field's cross-correlation, and the tie conventions stated in reports
are the ones the witnesses follow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive import InputError
from derive.claims_file import load
from derive.formula import (
    Correlate,
    Dims,
    Equal,
    Flip,
    MaxAxis,
    MaxPool,
    Ref,
    Repeat,
    Transpose,
    shape,
    to_latex,
    to_text,
)
from derive.ir_sympy import ArgmaxIndicator, numeric, sympy_value
from derive.slip_search import Move
from derive.slips import SlipKind
from reports.terminal import render_run
from reports.wording import Words
from verify import Verdict, check_document
from verify.ir_numpy import numpy_value
from verify.results import Run

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "examples" / "models"
POINTS = 30

PLANTED = {
    "conv1d": Move.MISSING_FLIP,
    "conv2d_channels": Move.MISSING_FLIP,
    "maxpool": Move.MAX_AXIS,
    "batchnorm": Move.SUM_AXIS,
}


def _check(tmp_path, text: str, points: int = POINTS) -> Run:
    path = tmp_path / "model.toml"
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=points, seed=0)


def _model(given: str, forward: str, claims: list[tuple[str, str]]) -> str:
    body = "".join(f'\n[[claim]]\nwrt = "{w}"\nformula = "{f}"\n' for w, f in claims)
    return f'[model]\n{given}\nforward = """\n{forward}\n"""\n{body}'


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    return {
        name: check_document(load(MODELS / f"{name}.toml", {}), points=POINTS, seed=0) for name in PLANTED
    }


@pytest.mark.parametrize("name", list(PLANTED))
def test_each_example_is_proved_and_its_planted_slip_refuted_and_named(runs, name):
    run = runs[name]
    assert run.forward.agree
    *right, planted = run.claims
    assert all(r.verdict == Verdict.PROVED for r in right), [
        (r.claim.written, r.verdict, r.reason) for r in right
    ]
    assert "planted slip" in (planted.claim.name or "") and planted.verdict == Verdict.REFUTED
    assert planted.slip is not None and planted.slip.kind == SlipKind.FOUND
    assert planted.slip.steps[0].move == PLANTED[name]
    cx = planted.counterexample
    assert cx is not None and cx.true_sympy[0] is not None
    assert float(cx.true_sympy[0]) == pytest.approx(cx.true_jax[0], rel=1e-9, abs=1e-12)


def test_a_pooling_report_states_the_tie_convention_and_the_scope(runs):
    text = " ".join(render_run(runs["maxpool"]).split())
    assert "jax.grad splits it evenly" in text
    assert "no ties in a maximum" in Words("en").reading(runs["maxpool"]).claim_scope(
        runs["maxpool"].claims[0]
    )
    assert "동률" in render_run(runs["maxpool"], "ko")
    assert "tie" not in render_run(runs["conv1d"])


CONV1D = "inputs = { x = [9, 1], G = [4, 1] }\nparameters = { w = [3, 1] }"
STRIDED = "y = conv1d(x, w, stride=2)\nL = sum(G * y)"
CONV2D = "inputs = { X = [4, 5], G = [3, 4] }\nparameters = { K = [2, 2] }"
PLAIN = "Y = conv2d(X, K)\nL = sum(G * Y)"
MAX = "inputs = { x = [3, 4], g = [1, 4], G = [3, 2] }"
COLUMNS = "m = max(x, axis=0)\nL = sum(g * m)"
ROW = "inputs = { x = [1, 4], G = [1, 2] }"
POOL = "p = maxpool1d(x, 2)\nL = sum(G * p)"
OVERLAP = "inputs = { x = [3, 4], G = [2, 2] }"  # windows rows 0–1 and 1–2: they share row 1
PROVED, REFUTED, SHAPE = Verdict.PROVED, Verdict.REFUTED, Verdict.SHAPE_ERROR


@pytest.mark.parametrize(
    ("given", "forward", "wrt", "formula", "verdict", "move"),
    [
        # a strided convolution: dL/dw_j = Σ_i G_i x_{2i+j}, the input correlated with G dilated by 2
        (CONV1D, STRIDED, "w", "conv1d(x, G, dilation=2)", PROVED, None),
        (CONV1D, STRIDED, "w", "conv1d(x, G)", SHAPE, None),  # the stride ignored: 7×1, not 3×1
        (CONV1D, STRIDED, "w", "conv1d(x, flip(G), dilation=2)", REFUTED, Move.EXTRA_FLIP),
        # 2-D: the kernel's gradient, the input's full convolution with the rotated kernel
        (CONV2D, PLAIN, "K", "conv2d(X, G)", PROVED, None),
        (CONV2D, PLAIN, "X", "conv2d(G, flip(K), padding=1)", PROVED, None),
        (CONV2D, PLAIN, "X", "conv2d(G, K, padding=1)", REFUTED, Move.MISSING_FLIP),
        (CONV2D, PLAIN, "K", "conv2d(X, G).T", REFUTED, Move.EXTRA_TRANSPOSE),
        # a column max: the mask of the argmax; without it the gradient reaches every entry
        (MAX, COLUMNS, "x", "(x == max(x, axis=0)) * g", PROVED, None),
        (MAX, COLUMNS, "x", "(x == m) * g", PROVED, None),
        (MAX, COLUMNS, "x", "(x == max(x, axis=1)) * g", REFUTED, Move.MAX_AXIS),
        (MAX, COLUMNS, "x", "x * 0 + g", REFUTED, None),
        # 1-D pooling over a row (1 × 4 → 1 × 2): average pooling's gradient is not max pooling's
        (ROW, POOL, "x", "(x == repeat(p, 2, axis=1)) * repeat(G, 2, axis=1)", PROVED, None),
        (ROW, POOL, "x", "repeat(G, 2, axis=1) / 2", REFUTED, None),
        # the largest entry of all, and overlapping windows (stride 1 < size 2) after a tanh
        (MAX, "L = max(x)", "x", "x == max(x)", PROVED, None),
        (OVERLAP, "p = maxpool2d(tanh(x), 2, stride=(1, 2))\nL = sum(G * p)", "p", "G", PROVED, None),
    ],
)
def test_each_operation_right_and_wrong(tmp_path, given, forward, wrt, formula, verdict, move):
    (result,) = _check(tmp_path, _model(given, forward, [(wrt, formula)])).claims
    assert result.verdict == verdict, (result.verdict, result.reason, result.shape_problem)
    if move is not None:
        assert result.slip is not None and result.slip.steps[0].move == move


def test_batch_norm_with_the_unbiased_variance_is_refuted(tmp_path):
    """The paper's σ²_B is the biased 1/m variance; a dx written with 1/(m − 1) is wrong."""
    text = (MODELS / "batchnorm.toml").read_text(encoding="utf-8").split("[[claim]]")[0]
    text += (
        '\n[[claim]]\nwrt = "x"\nformula = "gamma / sqrt(sum(xc ** 2, axis=0) / 3 + 1e-5)'
        ' * (4 * G - sum(G, axis=0) - xhat * sum(G * xhat, axis=0)) / 4"\n'
    )
    (result,) = _check(tmp_path, text).claims
    assert result.verdict == Verdict.REFUTED


@pytest.mark.parametrize(
    ("forward", "expected", "received"),
    [
        ("y = conv1d(x, K)\nL = sum(y)", "expected k×1, as the input", "conv1d with a 2×2 kernel"),
        ("y = conv1d(x, w, stride=0)\nL = sum(y)", "stride a whole number ≥ 1", "stride=0"),
        ("y = conv1d(x, w, groups=2)\nL = sum(y)", "conv1d(x, w, stride=1, padding=0", "the keyword groups"),
        ("y = conv1d(x, w, padding=-1)\nL = sum(y)", "padding a whole number ≥ 0", "padding=-1"),
        ("y = conv1d(w, x)\nL = sum(y)", "expected shapes that fit", "no window fits"),
        ("y = conv2d(K, w)\nL = sum(y)", "expected shapes that fit", "no window fits"),
        ("y = maxpool1d(x)\nL = sum(y)", "maxpool1d(x, size, stride=size)", "no size"),
        ("y = maxpool2d(K, 3)\nL = sum(y)", "expected shapes that fit", "no window fits"),
        ("y = maxpool1d(K, 2)\nL = sum(y)", "maxpool1d(x, size", "a 2×2 matrix"),
        ("y = repeat(x, 2)\nL = sum(y)", "repeat(x, k, axis=0)", "no axis"),
        ("y = x == w\nL = sum(y)", "read in claims only", ""),
        ("y = conv1d(x, (1, 2))\nL = sum(y)", "a tensor or a number", "a pair"),
    ],
)
def test_a_malformed_call_gives_one_line_naming_what_was_expected(tmp_path, forward, expected, received):
    path = tmp_path / "bad.toml"
    path.write_text(
        _model("inputs = { x = [6, 1] }\nparameters = { w = [3, 1], K = [2, 2] }", forward, [("w", "w")]),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load(path, {})
    message = str(caught.value)
    assert "\n" not in message and "forward line 1" in message
    assert expected in message and received in message, message


VALUES = np.random.default_rng(1)
ARRAYS = {
    "x": VALUES.normal(size=(7, 1)),
    "r": VALUES.normal(size=(1, 7)),
    "w": VALUES.normal(size=(3, 1)),
    "X": VALUES.normal(size=(5, 6)),
    "K": VALUES.normal(size=(2, 3)),
}
x, r, w, X, K = (Ref(n) for n in ("x", "r", "w", "X", "K"))
NODES = [
    Correlate(x, w, axis=0),
    Correlate(x, w, (2, 1), (1, 0), (1, 1), 0),
    Correlate(x, w, (1, 1), (2, 0), (2, 1), 0),
    Correlate(r, Transpose(w), (1, 2), (0, 1), (1, 1), 1),
    Correlate(X, K),
    Correlate(X, K, (2, 2), (1, 1)),
    Correlate(X, K, (1, 2), (0, 1), (2, 1)),
    Flip(K),
    Repeat(K, 2, 0),
    Repeat(K, 3, 1),
    MaxAxis(X, 0),
    MaxAxis(X, 1),
    MaxAxis(X, None),
    MaxPool(X, (2, 2), (2, 2)),
    MaxPool(X, (2, 3), (1, 2)),
    MaxPool(x, (2, 1), (2, 1), 0),
    Equal(X, MaxAxis(X, 0)),
]


@pytest.mark.parametrize("node", NODES, ids=to_text)
def test_the_witnesses_compute_each_node_alike(node):
    from jax import numpy as jnp

    from verify.jax_oracle import _value

    want = shape(node, Dims(()), {k: v.shape for k, v in ARRAYS.items()})
    symbolic = numeric(sympy_value(node, {k: sp.Matrix(v) for k, v in ARRAYS.items()}))
    s = np.array(symbolic.evalf(), dtype=float)
    n = numpy_value(node, {k: v[None] for k, v in ARRAYS.items()})[0]
    assert s.shape == n.shape == want and n == pytest.approx(s, rel=1e-12)
    if not isinstance(node, Equal):  # a claim's mask: never in a forward pass, so not the oracle's
        j = np.asarray(_value(node, {k: jnp.asarray(v) for k, v in ARRAYS.items()}, 1, jnp.float64))
        assert j.shape == want and j == pytest.approx(s, rel=1e-12)
    assert to_text(node) and to_latex(node)


def test_convolution_is_the_fields_cross_correlation():
    """conv2d as `jax.lax.conv_general_dilated` (and PyTorch's conv2d) computes it: no flip."""
    import jax

    node = Correlate(X, K, (1, 2), (1, 0), (2, 1))
    mine = numpy_value(node, {"X": ARRAYS["X"][None], "K": ARRAYS["K"][None]})[0]
    xla = jax.lax.conv_general_dilated(
        ARRAYS["X"][None, None], ARRAYS["K"][None, None], (1, 2), [(1, 1), (0, 0)], rhs_dilation=(2, 1)
    )[0, 0]
    assert mine == pytest.approx(np.asarray(xla), rel=1e-12)
    line = {"x": np.arange(4.0)[None, :, None], "w": np.array([[[1.0], [10.0]]])}
    assert numpy_value(Correlate(x, w, axis=0), line)[0, :, 0] == pytest.approx([10.0, 21.0, 32.0])


def test_the_tie_conventions_are_the_ones_reports_state(tmp_path):
    """At a tie jax.grad of a max splits the gradient evenly, SymPy's indicator gives the first
    entry all of it, and a claim's `x == max(x)` mask gives each tied entry 1."""
    from derive.model_file import read_model
    from verify.jax_oracle import model_gradients

    text = _model("inputs = { x = [4, 1] }", "L = max(x)", [("x", "x == max(x)")])
    mf = read_model(tmp_path / "m.toml", text)
    tied = np.array([[[1.0], [3.0], [3.0], [2.0]]])
    _, grads = model_gradients(mf.model, {"x": tied})
    assert grads["dL/dx"][0, :, 0].tolist() == [0.0, 0.5, 0.5, 0.0]
    symbols = sp.Matrix(sp.symbols("x1:5", real=True))
    mask = sympy_value(Equal(x, MaxAxis(x, None)), {"x": symbols})
    assert isinstance(mask[0], ArgmaxIndicator)
    assert mask.subs(dict(zip(symbols, tied[0, :, 0], strict=True))).T.tolist() == [[0, 1, 0, 0]]
    assert numpy_value(Equal(x, MaxAxis(x, None)), {"x": tied})[0, :, 0].tolist() == [0.0, 1.0, 1.0, 0.0]
