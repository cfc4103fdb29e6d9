"""The registry lines up each function's SymPy, NumPy and JAX forwards; the witnesses share
forward definitions' names only, never derivative code."""

import ast
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.special import erf

from derive import registry
from derive.errors import InputError
from verify import jax_oracle, numpy_backprop

jax = jax_oracle.jax  # float64 enabled

ROOT = Path(__file__).resolve().parent.parent
SLOPE = 0.01


class NumPyWithErf:
    """The namespace the registry's NumPy forwards receive: NumPy, plus the `erf` it lacks."""

    erf = staticmethod(erf)

    def __getattr__(self, name):
        return getattr(np, name)


NP = NumPyWithErf()


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module.split(".")[0])
    return names


def imported_from(path: Path, package: str) -> set[str]:
    """The modules of `package` that `path` imports (`from derive.registry import …`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == package}
    return found


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
    assert imported_from_derive(path) <= {
        "derive.formula",
        "derive.model_ir",
        "derive.network",
        "derive.registry",
        "derive.disk_cache",  # where JAX keeps its compiled programs between runs
    }
    # the cache is storage, no mathematics: it imports nothing of ours
    assert not imported_from_derive(ROOT / "derive" / "disk_cache.py")
    # and what those import in turn is the forward definitions' registries, nothing derived
    # (derive.unicode_tex writes a tensor's name θ as \theta for LaTeX: no mathematics in it)
    forward_only = {
        "derive.formula",
        "derive.model_ir",
        "derive.network",
        "derive.errors",
        "derive.unicode_tex",
    }
    registries = {"derive.registry"}
    for name in ("formula", "model_ir", "network"):
        assert imported_from_derive(ROOT / "derive" / f"{name}.py") <= forward_only | registries, name


def test_derive_imports_no_numeric_witness():
    for path in (ROOT / "derive").glob("*.py"):
        assert not imported_modules(path) & {"verify", "reports", "jax", "numpy"}, path.name


def test_registry_imports_nothing_numeric():
    """So that `derivcheck --help` lists its names without SymPy (tests/test_startup.py)."""
    path = ROOT / "derive" / "registry.py"
    assert imported_modules(path) <= {
        "__future__",
        "re",
        "collections",
        "dataclasses",
        "fractions",
        "typing",
        "derive",
    }
    assert imported_from(path, "derive") == {"derive.errors"}


def test_numpy_witness_has_exactly_the_registrys_names():
    assert sorted(numpy_backprop.ACTIVATIONS) == sorted(registry.ACTIVATIONS)
    assert sorted(numpy_backprop.LOSSES) == sorted(registry.CONCRETE_LOSSES)


@pytest.mark.parametrize("name", list(registry.ACTIVATIONS))
def test_activation_forward_definitions_agree(name):
    entry = registry.ACTIVATIONS[name]
    x = np.linspace(-4, 4, 81)
    s = sp.Symbol("x", real=True)
    modules = [{"Heaviside": np.heaviside, "erf": np.vectorize(math.erf)}, "numpy"]
    sympy_values = sp.lambdify(s, entry.sympy(sp, s, sp.Rational(1, 100)), modules)(x)
    np.testing.assert_allclose(entry.numpy(NP, x, SLOPE), sympy_values, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(np.asarray(entry.jax(jax, x, SLOPE)), sympy_values, rtol=1e-15, atol=1e-15)
    witness_f, _ = numpy_backprop.activation_functions(name, SLOPE)  # the implementation under test
    np.testing.assert_allclose(witness_f(x), sympy_values, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("name", registry.CONCRETE_LOSSES)
def test_loss_forward_definitions_agree(name):
    entry = registry.LOSSES[name]
    z = np.array([0.3, -1.2, 0.7])
    y = np.array([0.0, 1.0, 0.0])
    tanh = registry.ACTIVATIONS["tanh"]
    reference = float(entry.sympy(sp, [sp.Float(v) for v in z], [sp.Float(v) for v in y], sp.tanh))
    numpy_value = entry.numpy(NP, z[:, None], y[:, None], lambda v: tanh.numpy(NP, v, SLOPE))
    jax_value = entry.jax(jax, z, y, lambda v: tanh.jax(jax, v, SLOPE))
    witness_value = numpy_backprop.LOSSES[name][0](z[:, None], y[:, None], np.tanh)
    for value in (numpy_value, jax_value, witness_value):
        assert np.asarray(value).item() == pytest.approx(reference, rel=1e-14)


def test_generic_loss_is_symbolic_with_a_numeric_stand_in():
    generic = registry.LOSSES[registry.GENERIC]
    assert (generic.sympy, generic.numpy, generic.jax) == (None, None, None)
    assert generic.stand_in in registry.CONCRETE_LOSSES


# --- the import-time check fails loudly -------------------------------------------------------
ACTS, LOSSES = tuple(registry.ACTIVATIONS.values()), tuple(registry.LOSSES.values())


def test_the_registry_passes_its_own_check():
    registry.check(ACTS, LOSSES)


def test_check_rejects_a_duplicate_alias():
    relu, tanh = registry.ACTIVATIONS["relu"], registry.ACTIVATIONS["tanh"]
    bad = (relu, replace(tanh, aliases=(*tanh.aliases, r"\mathrm{ReLU}")))
    with pytest.raises(
        registry.RegistryError, match=r"alias '\\\\mathrm\{ReLU\}' of 'tanh' is already a name of 'relu'"
    ):
        registry.check(bad, LOSSES)


def test_check_rejects_an_alias_that_is_another_entrys_name_up_to_spelling():
    silu = registry.ACTIVATIONS["silu"]
    with pytest.raises(registry.RegistryError, match="already a name of 'gelu-tanh'"):
        registry.check((*ACTS, replace(silu, name="silu2", aliases=("GELU_tanh",))), LOSSES)


def test_check_rejects_a_missing_forward_and_an_undeclared_kink_convention():
    relu = registry.ACTIVATIONS["relu"]
    others = tuple(a for a in ACTS if a.name != "relu")
    with pytest.raises(registry.RegistryError, match="'relu' lacks its jax forward"):
        registry.check((*others, replace(relu, jax=None)), LOSSES)
    with pytest.raises(registry.RegistryError, match="need the convention"):
        registry.check((*others, replace(relu, at_kink="")), LOSSES)


def test_check_rejects_a_loss_without_forwards_or_stand_in():
    generic = registry.LOSSES[registry.GENERIC]
    others = tuple(loss for loss in LOSSES if loss.name != registry.GENERIC)
    with pytest.raises(registry.RegistryError, match="needs its sympy, numpy and jax forwards"):
        registry.check(ACTS, (*others, replace(generic, stand_in="")))


# --- names as people write them ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "name"),
    [
        (r"\operatorname{sigmoid}", "sigmoid"),
        (r"\text{sigm}", "sigmoid"),
        ("logistic", "sigmoid"),
        ("expit", "sigmoid"),
        (r"\mathrm{ReLU}", "relu"),
        ("ReLU", "relu"),
        ("LeakyReLU", "leaky-relu"),
        ("leaky_relu", "leaky-relu"),
        ("SiLU", "silu"),
        ("swish", "silu"),
        ("GELU", "gelu"),
        ("gelu_tanh", "gelu-tanh"),
        ("approximate gelu", "gelu-tanh"),
        (r"\operatorname{gelu-tanh}", "gelu-tanh"),
        ("identity", "identity"),
        ("linear", "identity"),
        (r"\tanh", "tanh"),
        ("sigmod", None),
    ],
)
def test_names_as_people_write_them(written, name):
    assert registry.activation_named(written) == name


def test_an_unknown_activation_lists_the_valid_names_and_an_alias_says_its_name():
    with pytest.raises(InputError, match="expected one of: elu, gelu, gelu-tanh, identity, leaky-relu"):
        registry.activation("sigmod")
    with pytest.raises(InputError, match="'ReLU' is written relu here"):
        registry.activation("ReLU")
    with pytest.raises(InputError, match="'cross-entropy' is written softmax-ce here"):
        registry.loss("cross-entropy")


def test_translated_loss_conventions_are_registered_losses():
    from reports.i18n import LOSS_CONVENTIONS

    for table in LOSS_CONVENTIONS.values():
        assert set(table) <= set(registry.LOSSES)
