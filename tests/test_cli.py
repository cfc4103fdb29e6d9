"""The command line: exit codes, the table, the JSON shape, and bad input to every option."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app
from reports.json_report import validate

runner = CliRunner()
needs_engine = pytest.mark.skipif(
    importlib.util.find_spec("verify.run") is None, reason="needs verify/run.py (the lead's engine)"
)


def run(*args):
    return runner.invoke(app, list(args))


@needs_engine
def test_verify_default_passes_and_shows_the_table():
    result = run("verify", "--points", "200")
    assert result.exit_code == 0, result.output
    for name in ("dL/dz2", "dL/da1", "dL/dz1", "dL/dW1", "dL/db1"):
        assert name in result.output
    assert "W1ᵀ δ2 ∘ f'(z1)" in result.output and "(a2 - y) ∘ f'(z2)" in result.output
    assert "sizes 4,3 (W_1 is 3×4)" in result.output and "seed 0" in result.output
    assert "result: PASSED: every claim is proved and every witness agrees" in result.output


@needs_engine
def test_verify_json_shape(pair):
    result = run("verify", "--json", "--points", "100", "--activation", pair[0], "--loss", pair[1])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["network"] == {
        "sizes": [4, 3],
        "activation": pair[0],
        "activations": [pair[0], pair[0]],
        "loss": pair[1],
        "batch": 1,
        "reduction": "mean",
        "slope": "1/100" if pair[0] == "leaky-relu" else None,
        "numeric_loss": "mse" if pair[1] == "generic" else pair[1],
    }
    validate(data)
    assert data["settings"]["seed"] == 0 and data["settings"]["points"] == 100 and data["passed"] is True
    output = [] if pair[1] == "generic" else ["dL/dz2"]  # the generic ℓ has no output identity
    assert [c["name"] for c in data["claims"]] == [*output, "dL/da1", "dL/dz1", "dL/dW1", "dL/db1"]
    for item in data["claims"]:
        assert item["verdict"] == "proved" and item["proofs"]["generic"]["status"] == "proved"
        assert set(item["agreement"]["witnesses"]) == {"sympy", "numpy", "jax"}
        assert 0 <= item["agreement"]["max_abs_err"] < 1e-14


@needs_engine
def test_verify_exits_1_when_the_implementation_disagrees(monkeypatch):
    from verify import numpy_backprop

    right = numpy_backprop.backward

    def wrong(*args):
        grads = right(*args)
        grads["dL/db1"] = -grads["dL/db1"]  # a sign slip in the hand-written code
        return grads

    monkeypatch.setattr(numpy_backprop, "backward", wrong)
    result = run("verify", "--points", "50", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["passed"] is False and data["implementation"]["agree"] is False
    assert data["implementation"]["gradients"]["dL/db1"]["agree"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--activation", "sigmod"],
            "activation: expected one of: elu, gelu, gelu-tanh, identity, leaky-relu, relu, sigmoid, silu, "
            "softplus, tanh; received 'sigmod'",
        ),
        (["--loss", "hinge"], "loss: expected one of: bce, generic, mse, softmax-ce, sse; received 'hinge'"),
        (["--batch", "0"], "batch: expected an integer from 1 to 1024; received 0"),
        (["--batch", "5000"], "batch: expected an integer from 1 to 1024; received 5000"),
        (["--reduction", "median"], "reduction: expected one of: mean, sum; received 'median'"),
        (["--slope", "2"], "slope: expected a number between 0 and 1 (exclusive), e.g. 0.01; received '2'"),
        (["--slope", "0"], "slope: expected a number between 0 and 1 (exclusive)"),
        (["--slope", "abc"], "slope: expected a decimal or fraction between 0 and 1, such as 0.01 or 1/100"),
        (["--slope", "1/0"], "slope: expected a fraction with a non-zero denominator; received '1/0'"),
        (["--sizes", "4096,4096,4096"], "sizes: expected a network one sample point of which fits in 2 GiB"),
        (["--dtype", "float16"], "dtype: expected one of: float32, float64; received 'float16'"),
        (["--sizes", "4,x"], "sizes: expected comma-separated positive integers"),
        (["--sizes", "4,0"], "sizes: expected positive integers"),
        (["--sizes", "4"], "sizes: expected between 2 and 12 layer widths; received '4'"),
        (["--sizes", "4,5000"], "sizes: expected widths from 1 to 4096"),
        (["--points", "0"], "points: expected an integer from 1 to 100,000,000; received 0"),
        (["--points", "200000001"], "points: expected an integer from 1 to 100,000,000"),
        (
            ["--points", "many"],
            "points: expected a whole number such as 1000, 1e6, 10_000 or 1,000; received 'many'",
        ),
        pytest.param(
            ["--seed", "-3"], "seed: expected an integer from 0 to 2^63 − 1; received -3", marks=needs_engine
        ),
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


@pytest.mark.parametrize(
    "args", [["--activation", "swish"], ["--sizes", ",,"], ["--loss", ""], ["--batch", "0"]]
)
def test_derive_bad_input_exits_2(args):
    result = run("derive", *args)
    assert result.exit_code == 2 and "derivcheck: error:" in result.output


def test_derive_prints_entrywise_rules_and_matrices():
    result = run("derive")
    assert result.exit_code == 0, result.output
    assert "∂L/∂w_ij = a_1j δ_2i" in result.output
    assert "∂L/∂a_1j = Σ_i (δ_2i w_ij)" in result.output
    assert "SymPy, entry by entry (3×4, generic f, generic ℓ(z_2)):" in result.output
    assert "∂L/∂z_2j = (a_2j - y_j) f'(z_2j)" in result.output  # the output layer's δ_2 under mse
    assert result.output.count("proved — derived − claimed = 0") == 10  # 5 identities, 2 proofs each


@needs_engine
def test_new_options_run_end_to_end():
    result = run(
        "verify",
        "--sizes",
        "3,4,2",
        "--activation",
        "leaky-relu",
        "--slope",
        "1/10",
        "--loss",
        "bce",
        "--batch",
        "2",
        "--reduction",
        "sum",
        "--points",
        "50",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["network"]["slope"] == "1/10" and data["network"]["batch"] == 2
    assert [c["name"] for c in data["claims"]][-4:] == ["dL/da2", "dL/dz2", "dL/dW2", "dL/db2"]
    assert data["claims"][0]["parsed"] == "dL/dZ3 = sigmoid(Z3) - Y"  # bce's δ_3, summed: no 1/B
    assert data["claims"][3]["parsed"] == "dL/dW1 = Δ2 A1ᵀ"


@needs_engine
def test_include_kinks_and_generic_loss_say_what_they_did():
    kinks = run("verify", "--activation", "relu", "--include-kinks", "--points", "100")
    assert kinks.exit_code == 0, kinks.output
    assert "sympy f'(0) = 1/2, numpy f'(0) = 0, jax f'(0) = 0" in kinks.output
    generic = run("verify", "--loss", "generic", "--points", "50")
    assert generic.exit_code == 0 and "the numeric witnesses use mse in its place" in generic.output


@needs_engine
def test_deep_network_says_what_was_skipped():
    result = run("verify", "--sizes", "8,32,32,4", "--points", "50")
    assert result.exit_code == 0, result.output
    assert "witness sympy: not run" in result.output and "beyond the budget of 1,536" in result.output
    # the generic proofs on each layer's slice cover the concrete pair: no whole-network proof is due
    assert "every claim is proved where SymPy's budget allows" in result.output


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
    (line,) = bad.stderr.strip().splitlines()
    assert (
        line.startswith("derivcheck: error: activation: expected one of: elu, gelu,")
        and "received 'nope'" in line
    )
