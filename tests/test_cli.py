"""The command line: exit codes, the table, the JSON shape, and bad input to every option."""

import json
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_verify_default_passes_and_shows_the_table():
    result = run("verify", "--points", "200")
    assert result.exit_code == 0, result.output
    for name in ("dL/da1", "dL/dz1", "dL/dW1", "dL/db1"):
        assert name in result.output
    assert "W1ᵀ δ2 ∘ f'(z1)" in result.output
    assert "sizes 4,3 (W_1 is 3×4)" in result.output and "seed 0" in result.output
    assert "all identities proved and all three witnesses agree" in result.output


def test_verify_json_shape(pair):
    result = run("verify", "--json", "--points", "100", "--activation", pair[0], "--loss", pair[1])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["network"] == {"sizes": [4, 3], "activation": pair[0], "loss": pair[1]}
    assert data["seed"] == 0 and data["points"] == 100 and data["passed"] is True
    assert [i["name"] for i in data["identities"]] == ["dL/da1", "dL/dz1", "dL/dW1", "dL/db1"]
    for item in data["identities"]:
        assert item["symbolic"] == "proved" and item["generic_symbolic"] == "proved"
        assert item["witnesses"] == ["sympy", "numpy", "jax"]
        assert 0 <= item["max_abs_err"] < 1e-14 and item["passed"] is True


def test_verify_exits_1_when_a_check_disagrees(monkeypatch):
    from verify import numpy_backprop
    from verify.witnesses import jax_witness, numpy_witness, sympy_witness

    def wrong(cache, weights, y, activation, loss):
        grads = numpy_backprop.backward(cache, weights, y, activation, loss)
        grads["dL/db1"] = -grads["dL/db1"]  # a sign slip in the hand-written code
        return grads

    monkeypatch.setattr(
        "verify.witnesses.DEFAULT_WITNESSES",
        (sympy_witness, partial(numpy_witness, backward=wrong), jax_witness),
    )
    result = run("verify", "--points", "50", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["passed"] is False
    assert [i["passed"] for i in data["identities"]] == [True, True, True, False]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--activation", "sigmod"], "activation: expected one of: sigmoid, tanh; received 'sigmod'"),
        (["--loss", "hinge"], "loss: expected one of: mse, softmax-ce; received 'hinge'"),
        (["--sizes", "4,x"], "sizes: expected comma-separated positive integers"),
        (["--sizes", "4,0"], "sizes: expected positive integers"),
        (["--sizes", "4"], "sizes: expected between 2 and 8 layer widths; received '4'"),
        (["--sizes", "4,5000"], "sizes: expected widths from 1 to 1024"),
        (["--points", "0"], "points: expected an integer from 1 to 1,000,000; received 0"),
        (["--points", "2000001"], "points: expected an integer from 1 to 1,000,000"),
        (["--points", "many"], "Invalid value for '--points'"),
        (["--seed", "-3"], "seed: expected an integer from 0 to 2^63 − 1; received -3"),
        (["--seed", "x"], "Invalid value for '--seed'"),
        (["--no-such-option"], "No such option"),
        (
            ["--sizes", "４,3"],
            "sizes: expected comma-separated positive integers such as 4,3; received '４,3'",
        ),
        (["--sizes", "²,3"], "sizes: expected comma-separated positive integers"),
        (["--sizes", "9" * 5000 + ",3"], "sizes: expected comma-separated positive integers"),
        (["--sizes", "4,3,"], "sizes: expected comma-separated positive integers"),
        (["--sizes", "4,1", "--loss", "softmax-ce"], "sizes: expected at least 2 outputs for softmax-ce"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, message):
    result = run("verify", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--activation", "relu"], ["--sizes", ",,"], ["--loss", ""]])
def test_derive_bad_input_exits_2(args):
    result = run("derive", *args)
    assert result.exit_code == 2 and "derivcheck: error:" in result.output


def test_derive_prints_entrywise_rules_and_matrices():
    result = run("derive")
    assert result.exit_code == 0, result.output
    assert "∂L/∂w_ij = a_1j δ_2i" in result.output
    assert "∂L/∂a_1j = Σ_i (δ_2i w_ij)" in result.output
    assert "SymPy, entry by entry (3×4, generic f and ℓ)" in result.output
    assert result.output.count("proved") == 8


def test_derive_latex():
    result = run("derive", "--latex", "--activation", "tanh")
    assert result.exit_code == 0
    assert r"\frac{\partial L}{\partial w_{ij}} &= a_{1,j} \delta_{2,i}" in result.output
    assert r"\begin{bmatrix}" in result.output and "tanh, mse: proved" in result.output


SCRIPT = Path(sys.executable).parent / "derivcheck"  # installed beside this interpreter


def test_console_script_help_and_error():
    ok = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "verify" in ok.stdout and "derive" in ok.stdout
    bad = subprocess.run(
        [SCRIPT, "verify", "--activation", "nope"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "derivcheck: error: activation: expected one of: sigmoid, tanh; received 'nope'"
    ]
