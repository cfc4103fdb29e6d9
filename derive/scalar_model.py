"""Notes whose forward equations define scalar quantities over a mini-batch index i = 1 … m
(batch normalization as its paper writes it), read into a small graph of their own.

    \\mu_B = \\frac{1}{m}\\sum_i x_i            a scalar quantity
    \\hat{x}_i = (x_i - \\mu_B)/\\sqrt{\\sigma_B^2 + \\epsilon}   an indexed one (one per example)

A quantity the notes define is an intermediate; an indexed name they never define (`x_i`) is an
input, an unindexed one (`\\gamma`, `\\epsilon`) a parameter. The loss ℓ is a generic function of
the last quantities (those no other equation uses). A claim `\\frac{\\partial \\ell}{\\partial q} = …`
is about the total derivative through every path of the graph (a zero tap on q); its right side
may use `\\frac{\\partial \\ell}{\\partial p}` of any node p, in the same sense.

Text is parsed by `grammars/scalar.lark`, never evaluated. The SymPy proof (`prove`) fixes m
(`PROOF_M`) and stands for the generic ℓ by independent symbols g_k = ∂ℓ/∂u_k (u: the last
quantities' entries), which is exact for first derivatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache
from importlib.resources import files

import sympy as sp
from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput

from derive.claim_parser import ClaimSyntaxError
from derive.disk_cache import lark_parser

PROOF_M = 3  # the batch size of the symbolic graph (and of the numeric one, verify/scalar_check.py)
POSITIVE = (r"\epsilon", r"\varepsilon")  # parameters that are positive by convention
LOSS = r"\ell"

# --- the expression IR of scalar notes --------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Sym:
    """A name as written (`\\mu_B`, `\\hat{x}`, `\\sigma_B^2`), with its index letter (`i`) or None."""

    name: str
    index: str | None = None


@dataclass(frozen=True)
class Add:
    left: Node
    right: Node


@dataclass(frozen=True)
class Mul:
    left: Node
    right: Node


@dataclass(frozen=True)
class Div:
    num: Node
    den: Node


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Pow:
    base: Node
    exponent: Fraction


@dataclass(frozen=True)
class Sqrt:
    arg: Node


@dataclass(frozen=True)
class Sum:
    """Σ over `index` = 1 … m of `body`."""

    index: str
    body: Node


@dataclass(frozen=True)
class Partial:
    """∂ℓ/∂target: the total derivative of the loss through every path."""

    target: Sym


Node = Num | Sym | Add | Mul | Div | Neg | Pow | Sqrt | Sum | Partial
NODES = (Num, Sym, Add, Mul, Div, Neg, Pow, Sqrt, Sum, Partial)


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Add(a, b) | Mul(a, b) | Div(a, b):
            return (a, b)
        case Neg(a) | Pow(a, _) | Sqrt(a) | Sum(_, a):
            return (a,)
    return ()


def walk(node: Node):
    yield node
    for child in children(node):
        yield from walk(child)


def rename(node: Node, powered: frozenset[str]) -> Node:
    """`\\sigma_B^2` as the quantity the notes name so (when they define one), not σ_B squared."""
    match node:
        case Pow(Sym(name, index), e) if e.denominator == 1 and f"{name}^{e.numerator}" in powered:
            return Sym(f"{name}^{e.numerator}", index)
        case Add(a, b):
            return Add(rename(a, powered), rename(b, powered))
        case Mul(a, b):
            return Mul(rename(a, powered), rename(b, powered))
        case Div(a, b):
            return Div(rename(a, powered), rename(b, powered))
        case Neg(a):
            return Neg(rename(a, powered))
        case Pow(a, e):
            return Pow(rename(a, powered), e)
        case Sqrt(a):
            return Sqrt(rename(a, powered))
        case Sum(i, a):
            return Sum(i, rename(a, powered))
        case Partial(t):
            target = rename(t, powered)
            assert isinstance(target, Sym)
            return Partial(target)
    return node


# --- reading ----------------------------------------------------------------------------------


@cache
def _parser() -> Lark:
    text = files(__package__ or "derive").joinpath("grammars", "scalar.lark").read_text(encoding="utf-8")
    return lark_parser(text, parser="lalr", propagate_positions=True, maybe_placeholders=False)


class _ToNodes(Transformer):
    def number(self, items):
        return Num(Fraction(str(items[0])))

    def name(self, items):
        letters = [str(t) for t in items if not (isinstance(t, Token) and t.type == "HAT")]
        return rf"\hat{{{letters[0]}}}" if len(items) == 2 else letters[0]

    def subscript(self, items):
        return str(items[0])

    def symbol(self, items):
        name = items[0]
        if len(items) == 1:
            return Sym(name)
        sub = items[1]
        if (len(sub) == 1 and sub.islower()) or sub.isdigit():  # x_i, x_1: an index, an example
            return Sym(name, sub)
        return Sym(f"{name}_{sub}")  # \mu_B: part of the name

    def exponent(self, items):
        sign = -1 if str(items[0]) == "-" else 1
        numbers = [Fraction(str(t)) for t in items if str(t) != "-"]
        return sign * (numbers[0] / numbers[1] if len(numbers) == 2 else numbers[0])

    def target(self, items):
        if len(items) == 1:
            return items[0]
        return Pow(items[0], items[1])

    def add(self, items):
        return Add(items[0], items[1])

    def sub(self, items):
        return Add(items[0], Neg(items[1]))

    def mul(self, items):
        operands = [i for i in items if not isinstance(i, Token)]
        return Mul(operands[0], operands[1])

    def div(self, items):
        return Div(items[0], items[1])

    def neg(self, items):
        return Neg(items[0])

    def pow(self, items):
        return Pow(items[0], items[1])

    def frac(self, items):
        return Div(items[1], items[2])

    def sqrt(self, items):
        return Sqrt(items[1])

    def partial(self, items):
        _, _, of, _, target = items
        return ("partial", of, target)

    def sum(self, items):
        return Sum(items[1], items[2])

    def sum_range(self, items):
        return str(items[0])

    def bound(self, items):
        return str(items[0])

    def unary(self, items):
        return items[0]

    def atom(self, items):
        inner = [i for i in items if not isinstance(i, Token)]
        return inner[0]

    def start(self, items):
        return tuple(items)


def _resolve_partials(node, text: str):
    """("partial", ℓ, target) → Partial(target); ∂ of anything but ℓ is not read."""
    if isinstance(node, tuple) and node and node[0] == "partial":
        _, of, target = node
        if of != Sym(LOSS):
            raise ClaimSyntaxError(text, 0, r"a derivative of the loss, \frac{\partial \ell}{\partial …}")
        return Partial(target)
    return node


def parse_scalar(text: str) -> tuple[Node, Node]:
    """The two sides of `lhs = rhs`. Raises `ClaimSyntaxError`."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        position = getattr(e, "pos_in_stream", None) or 0
        if isinstance(e, UnexpectedCharacters):
            position = e.pos_in_stream
        raise ClaimSyntaxError(
            text, position, "a scalar equation of the notes (x_i, \\mu_B, \\sum_i, \\sqrt{})"
        ) from None
    except LarkError as e:
        raise ClaimSyntaxError(text, 0, str(e)) from None
    return tuple(_fix(side, text) for side in _ToNodes().transform(tree))  # type: ignore[return-value]


def _fix(node, text: str) -> Node:
    """The transformer's partial tuples as `Partial` nodes, everywhere in the tree."""
    node = _resolve_partials(node, text)
    match node:
        case Add(a, b):
            return Add(_fix(a, text), _fix(b, text))
        case Mul(a, b):
            return Mul(_fix(a, text), _fix(b, text))
        case Div(a, b):
            return Div(_fix(a, text), _fix(b, text))
        case Neg(a):
            return Neg(_fix(a, text))
        case Pow(a, e):
            return Pow(_fix(a, text), e)
        case Sqrt(a):
            return Sqrt(_fix(a, text))
        case Sum(i, a):
            return Sum(i, _fix(a, text))
    assert isinstance(node, NODES)
    return node


# --- which documents are scalar notes ---------------------------------------------------------

# batch statistics: μ_B, σ_B (not the sigmoid σ), x̂; γ and β count only beside them
_SCALAR_NAMES = re.compile(r"\\(mu|sigma)\s*_\s*\{?\s*B(?![A-Za-z])|\\hat\s*\{?\s*x")
_SCALE_SHIFT = re.compile(r"\\(gamma|beta)(?![A-Za-z])")


def names_scalar_quantities(texts: list[str]) -> bool:
    """Equations that name batch statistics (μ_B, σ_B², x̂_i, and then γ, β) instead of a network's
    a, z, W, b."""
    if any(_SCALAR_NAMES.search(t) for t in texts):
        return True
    return any(_SCALE_SHIFT.search(t) for t in texts) and not any("_" in t and "W" in t for t in texts)


# the batch-norm paper's forward equations: what to add when the notes state none for a name
PAPER = {
    r"\mu_B": r"\mu_B = \frac{1}{m}\sum_i x_i",
    r"\sigma_B^2": r"\sigma_B^2 = \frac{1}{m}\sum_i (x_i - \mu_B)^2",
    r"\hat{x}": r"\hat{x}_i = (x_i - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}",
    "y": r"y_i = \gamma \hat{x}_i + \beta",
    r"\gamma": r"y_i = \gamma \hat{x}_i + \beta",
    r"\beta": r"y_i = \gamma \hat{x}_i + \beta",
}
_PAPER_ORDER = ("y", r"\hat{x}", r"\sigma_B^2", r"\mu_B")  # from the loss back to the input


class ModelNotStated(ClaimSyntaxError):
    """A claim about names no forward equation of the notes connects to the loss: `missing`
    (as written, e.g. `\\gamma`, `y_i`) and the forward equations to add (`add`, LaTeX)."""

    def __init__(self, text: str, missing: tuple[str, ...], add: tuple[str, ...]) -> None:
        self.missing, self.add = missing, add
        super().__init__(
            text,
            0,
            "the model is not stated: no forward equation of the notes computes "
            + ", ".join(missing)
            + "; add "
            + " and ".join(add),
        )


# --- the model --------------------------------------------------------------------------------


class NodeKind(StrEnum):
    INPUT = "input"  # indexed, never defined: x_i
    PARAMETER = "parameter"  # unindexed, never defined: \gamma, \beta, \epsilon
    QUANTITY = "quantity"  # defined by a forward equation


@dataclass(frozen=True)
class Definition:
    name: str
    indexed: bool
    index: str | None
    expr: Node
    line: int
    written: str


@dataclass(frozen=True)
class ScalarModel:
    """The notes' forward equations, in an order that computes each quantity after those it
    uses; `last` are the quantities the loss ℓ reads (those no other equation uses)."""

    definitions: tuple[Definition, ...]
    inputs: tuple[str, ...]
    parameters: tuple[str, ...]
    last: tuple[str, ...]

    def kind(self, name: str) -> NodeKind | None:
        if any(d.name == name for d in self.definitions):
            return NodeKind.QUANTITY
        if name in self.inputs:
            return NodeKind.INPUT
        if name in self.parameters:
            return NodeKind.PARAMETER
        return None

    def indexed(self, name: str) -> bool:
        return name in self.inputs or any(d.name == name and d.indexed for d in self.definitions)

    def definition(self, name: str) -> Definition:
        return next(d for d in self.definitions if d.name == name)


@dataclass(frozen=True)
class ScalarClaim:
    """`\\frac{\\partial \\ell}{\\partial target} = right`, free index `index` when the target is
    indexed (one claim per example)."""

    target: Sym
    right: Node


def _lhs_name(node: Node) -> tuple[str, str | None] | None:
    match node:
        case Sym(name, index):
            return name, index
        case Pow(Sym(name, index), e) if e.denominator == 1:
            return f"{name}^{e.numerator}", index
    return None


def _symbols(node: Node) -> set[Sym]:
    """The names `node` uses as values (not those it differentiates by)."""
    if isinstance(node, Sym):
        return {node}
    if isinstance(node, Partial):
        return set()
    return set().union(*(_symbols(c) for c in children(node)))


def build_model(equations: list[tuple[int, str, Node, Node]]) -> ScalarModel:
    """The graph of the forward equations (line, text, lhs, rhs). Raises `ClaimSyntaxError` for a
    left side that is not a name, a name defined twice, or a cycle."""
    found: dict[str, Definition] = {}
    for line, text, lhs, rhs in equations:
        named = _lhs_name(lhs)
        if named is None:
            raise ClaimSyntaxError(text, 0, "a name on the left (\\mu_B, \\hat{x}_i)")
        name, index = named
        if name in found:
            raise ClaimSyntaxError(text, 0, f"one forward equation for {name}; it has two")
        found[name] = Definition(name, index is not None, index, rhs, line, text)
    powered = frozenset(n for n in found if "^" in n)
    found = {
        k: Definition(d.name, d.indexed, d.index, rename(d.expr, powered), d.line, d.written)
        for k, d in found.items()
    }
    uses = {k: {s.name for s in _symbols(d.expr)} for k, d in found.items()}
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            d = found[name]
            raise ClaimSyntaxError(d.written, 0, f"forward equations without a cycle; {name} uses itself")
        visiting.add(name)
        for used in sorted(uses[name] & set(found)):
            visit(used)
        visiting.discard(name)
        order.append(name)

    for name in found:
        visit(name)
    free = {s for d in found.values() for s in _symbols(d.expr) if s.name not in found}
    inputs = sorted({s.name for s in free if s.index is not None} - {"m"})
    parameters = sorted({s.name for s in free if s.index is None} - {"m"} - set(inputs))
    used_by_others = set().union(*uses.values()) if uses else set()
    last = tuple(n for n in order if n not in used_by_others)
    return ScalarModel(tuple(found[n] for n in order), tuple(inputs), tuple(parameters), last)


def powered_names(model: ScalarModel) -> frozenset[str]:
    return frozenset(d.name for d in model.definitions if "^" in d.name)


def claim_of(text: str, lhs: Node, rhs: Node, model: ScalarModel) -> ScalarClaim:
    """The claim `∂ℓ/∂target = rhs` about `model`. Raises `ClaimSyntaxError`, `ModelNotStated`
    when it names a node the forward equations do not connect to ℓ."""
    if not isinstance(lhs, Partial):
        raise ClaimSyntaxError(text, 0, r"a left side \frac{\partial \ell}{\partial …}")
    powered = powered_names(model)
    target = rename(lhs.target, powered)
    right = rename(rhs, powered)
    assert isinstance(target, Sym)
    named = [target] + [n.target for n in walk(right) if isinstance(n, Partial)]
    named += list(_symbols(right))
    missing = [s for s in named if s.name != "m" and model.kind(s.name) is None]
    if model.kind(target.name) is None and target not in missing:
        missing.insert(0, target)
    if missing:
        shown = tuple(dict.fromkeys(f"{s.name}_{s.index}" if s.index else s.name for s in missing))
        wanted = {s.name for s in missing}
        add = tuple(dict.fromkeys(PAPER[n] for n in (*_PAPER_ORDER, r"\gamma", r"\beta") if n in wanted))
        if not add:
            add = (f"a forward equation for {shown[0]}",)
        raise ModelNotStated(text, shown, add)
    if target.index is not None and not model.indexed(target.name):
        raise ClaimSyntaxError(text, 0, f"{target.name} without an index: it is one number per batch")
    for node in walk(right):  # every index bound by a sum, or the target's own
        if isinstance(node, Sym | Partial):
            sym = node if isinstance(node, Sym) else node.target
            if sym.index is not None and not model.indexed(sym.name):
                raise ClaimSyntaxError(text, 0, f"{sym.name} without an index: it is one number per batch")
    return ScalarClaim(target, right)


# --- SymPy: the graph with m = PROOF_M and a generic ℓ ----------------------------------------


class ProofStatus(StrEnum):
    PROVED = "proved"
    REFUTED = "refuted"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class ScalarProof:
    """claim − truth: zero (`PROVED`), or not (`REFUTED`, with `point` the exact inputs where
    it is not). `vanishing`: the sides differ by terms that sum to zero once the forward
    equations are substituted (Σ(x_i − μ_B) = 0), i.e. they differ with the quantities free."""

    status: ProofStatus
    vanishing: bool = False
    residual: str = ""


class Symbolic:
    """The model's nodes as SymPy symbols (each quantity free, `local`) and as functions of the
    inputs and parameters (`full`), and every node's adjoint ∂ℓ/∂node by the chain rule."""

    def __init__(self, model: ScalarModel, m: int = PROOF_M) -> None:
        self.model, self.m = model, m
        self.free: dict[tuple[str, int | None], sp.Symbol] = {}
        for name in model.inputs:
            for k in range(m):
                self.free[(name, k)] = sp.Symbol(f"{name}_{k + 1}", real=True)
        for name in model.parameters:
            self.free[(name, None)] = sp.Symbol(name, positive=name in POSITIVE, real=True)
        local: dict[tuple[str, int | None], sp.Expr] = {}  # each entry's definition, quantities free
        for d in model.definitions:
            for k in range(m) if d.indexed else (None,):
                self.free[(d.name, k)] = sp.Symbol(f"{d.name}_{'' if k is None else k + 1}", real=True)
                env = {d.index: k} if k is not None and d.index else {}
                local[(d.name, k)] = self.expr(d.expr, env, {})
        self.local = local
        self.full: dict[sp.Symbol, sp.Expr] = {}  # quantity symbol → in inputs and parameters
        for key, e in local.items():
            self.full[self.free[key]] = e.xreplace(self.full)
        last = [(n, k) for n in model.last for k in (range(m) if model.indexed(n) else (None,))]
        self.g = {
            key: sp.Symbol(f"g_{key[0]}_{'' if key[1] is None else key[1] + 1}", real=True) for key in last
        }
        adjoint: dict[tuple[str, int | None], sp.Expr] = {key: self.g[key] for key in last}
        for key in reversed(list(local)):  # reverse topological: every user of a node first
            adjoint.setdefault(key, sp.Integer(0))
        for key in list(self.free):
            adjoint.setdefault(key, sp.Integer(0))
        for key in reversed(list(local)):
            contribution = adjoint[key]
            for used in local[key].free_symbols:
                used_key = next(k for k, s in self.free.items() if s == used)
                adjoint[used_key] = adjoint[used_key] + contribution * sp.diff(local[key], used)
        self.adjoint = adjoint

    def key(self, sym: Sym, env: dict[str, int]) -> tuple[str, int | None]:
        if self.model.indexed(sym.name):
            if sym.index is not None and sym.index.isdigit() and 1 <= int(sym.index) <= self.m:
                return sym.name, int(sym.index) - 1
            if sym.index is None or sym.index not in env:
                raise ClaimSyntaxError(sym.name, 0, f"{sym.name} with an index bound by a sum")
            return sym.name, env[sym.index]
        return sym.name, None

    def expr(self, node: Node, env: dict[str, int], adjoints: dict) -> sp.Expr:
        """`node` with each name as its free symbol and each ∂ℓ/∂p as p's adjoint."""
        e = self.expr
        match node:
            case Num(v):
                return sp.Rational(v.numerator, v.denominator)
            case Sym("m", None):
                return sp.Integer(self.m)
            case Sym():
                return self.free[self.key(node, env)]
            case Add(a, b):
                return e(a, env, adjoints) + e(b, env, adjoints)
            case Mul(a, b):
                return e(a, env, adjoints) * e(b, env, adjoints)
            case Div(a, b):
                return e(a, env, adjoints) / e(b, env, adjoints)
            case Neg(a):
                return -e(a, env, adjoints)
            case Pow(a, x):
                return e(a, env, adjoints) ** sp.Rational(x.numerator, x.denominator)
            case Sqrt(a):
                return sp.sqrt(e(a, env, adjoints))
            case Sum(i, body):
                return sp.Add(*(e(body, {**env, i: k}, adjoints) for k in range(self.m)))
            case Partial(target):
                return self.adjoint[self.key(target, env)]
        raise TypeError(f"no SymPy meaning for {type(node).__name__}")

    def sides(self, claim: ScalarClaim) -> list[tuple[sp.Expr, sp.Expr]]:
        """(claimed, true) per entry of the target, with the quantities free."""
        entries = range(self.m) if self.model.indexed(claim.target.name) else (None,)
        out = []
        for k in entries:
            env = {claim.target.index: k} if k is not None and claim.target.index else {}
            out.append((self.expr(claim.right, env, self.adjoint), self.adjoint[(claim.target.name, k)]))
        return out

    def substituted(self, e: sp.Expr) -> sp.Expr:
        return e.xreplace(self.full)


def prove(symbolic: Symbolic, claim: ScalarClaim) -> ScalarProof:
    """claim − truth ≡ 0 for every entry, with the forward equations substituted."""
    vanishing = False
    residuals = []
    for claimed, true in symbolic.sides(claim):
        local = sp.simplify(claimed - true)
        if local == 0:
            continue
        full = symbolic.substituted(local)
        if sp.simplify(sp.expand(full)) == 0 or sp.simplify(full) == 0:
            vanishing = True
            continue
        residuals.append(full)
    if not residuals:
        return ScalarProof(ProofStatus.PROVED, vanishing)
    # refuted when the residual is nonzero at an exact point (checked at 50 digits)
    residual = residuals[0]
    point = {
        s: sp.Rational(k + 2, 7 + k) * (1 if k % 2 else -1)
        for k, s in enumerate(sorted(residual.free_symbols, key=str))
    }
    for s in point:
        if s.is_positive:
            point[s] = abs(point[s])
    value = residual.xreplace(point).evalf(50)
    if value.is_number and abs(value) > sp.Float("1e-30"):
        return ScalarProof(ProofStatus.REFUTED, residual=sp.sstr(residual))
    return ScalarProof(ProofStatus.UNDECIDED, residual=sp.sstr(residual))


# --- a document's scalar notes ----------------------------------------------------------------


@dataclass(frozen=True)
class ScalarNotes:
    """A document read as scalar notes: its model (None when a forward equation could not be
    read; each claim then says why) and each claim as read (None: see the claim's problem)."""

    model: ScalarModel | None
    claims: tuple[ScalarClaim | None, ...]
