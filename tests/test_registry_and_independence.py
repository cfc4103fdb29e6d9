"""The witnesses share forward definitions' names only, never derivative code."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from verify import registry

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module.split(".")[0])
    return names


def test_numpy_witness_imports_numpy_only():
    assert imported_modules(ROOT / "verify" / "numpy_backprop.py") <= {"numpy", "math", "__future__"}


def imported_from_derive(path: Path) -> set[str]:
    """The derive modules `path` imports (`derive.formula`, …)."""
    tree = ast.parse(path.read_text())
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "derive"
    }


def test_oracle_never_sees_our_formulas():
    # the oracle interprets the model's forward equations: from derive it takes the IR's node
    # types (formula), the model (model_ir) and the network it is built from, never a claim,
    # an identity or a derivative (derive.claims, identities, forward, evaluate, proof, slips …)
    path = ROOT / "verify" / "jax_oracle.py"
    allowed = {"jax", "numpy", "functools", "fractions", "collections", "__future__", "derive"}
    assert imported_modules(path) <= allowed
    assert imported_from_derive(path) <= {"derive.formula", "derive.model_ir", "derive.network"}
    # and what those import in turn is the forward definitions' registries, nothing derived
    forward_only = {"derive.formula", "derive.model_ir", "derive.network", "derive.errors"}
    registries = {"derive.activations", "derive.losses", "derive.registry"}
    for name in ("formula", "model_ir", "network"):
        assert imported_from_derive(ROOT / "derive" / f"{name}.py") <= forward_only | registries, name


def test_derive_imports_no_numeric_witness():
    for path in (ROOT / "derive").glob("*.py"):
        assert not imported_modules(path) & {"verify", "reports", "jax", "numpy"}, path.name


@pytest.mark.parametrize("name", sorted(registry.activations()))
def test_activation_forward_definitions_agree(name):
    entry = registry.activations()[name]
    x = np.linspace(-4, 4, 81)
    s = sp.Symbol("x", real=True)
    modules = [{"Heaviside": np.heaviside, "erf": np.vectorize(math.erf)}, "numpy"]
    sympy_values = sp.lambdify(s, entry.sympy(s, sp.Rational(1, 100)), modules)(x)
    np.testing.assert_allclose(entry.numpy(x), sympy_values, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(np.asarray(entry.jax(x)), sympy_values, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("name", sorted(registry.losses()))
def test_loss_forward_definitions_agree(name):
    entry = registry.losses()[name]
    z = np.array([0.3, -1.2, 0.7])
    y = np.array([0.0, 1.0, 0.0])
    f = registry.activations()["tanh"]
    reference = float(entry.sympy([sp.Float(v) for v in z], [sp.Float(v) for v in y], sp.tanh))
    assert np.asarray(entry.numpy(z[:, None], y[:, None], f.numpy)).item() == pytest.approx(
        reference, rel=1e-14
    )
    assert np.asarray(entry.jax(z, y, f.jax)).item() == pytest.approx(reference, rel=1e-14)


def test_join_fails_loudly_on_a_missing_name():
    with pytest.raises(RuntimeError, match="activation registries differ"):
        registry._join("activation", {"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2})
