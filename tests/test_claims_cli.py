"""`derivcheck check` on the command line: exit codes, the JSON shape, bad input."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app
from reports.json_report import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
runner = CliRunner()
needs_engine = pytest.mark.skipif(
    importlib.util.find_spec("verify.run") is None, reason="needs verify/run.py (the lead's engine)"
)


def run(*args: str):
    return runner.invoke(app, ["check", "--points", "100", *args])  # later options win


def write(tmp_path: Path, text: str, name: str = "notes.md") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@needs_engine
def test_true_notes_exit_0_and_print_a_table(tmp_path):
    result = run(write(tmp_path, r"$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T$$"))
    assert result.exit_code == 0, result.output
    assert "proved" in result.output and "every activation f and loss ℓ" in result.output
    assert "result: PASSED" in result.output


@needs_engine
def test_mistakes_exit_1_with_counterexamples():
    result = run(str(EXAMPLES / "mistakes.md"), "--sizes", "3,3")
    assert result.exit_code == 1
    assert result.output.count("counterexample at sample point") == 8
    assert "probably: missing f'(z1)" in result.output


@needs_engine
def test_json_shape(tmp_path):
    result = run(str(EXAMPLES / "mistakes.md"), "--sizes", "3,3", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    validate(data)
    assert data["passed"] is False and data["source"].endswith("mistakes.md")
    claim = data["claims"][1]
    assert claim["line"] == 13 and claim["wrt"] == "z1" and claim["verdict"] == "refuted"
    assert claim["written"] == r"\delta_1 = W_1 \delta_2 \circ f'(z_1)"
    assert claim["slip"]["kind"] == "W for W^T"
    example = claim["counterexample"]
    assert set(example) == {"point", "inputs", "entries", "claimed", "true"}
    assert set(example["inputs"]) == {"z1", "W1", "b1", "y"}
    assert len(example["claimed"]["jax"]) == len(example["entries"])


@needs_engine
def test_unparsed_claim_exits_2_with_a_caret(tmp_path):
    result = run(write(tmp_path, r"$\frac{\partial L}{\partial W_1} = \delta_2 \circ\circ a_1^T$"))
    assert result.exit_code == 2
    assert "unexpected '\\circ'" in result.output
    lines = result.output.splitlines()
    caret = next(i for i, line in enumerate(lines) if line.strip() == "^")
    assert lines[caret].index("^") == lines[caret - 1].index(r"\circ a_1")


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        ("just prose, $x$ and $y = 2$", "notes.md", "at least one claim"),
        ("", "empty.md", "at least one claim"),
        ("[network]\nsizes = [4, 3]\n", "claims.toml", "at least one claim"),
        ("[network\n", "claims.toml", "invalid TOML"),
        ("[network]\nwidth = 3\n", "claims.toml", "keys sizes, activation"),
        ('[[claim]]\nwrt = "W1"\n', "claims.toml", "claim 1 formula: expected a string"),
        ('[[claim]]\nwrt = "W1"\nformula = "x"\nsyntax = "python"\n', "claims.toml", "latex or plain"),
        ('[network]\nactivation = "sigmod"\n[[claim]]\nwrt = "W1"\nformula = "a"', "claims.toml", "sigmoid"),
        ("[network]\nsizes = [4, 0]\n", "claims.toml", "positive integers"),
        ("[network]\nsizes = 4\n", "claims.toml", "a list of layer widths"),
        ('[network]\nbatch = "two"\n[[claim]]\nwrt = "W1"\nformula = "a1"', "claims.toml", "batch"),
        pytest.param(
            '[[claim]]\nwrt = "q7"\nformula = "a1"', "claims.toml", "unknown name 'q7'", marks=needs_engine
        ),
        ("[other]\n", "claims.toml", "[network] and [[claim]]"),
    ],
)
def test_bad_files_exit_2_with_one_line(tmp_path, content, name, says):
    result = run(write(tmp_path, content, name))
    assert result.exit_code == 2
    assert says in result.output
    assert "Traceback" not in result.output


def test_unreadable_and_binary_files_exit_2(tmp_path):
    assert run(str(tmp_path / "missing.md")).exit_code == 2
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    result = run(str(binary))
    assert result.exit_code == 2 and "UTF-8" in result.output
    assert run(str(tmp_path)).exit_code == 2  # a folder


@needs_engine
def test_command_line_options_win_over_the_claims_file(tmp_path):
    toml = '[network]\nsizes = [4, 3]\n[[claim]]\nwrt = "z1"\nformula = "W1.T @ delta2"\n'
    path = write(tmp_path, toml, "claims.toml")
    assert run(path).exit_code == 1  # sigmoid: f' is missing
    assert run(path, "--activation", "identity").exit_code == 0  # f' = 1


def test_bad_options_exit_2(tmp_path):
    path = write(tmp_path, r"$\frac{\partial L}{\partial b_1} = \delta_2$")
    for option in (["--sizes", "4,x"], ["--activation", "sine"], ["--batch", "0"], ["--points", "0"]):
        result = run(path, *option)
        assert result.exit_code == 2, option
        assert "Traceback" not in result.output


@needs_engine
def test_check_takes_dtype_and_kinks_like_verify(tmp_path):
    path = write(tmp_path, r"$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T$")
    result = run(path, "--dtype", "float32", "--include-kinks", "--activation", "relu", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["settings"]["dtype"] == "float32" and data["kinks"] is not None


def test_check_validates_dtype_before_the_work(tmp_path):
    path = write(tmp_path, r"$\frac{\partial L}{\partial b_1} = \delta_2$")
    result = run(path, "--dtype", "float16")
    assert result.exit_code == 2 and "dtype: expected one of: float32, float64" in result.output
