"""Every interpreter of the formula IR handles every node type, or says it does not.

One instance of each node of `derive.formula.Formula` on the seed network (4 → 3, sigmoid, mse)
goes through every interpreter: `shape`, `rewrite`, `layers_of`, `to_text`, `to_latex`,
`evaluate` (SymPy), `entrywise` (index form), `normal` (slips) and `value` (the oracle's
numbers). Each must give a result, or raise `Unsupported` where `UNSUPPORTED` says so — never a
bare TypeError, AttributeError or None. A node added to the union fails here until it has an
instance below and a case in every interpreter (or an entry in `UNSUPPORTED`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, get_args

import numpy as np
import pytest
import sympy as sp

from derive import Identity, Network
from derive.evaluate import dims, evaluate
from derive.formula import (
    KINDS,
    Activate,
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Correlate,
    Diag,
    Equal,
    ExampleLoss,
    Fill,
    Flip,
    Formula,
    FPrime,
    Function,
    Grad,
    Hadamard,
    Kron,
    LogSoftmax,
    MatMul,
    MatrixApply,
    MaxAxis,
    MaxPool,
    MeanAxis,
    Ones,
    Ref,
    Repeat,
    Scale,
    ShapeMismatch,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
    Var,
    layers_of,
    rewrite,
    shape,
    to_latex,
    to_text,
)
from derive.model import setting
from derive.notation import entrywise
from derive.slips import normal
from derive.symbols import network_symbols

SEED = Network()  # 4 → 3, sigmoid, mse, one example
KEY = setting(SEED, generic=False)
DIMS = dims(KEY)

a1, z1, W1, delta2 = Var("a", 1), Var("z", 1), Var("W", 1), Var("delta", 2)

# one instance per node type, each with shapes that fit the seed network
INSTANCES: dict[type, Formula] = {
    Var: delta2,
    Ones: Ones(),
    Column: Column((Fraction(1), Fraction(-1, 2), Fraction(3))),
    Transpose: Transpose(a1),
    MatMul: MatMul(delta2, Transpose(a1)),
    Hadamard: Hadamard(MatMul(Transpose(W1), delta2), FPrime(z1)),
    Add: Add(Var("a", 2), Var("z", 2)),
    Scale: Scale(Fraction(1, 2), delta2),
    FPrime: FPrime(z1),
    Activate: Activate(z1),
    Softmax: Softmax(Var("z", 2)),
    Grad: Grad(W1),
    Diag: Diag(a1),
    SumAxis: SumAxis(W1, 1),
    Broadcast: Broadcast(delta2, Transpose(a1)),
    Fill: Fill(Fraction(1), a1),
    # a named function in a claim is itself (σ the sigmoid, tanh' whatever the layer's f)
    Apply: Apply(Function("sigmoid"), z1),
    ApplyPrime: ApplyPrime(Function("tanh"), z1),
    # the model IR's forward-equation nodes (derive/model_ir.py)
    Ref: Ref("z1"),
    ExampleLoss: ExampleLoss("mse", Var("z", 2), Ref("y"), Function("sigmoid")),
    MeanAxis: MeanAxis(W1, 1),
    # a function of a whole matrix (the Matrix Cookbook's identities, derive/matrix_identity.py)
    MatrixApply: MatrixApply("sqnorm", W1),
    # a model file's NumPy `+` with broadcasting and its log-softmax (derive/model_formula.py)
    BroadcastAdd: BroadcastAdd(MatMul(W1, a1), Var("b", 1)),
    LogSoftmax: LogSoftmax(Var("z", 2), 0),
    # a model file's windows, maxima and masks (convolution, pooling; derive/model_formula.py)
    Correlate: Correlate(Var("a", 1), Var("b", 1), axis=0),
    Flip: Flip(W1),
    Repeat: Repeat(a1, 2, 0),
    MaxAxis: MaxAxis(W1, 0),
    MaxPool: MaxPool(a1, (2, 1), (2, 1), 0),
    Equal: Equal(W1, MaxAxis(W1, 0)),
    # the Kronecker product (a model file's kron, the Cookbook's ⊗): 4×1 ⊗ 1×4 is 4×4
    Kron: Kron(a1, Transpose(a1)),
}

# the nodes an interpreter deliberately leaves out (it raises Unsupported for them)
UNSUPPORTED: dict[str, set[type]] = {
    # the index forms of the built-in identities only (softmax and σ: the output layer's δ_L)
    "entrywise": {Activate, Grad, Diag, SumAxis, Broadcast, Fill, Column, ApplyPrime},
}
# forward-equation nodes: interpreted by the model IR's own interpreters (the JAX oracle, SymPy's
# forward pass, model validation); the claim interpreters name them as unsupported
_IR = {Ref, ExampleLoss, MeanAxis}
for _name in ("shape", "layers_of", "to_text", "to_latex", "evaluate", "entrywise", "normal", "value"):
    UNSUPPORTED[_name] = UNSUPPORTED.get(_name, set()) | _IR
# matrix functions: in matrix identities and model files only, whose witnesses interpret the model
# IR (derive/model_proof.py, verify/model_check.py); a network's claims do not write them
for _name in ("evaluate", "entrywise", "value"):  # `normal` rewrites through it generically
    UNSUPPORTED[_name] = UNSUPPORTED[_name] | {MatrixApply}
# a model file's nodes: in model files only, whose witnesses interpret the model IR
# (derive/ir_sympy.py, verify/ir_numpy.py, the JAX oracle); a network's claims do not write them
for _name in ("evaluate", "entrywise", "value"):
    UNSUPPORTED[_name] = UNSUPPORTED[_name] | {
        BroadcastAdd,
        LogSoftmax,
        Correlate,
        Flip,
        Repeat,
        MaxAxis,
        MaxPool,
        Equal,
        Kron,
    }


@pytest.fixture(scope="module")
def oracle():
    from verify.claim_values import oracle_values
    from verify.sampling import sample

    return oracle_values(SEED, sample(SEED, 3, seed=0))


def _interpreters(oracle) -> dict[str, Callable[[Any], object]]:
    from verify.claim_values import value

    return {
        "shape": lambda f: shape(f, DIMS),
        "rewrite": lambda f: rewrite(f, lambda n: None),
        "layers_of": layers_of,
        "to_text": to_text,
        "to_latex": to_latex,
        "evaluate": lambda f: evaluate(f, KEY),
        "entrywise": lambda f: entrywise(Identity("coverage", W1, f), DIMS)[1],
        "normal": lambda f: normal(f, SEED.factor),
        "value": lambda f: value(f, oracle),
    }


def _check_result(name: str, node: Formula, result: object, oracle) -> None:
    """A handled node gives a result of the interpreter's kind, consistent with `shape`."""
    rows, cols = shape(node, DIMS)
    match name:
        case "shape":
            assert result == (rows, cols)
        case "rewrite":
            assert result == node  # a rule that replaces nothing
        case "normal":  # reads NumPy's * as ∘ even where shapes differ: structure only
            assert isinstance(result, get_args(Formula))
        case "layers_of":
            assert isinstance(result, set) and result <= {1, 2}
        case "to_text" | "to_latex":
            assert isinstance(result, str) and result
        case "evaluate":
            assert isinstance(result, sp.ImmutableMatrix) and result.shape == (rows, cols)
        case "entrywise":
            assert isinstance(result, sp.Expr)
        case "value":
            assert isinstance(result, np.ndarray) and result.shape == (oracle.points.count, rows, cols)


def test_every_node_type_has_an_instance():
    """A node added to `Formula` needs an instance above (and then a case in each interpreter)."""
    missing = set(get_args(Formula)) - set(INSTANCES)
    assert not missing, f"add an instance of {sorted(t.__name__ for t in missing)} to INSTANCES"
    assert all(type(node) is t for t, node in INSTANCES.items())


@pytest.mark.parametrize("node_type", get_args(Formula), ids=lambda t: t.__name__)
def test_every_interpreter_handles_or_names_the_node(node_type, oracle):
    node = INSTANCES.get(node_type)
    if node is None:
        pytest.fail(f"no instance of {node_type.__name__} in INSTANCES")
    problems = []
    for name, interpret in _interpreters(oracle).items():
        try:
            result = interpret(node)
        except Unsupported as e:
            assert e.node_type is not None and e.interpreter
            if node_type not in UNSUPPORTED.get(name, set()):
                problems.append(f"{name}: {e}")
            continue
        except ShapeMismatch:  # handled: a model's tensor has no shape among a network's claims
            if node_type not in _IR:
                problems.append(f"{name}: ShapeMismatch on {node_type.__name__}")
            continue
        if node_type in UNSUPPORTED.get(name, set()) and node_type not in _IR:
            problems.append(f"{name} handles {node_type.__name__} now: remove it from UNSUPPORTED")
        elif result is None:
            problems.append(f"{name} returned None")
        else:
            if node_type not in _IR:  # a forward-equation node's shape needs its model's tensors
                _check_result(name, node, result, oracle)
    assert not problems, "\n".join(problems)


# one Var of each kind (the target y included): an interpreter's case for Var must know every kind
KIND_INSTANCES = [Var(kind, 1 if kind in ("W", "b") else 2) for kind in KINDS]


@pytest.mark.parametrize("var", KIND_INSTANCES, ids=lambda v: v.kind)
def test_every_interpreter_handles_every_kind_of_variable(var, oracle):
    for name, interpret in _interpreters(oracle).items():
        _check_result(name, var, interpret(var), oracle)


def test_the_target_is_the_sampled_y_in_every_witness(oracle):
    """`y` is the target, n_L × B: the samples' y in NumPy, the y symbols in SymPy, `y`/`Y` in print."""
    y = Var("y", 2)
    assert np.array_equal(_interpreters(oracle)["value"](y), oracle.points.y)
    assert evaluate(y, KEY) == network_symbols(KEY).y
    assert (to_text(y), to_latex(y), to_text(y, batched=True), to_latex(y, batched=True)) == (
        "y",
        "y",
        "Y",
        "Y",
    )
    assert layers_of(y) == {2}
    with pytest.raises(ShapeMismatch, match="the target y belongs to the last layer"):
        shape(Var("y", 1), DIMS)


@dataclass(frozen=True)
class Stranger:
    """A dataclass shaped like a node that is not in the union."""

    operand: Formula


@pytest.mark.parametrize("stranger", [Stranger(a1), "a1", None], ids=["dataclass", "str", "None"])
def test_a_non_node_raises_unsupported_everywhere(stranger, oracle):
    """Not a bare TypeError or AttributeError, and never a silent result."""
    for name, interpret in _interpreters(oracle).items():
        with pytest.raises(Unsupported) as caught:
            interpret(stranger)
        assert caught.value.node_type is type(stranger), name
