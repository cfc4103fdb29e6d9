"""A `Proof` (derive/proof.py) as JSON data and back: what the disk cache keeps of SymPy's work.

`to_data(proof)` writes every field but the identity and the setting (the cache's key holds
them); `from_data(data, identity, setting)` builds the proof again. SymPy expressions are written
as trees of a closed vocabulary, never as code:

- numbers exactly (integers, rationals, a Float's binary digits and precision), SymPy's
  singletons (`pi`, `oo`) by name, symbols by name and their assumptions;
- a node of one of SymPy's own classes by the class's name, looked up in SymPy's namespace and
  accepted only when it is a SymPy `Basic` class;
- an application of one of derive's function classes (the generic `f`, `f'`, `ℓ`, `∂_k ℓ`, a
  concrete activation and its derivative) by the cached factory that makes that class in every
  process: `layer_functions(setting, layer)`, `generic_loss(outputs)` (SymPy tells such classes
  apart by identity, so a class made anew under the same name would not be the same function).

Reading calls those constructors and factories, nothing else. Anything outside the vocabulary
(a `Dummy`, a class of another module, a field of a new type) raises `Unwritable`, and that proof
is not cached. `to_data` reads its own output back and raises `Unwritable` unless the proof it
gets is equal to the one it was given, so a cached proof is the proof.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.core.singleton import Singleton

from derive.budget import Budget
from derive.generic import f, f_prime, generic_loss
from derive.identities import Identity
from derive.model import Setting, concrete_activation, layer_functions
from derive.proof import Counterexample, Method, Proof, Status
from derive.registry import ACTIVATIONS

_PACKAGE = __name__.rpartition(".")[0] + "."  # "derive.", or "derivcheck.derive." in the wheel
_RECORDS: dict[str, type] = {"Counterexample": Counterexample, "Budget": Budget}
_ENUMS: dict[str, type[Enum]] = {"Status": Status, "Method": Method}


class Unwritable(ValueError):
    """A proof (or a part of it) this format does not hold: it is not cached."""


@dataclass(frozen=True)
class _Functions:
    """derive's function classes a setting's proofs may apply, each with its recipe."""

    setting: Setting

    def recipe(self, cls: type) -> list:
        if cls is f:
            return ["f"]
        if cls is f_prime:
            return ["f'"]
        for layer in self.setting.layers:
            for k, made in enumerate(layer_functions(self.setting, layer)):
                if made is cls:
                    return ["layer", layer, k]
        for name in ACTIVATIONS:  # a concrete function a loss applies (bce's sigmoid)
            if name.replace("-", "_") in (cls.__name__, cls.__name__.removesuffix("_prime")):
                for slope in {self.setting.slope, None}:
                    for k, made in enumerate(concrete_activation(name, slope)):
                        if made is cls:
                            return ["act", name, _fraction(slope), k]
        nargs: Any = getattr(cls, "nargs", ())  # a FiniteSet of argument counts
        counts = list(nargs) if isinstance(nargs, (set, frozenset, sp.FiniteSet)) else []
        for outputs in counts:
            ell, partials = generic_loss(int(outputs))
            for k, made in enumerate((ell, *partials)):
                if made is cls:
                    return ["loss", int(outputs), k]
        raise Unwritable(f"function {cls.__name__} of {cls.__module__}")

    def cls(self, recipe: list) -> type:
        match recipe:
            case ["f"]:
                return f
            case ["f'"]:
                return f_prime
            case ["layer", int(layer), int(k)] if layer in self.setting.layers and k in (0, 1):
                return layer_functions(self.setting, layer)[k]
            case ["act", str(name), slope, int(k)] if name in ACTIVATIONS and k in (0, 1):
                return concrete_activation(name, _read(slope, []))[k]
            case ["loss", int(outputs), int(k)] if 0 < outputs <= 1 << 16 and 0 <= k <= outputs:
                ell, partials = generic_loss(outputs)
                return (ell, *partials)[k]
        raise Unwritable(f"recipe {recipe!r}")


def _fraction(value: Fraction | None) -> dict | None:
    return None if value is None else {"fraction": [value.numerator, value.denominator]}


def _sympy_class(name: str) -> type:
    cls = getattr(sp, name, None)
    if isinstance(cls, type) and issubclass(cls, sp.Basic):
        return cls
    raise Unwritable(f"SymPy class {name!r}")


class _Writer:
    """Expressions as one table of distinct subexpressions, children first (SymPy shares them:
    `f(z_21)` occurs in most entries), each node naming its arguments by their index."""

    def __init__(self, functions: _Functions) -> None:
        self.functions = functions
        self.nodes: list[list] = []
        self.index: dict[sp.Basic, int] = {}

    def add(self, e: sp.Basic) -> int:
        if e in self.index:
            return self.index[e]
        node = self._node(e)
        self.index[e] = len(self.nodes)
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _node(self, e: sp.Basic) -> list:
        if type(e) is sp.Symbol:
            assumptions = getattr(e, "_assumptions_orig", None)
            return ["s", e.name, dict(assumptions if assumptions is not None else e.assumptions0)]
        if isinstance(type(e), Singleton):
            return ["c", type(e).__name__]
        if isinstance(e, sp.Integer):
            return ["i", int(e)]
        if isinstance(e, sp.Rational):
            return ["q", int(e.p), int(e.q)]
        if isinstance(e, sp.Float):
            sign, mantissa, exponent, bits = e._mpf_
            return ["n", [int(sign), int(mantissa), int(exponent), int(bits)], int(e._prec)]
        if not e.args:
            raise Unwritable(f"atom {type(e).__name__}")
        args = [self.add(a) for a in e.args]
        if isinstance(e, sp.Function) and type(e).__module__.startswith(_PACKAGE):
            return ["g", self.functions.recipe(type(e)), args]
        if _sympy_class(type(e).__name__) is not type(e):
            raise Unwritable(f"class {type(e).__module__}.{type(e).__name__}")
        return ["a", type(e).__name__, args]


def _build(nodes: list, functions: _Functions) -> list[sp.Basic]:
    """The expressions of a `_Writer`'s table, in its order."""
    built: list[sp.Basic] = []

    def arguments(indices: list) -> list[sp.Basic]:
        if not all(isinstance(i, int) and 0 <= i < len(built) for i in indices):
            raise Unwritable("an argument that is not an earlier node")
        return [built[i] for i in indices]

    for node in nodes:
        match node:
            case ["s", str(name), dict(assumptions)] if all(
                isinstance(v, bool) for v in assumptions.values()
            ):
                built.append(sp.Symbol(name, **assumptions))
            case ["c", str(name)] if isinstance(type(getattr(sp.S, name, None)), Singleton):
                built.append(getattr(sp.S, name))
            case ["i", int(p)]:
                built.append(sp.Integer(p))
            case ["q", int(p), int(q)] if q > 0:
                built.append(sp.Rational(p, q))
            case ["n", [int(sign), int(mantissa), int(exponent), int(bits)], int(precision)]:
                built.append(sp.Float._new((sign, mantissa, exponent, bits), precision))
            case ["g", list(recipe), list(args)]:
                built.append(functions.cls(recipe)(*arguments(args)))
            case ["a", str(name), list(args)]:
                built.append(_sympy_class(name)(*arguments(args)))
            case _:
                raise Unwritable(f"node {str(node)[:80]}")
    return built


def _value(value: Any, writer: _Writer) -> Any:
    if isinstance(value, Enum):  # before str: Status and Method are StrEnums
        if _ENUMS.get(type(value).__name__) is not type(value):
            raise Unwritable(f"enum {type(value).__name__}")
        return {"enum": type(value).__name__, "value": value.value}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, sp.ImmutableMatrix):
        return {"matrix": [value.rows, value.cols], "entries": [writer.add(e) for e in value]}
    if isinstance(value, Fraction):
        return _fraction(value)
    if _RECORDS.get(type(value).__name__) is type(value):
        record = {field.name: _value(getattr(value, field.name), writer) for field in fields(value)}
        return {"record": type(value).__name__, "fields": record}
    if isinstance(value, tuple):
        return {"tuple": [_value(v, writer) for v in value]}
    raise Unwritable(f"a field's {type(value).__name__}")


def _read(value: Any, built: list[sp.Basic]) -> Any:
    if not isinstance(value, dict):
        return value
    match value:
        case {"enum": str(name), "value": str(v)} if name in _ENUMS:
            return _ENUMS[name](v)
        case {"matrix": [int(rows), int(cols)], "entries": list(entries)} if len(entries) == rows * cols:
            if not all(isinstance(i, int) and 0 <= i < len(built) for i in entries):
                raise Unwritable("an entry that is not a node")
            return sp.ImmutableMatrix(rows, cols, [built[i] for i in entries])
        case {"fraction": [int(p), int(q)]} if q > 0:
            return Fraction(p, q)
        case {"record": str(name), "fields": dict(record)} if name in _RECORDS:
            return _RECORDS[name](**{k: _read(v, built) for k, v in record.items()})
        case {"tuple": list(items)}:
            return tuple(_read(v, built) for v in items)
    raise Unwritable(f"value {str(value)[:80]}")


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types field by field (a StrEnum equals its string)."""
    if type(a) is not type(b):
        return False
    if a is not None and type(a) in (Proof, *_RECORDS.values()):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def to_data(proof: Proof) -> dict:
    """`proof` as JSON data, checked to read back as an equal proof; `Unwritable` otherwise."""
    if proof.setting is None:
        raise Unwritable("a proof without its setting")
    writer = _Writer(_Functions(proof.setting))
    values = {
        field.name: _value(getattr(proof, field.name), writer)
        for field in fields(proof)
        if field.name not in ("identity", "setting")
    }
    data = {"nodes": writer.nodes, "fields": values}
    if not _same(from_data(data, proof.identity, proof.setting), proof):
        raise Unwritable("a proof that does not read back as itself")
    return data


def from_data(data: dict, identity: Identity, setting: Setting) -> Proof:
    """The proof `to_data` wrote (its identity and setting given); `Unwritable` for anything else."""
    try:
        built = _build(data["nodes"], _Functions(setting))
        values = {name: _read(value, built) for name, value in data["fields"].items()}
        return Proof(identity=identity, setting=setting, **values)
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as e:  # not a proof of ours
        raise Unwritable(str(e)[:80]) from None
