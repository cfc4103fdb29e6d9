"""Fuzzing every reader and the command line (issue 16): whatever a user writes, a reader gives a
document or a typed error (`InputError`, `ClaimSyntaxError`), the CLI exits 0, 1 or 2 without a
traceback, and each input is answered within a time bound (hypothesis's `deadline`).

The default suite runs a few hundred inputs (well under a minute on two cores); the campaign
marked slow runs over 10⁴ (`pytest -m slow tests/test_fuzz.py`)."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_claim_parser import LATEX_PIECES, PLAIN_PIECES
from test_notes_model import EXPRESSIONS
from typer.testing import CliRunner

from derive import ACTIVATIONS, LOSSES
from derive.claim_parser import ClaimSyntaxError
from derive.claims_file import load
from derive.errors import InputError
from derive.model_file import read_model
from reports.cli import app

DEADLINE = timedelta(seconds=10)  # per input, generous: two shared cores
CAMPAIGN = 3317  # per reader in the slow campaign (parse only): 3 × 3,317 + 50 CLI runs > 10⁴
CLI_CAMPAIGN = 50  # whole runs of the CLI in the slow campaign, --points small


def pieces(alphabet: list[str], size: int) -> st.SearchStrategy[str]:
    """Text made of `alphabet`'s pieces (characters or whole tokens such as `\\frac`)."""
    return st.lists(st.sampled_from(alphabet), max_size=size).map("".join)


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=DEADLINE,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=True,  # the same inputs in CI every time: a failure is reproducible
        database=None,
    )


def _read(text: str, suffix: str, options: dict | None = None):
    """`load` on `text` written to a fresh file: a document or a typed error, nothing else."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            return load(path, options or {})
        except (InputError, ClaimSyntaxError):
            return None


# --- notes (LaTeX / Markdown) -------------------------------------------------------------------
GRADIENTS = [r"\frac{\partial L}{\partial W_1}", r"\frac{\partial L}{\partial b_2}", r"\delta_1", r"\delta_2"]
GRADIENTS += [r"\frac{\partial L}{\partial a_1}", r"\frac{\partial L}{\partial z_2}", r"\delta^{(l)}", "dZ_1"]
SIDES = st.one_of(EXPRESSIONS, st.lists(st.sampled_from(LATEX_PIECES), max_size=12).map("".join))
EQUATIONS = st.tuples(st.sampled_from(GRADIENTS), st.lists(SIDES, min_size=1, max_size=3)).map(
    lambda t: " = ".join([t[0], *t[1]])
)
WRAPPERS = ["$${}$$", "${}$", r"\[{}\]", "\\begin{{align}}{}\\end{{align}}", "{}"]
NOTES = st.lists(
    st.tuples(st.sampled_from(WRAPPERS), EQUATIONS).map(lambda t: t[0].format(t[1])), min_size=1, max_size=4
).map("\n\n".join)
RAW = pieces([*"$\\{}[]_^=+-()&\n xyWbδaz12lTt'", "\\frac", "$$"], 60)


def _notes(text: str) -> None:
    document = _read(text, ".md")
    if document is not None:
        for claim in document.claims:
            assert claim.identity is not None or claim.problem is not None or claim.about != "network"


@fuzz(150)
@given(st.one_of(NOTES, RAW))
def test_fuzz_notes(text):
    _notes(text)


@pytest.mark.slow
@fuzz(CAMPAIGN)
@given(st.one_of(NOTES, RAW))
def test_fuzz_notes_campaign(text):
    _notes(text)


# --- a claims file (TOML) ----------------------------------------------------------------------
NAMES = ["W1", "b1", "z1", "a1", "W2", "b2", "z2", "Z1", "theta2", "x", "", "W9", "δ"]
PLAIN = st.lists(st.sampled_from(PLAIN_PIECES), max_size=14).map("".join)
FORMULAS = st.one_of(PLAIN, EXPRESSIONS, st.text(max_size=20))
VALUES = st.one_of(
    st.integers(-3, 6).map(str),
    st.sampled_from(
        ['"4,3"', "[3, 3]", "[2, 3, 2]", "[0]", "[]", '"tanh"', '"mse"', "true", '"mean"', '"sum"']
    ),
    st.sampled_from(['"rows"', '"columns"', "1.5", '"1/100"', "[1e9, 1e9]", '"x"']),
)
KEYS = ["sizes", "activation", "loss", "batch", "reduction", "slope", "l2", "layout", "bogus"]


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


CLAIM_TABLES = st.lists(
    st.tuples(st.sampled_from(NAMES), FORMULAS, st.text(max_size=8)).map(
        lambda t: (
            f"[[claim]]\nname = {_toml_string(t[2])}\nwrt = {_toml_string(t[0])}\n"
            f"formula = {_toml_string(t[1])}\n"
        )
    ),
    max_size=3,
).map("\n".join)
NETWORK_TABLES = st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=4, unique_by=lambda t: t[0]).map(
    lambda pairs: "[network]\n" + "".join(f"{k} = {v}\n" for k, v in pairs)
)
TOML_RAW = pieces([*'[]="\n a.#', "claim", "network", "wrt", "formula"], 50)
CLAIMS_FILES = st.one_of(st.tuples(NETWORK_TABLES, CLAIM_TABLES).map("\n".join), CLAIM_TABLES, TOML_RAW)


@fuzz(100)
@given(CLAIMS_FILES)
def test_fuzz_claims_file(text):
    _read(text, ".toml")


@pytest.mark.slow
@fuzz(CAMPAIGN)
@given(CLAIMS_FILES)
def test_fuzz_claims_file_campaign(text):
    _read(text, ".toml")


# --- a model file (TOML, [model]) --------------------------------------------------------------
TENSORS = ["x", "y", "W1", "b1", "W2"]
MODEL_ATOMS = ["x", "y", "W1", "b1", "W2", "h", "z", "p", "2", "0.5", "q"]
MODEL_UNARY = ["tanh({})", "sigmoid({})", "exp({})", "log({})", "softmax({}, axis=0)", "sum({})"]
MODEL_UNARY += ["sum({}, axis=1)", "({}).T", "mean({})", "relu({})", "-{}", "({}) ** 2", "max({})"]
MODEL_BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} @ {}", "{} / {}"]
MODEL_EXPRESSIONS = st.recursive(
    st.sampled_from(MODEL_ATOMS),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(MODEL_UNARY), inner).map(lambda t: t[0].format(t[1])),
        st.tuples(st.sampled_from(MODEL_BINARY), inner, inner).map(lambda t: t[0].format(t[1], t[2])),
    ),
    max_leaves=5,
)
SHAPES = st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda s: f"[{s[0]}, {s[1]}]")
ROLES = ["inputs", "targets", "parameters"]


@st.composite
def model_files(draw) -> str:
    tables = {role: {} for role in ROLES}
    for name in draw(st.lists(st.sampled_from(TENSORS), min_size=1, max_size=5, unique=True)):
        tables[draw(st.sampled_from(ROLES))][name] = draw(SHAPES)
    lines = [
        f"{role} = {{ {', '.join(f'{k} = {v}' for k, v in t.items())} }}" for role, t in tables.items() if t
    ]
    targets = ["h", "z", "p", "L", "x", "q"]
    forward = [
        f"{draw(st.sampled_from(targets))} = {draw(MODEL_EXPRESSIONS)}"
        for _ in range(draw(st.integers(0, 3)))
    ]
    forward.append(f"L = {draw(st.sampled_from(['sum', 'mean', '']))}({draw(MODEL_EXPRESSIONS)})")
    if draw(st.booleans()):
        lines.append(f"one_hot = [{_toml_string(draw(st.sampled_from(TENSORS)))}]")
    body = "[model]\n" + "\n".join(lines) + '\nforward = """\n' + "\n".join(forward) + '\n"""\n'
    claims = [
        f"[[claim]]\nwrt = {_toml_string(draw(st.sampled_from([*TENSORS, 'h', 'z', 'q'])))}\n"
        f"formula = {_toml_string(draw(st.one_of(MODEL_EXPRESSIONS, PLAIN)))}\n"
        for _ in range(draw(st.integers(0, 2)))
    ]
    return body + "\n".join(claims)


MODEL_RAW = pieces([*'[]="\n {}=,', "model", "forward", '"""', "x = [1, 1]"], 50)


def _model(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.toml"
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(InputError, ClaimSyntaxError):
            read_model(path, text)
    _read(text, ".toml")


@fuzz(150)
@given(st.one_of(model_files(), MODEL_RAW.map(lambda s: "[model]\n" + s)))
def test_fuzz_model_file(text):
    _model(text)


@pytest.mark.slow
@fuzz(CAMPAIGN)
@given(st.one_of(model_files(), MODEL_RAW.map(lambda s: "[model]\n" + s), MODEL_RAW))
def test_fuzz_model_file_campaign(text):
    _model(text)


# --- the command line --------------------------------------------------------------------------
ROOT = Path(__file__).parent.parent
FILES = [
    "examples/seed-notes.md",
    "examples/batch.toml",
    "examples/models/softmax_ce.toml",
    "examples/mistakes.md",
    "tests/cases/absent.md",
]
junk = pieces([*"0123456789,-.e/ xa"], 6)
OPTIONS = {
    "--sizes": st.one_of(
        st.sampled_from(["4,3", "2,2,2", "3,3", "0,3", "4", "2,,3", "-1,2", "99999,99999"]), junk
    ),
    "--activation": st.sampled_from([*ACTIVATIONS, "sigmod", "", "generic"]),
    "--loss": st.sampled_from([*LOSSES, "msee", ""]),
    "--batch": st.one_of(st.integers(-1, 3).map(str), junk),
    "--reduction": st.sampled_from(["mean", "sum", "median"]),
    "--slope": st.one_of(st.sampled_from(["0.01", "1/100", "0", "-1", "1/0"]), junk),
    "--l2": st.one_of(st.sampled_from(["0", "0.1", "1/10", "-1"]), junk),
    "--points": st.one_of(st.sampled_from(["1", "2", "3", "0", "-1", "1e99", "1,000"]), junk),
    "--seed": st.one_of(st.sampled_from(["0", "7", "-1", "99999999999999999999"]), junk),
    "--dtype": st.sampled_from(["float64", "float32", "float16"]),
    "--lang": st.sampled_from(["en", "ko", "fr"]),
}
SMALL_POINTS = st.sampled_from(["1", "2", "3", "0", "-1", "x"])  # a run stays short


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(["check", "check", "verify", "derive"]))
    args = [command]
    if command == "check":
        args.append(str(ROOT / draw(st.sampled_from(FILES))))
    allowed = [
        k for k in OPTIONS if command != "derive" or k not in ("--points", "--seed", "--dtype", "--lang")
    ]
    for key in draw(st.lists(st.sampled_from(allowed), max_size=4, unique=True)):
        value = draw(SMALL_POINTS if key == "--points" else OPTIONS[key])
        args += [key, value]
    if command != "derive" and "--points" not in args:
        args += ["--points", "2"]
    if command == "derive" and "--sizes" not in args:
        args += ["--sizes", "2,2"]
    if draw(st.booleans()) and command != "derive":
        args.append("--json")
    return args


runner = CliRunner()


def _cli(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert "Traceback" not in result.output, (args, result.output)


@settings(
    max_examples=12,
    deadline=timedelta(seconds=60),  # a whole run: SymPy's proofs and jax.grad's compilation
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
@given(command_lines())
def test_fuzz_command_line(args):
    _cli(args)


@pytest.mark.slow
@settings(
    max_examples=CLI_CAMPAIGN,
    deadline=timedelta(seconds=120),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
@given(command_lines())
def test_fuzz_command_line_campaign(args):
    _cli(args)


# --- crashes the campaign found, kept as cases ---------------------------------------------------
@pytest.mark.parametrize("text", ["", 'claim = """\n[model]\n"""\n', 'forward = """\n[model]\n"""\n'])
def test_a_model_line_inside_a_string_is_not_a_model_table(tmp_path, text):
    """`[model]` at the start of a line inside a TOML string made the file look like a model
    file with no [model] table: `KeyError: 'model'`, a traceback from `derivcheck check`."""
    path = tmp_path / "model.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"\[model\]"):
        read_model(path, text)
    if text:
        result = runner.invoke(app, ["check", str(path), "--points", "2"])
        assert result.exit_code == 2
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
