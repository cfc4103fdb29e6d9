"""Notes whose forward equations are a model of their own — linear, logistic or softmax
regression, any chain `name = expression` that ends in a scalar loss — read into the model IR
(derive/model_ir.py), so that their claims go through the model pipeline (verify/model_check.py)
exactly as a model file's do; and a document's claims about a model file's tensors
(`derivcheck check notes.md --model model.toml`, `claims_about`).

    \\hat{y} = X w,   L = \\frac{1}{2m} \\|X w - y\\|^2,   \\nabla_w L = \\frac{1}{m} X^T (X w - y)
    z = W x + b,   p = \\mathrm{softmax}(z),   L = -\\sum_k y_k \\log p_k
    \\frac{\\partial L}{\\partial z_k} = p_k - y_k,   \\frac{\\partial L}{\\partial W_{ij}} = (p_i - y_i) x_j

The expressions are read by derive/latex_model.py. Shapes are not written, so they are chosen
as for the Cookbook (derive/matrix_identity.py): dimensions the equations tie together form a
class, each class its own size (3, 2, 4, …), the loss 1 × 1. `m` is the size of the one class
that data tensors have and no parameter has. Roles by letter: `W`, `w`, `b`, `θ`, `V`, `U`
parameters; `y`, `t` targets (one-hot, each column summing to 1, under a cross-entropy); every
other letter an input.

The reading fails (`NotAModel`, with the reason) on anything else — a generic `f`, an equation
that does not read, one letter for several layers — and the notes are then read as a network
(derive/notes.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

from lark import Token, Tree

from derive.claim_parser import ClaimSyntaxError, parse
from derive.claims import Claim, ClaimNote
from derive.declarations import Declaration
from derive.document import Equation as NotesEquation
from derive.formula import (
    Apply,
    Dims,
    Formula,
    ShapeMismatch,
    Softmax,
    SumAxis,
    Transpose,
    rewrite,
    shape,
)
from derive.latex_model import (
    LOSS_LETTERS,
    NAME_KINDS,
    ONE,
    SCALAR_LETTERS,
    Mismatch,
    Name,
    Number,
    Reader,
    ShapeProblem,
    Tensors,
    Term,
    UnknownTensor,
    Value,
    differential,
    read_name,
    role_of,
    target_of,
)
from derive.model_file import ModelClaim, ModelFile
from derive.model_ir import Equation, Model, ModelError, Role, Tensor

# --- the notes' equations → a model file ----------------------------------------------------

_DIMS = Dims((), 1, 1)
INDEX_LETTERS = ("i", "j", "k")  # free indices on a left side: z_i = …, ∂L/∂W_{ij} = …

SIZES = (3, 2, 4, 5, 6, 7)  # one per class of tied dimensions, in order of appearance


class NotAModel(ValueError):
    """Why the notes' equations are not read as a model (the network reading is used instead)."""


@dataclass(frozen=True)
class _Forward:
    equation: NotesEquation
    head: Name
    right: Tree


def _head(tree: Tree | Token, text: str) -> Name | None:
    """The name a forward equation defines (`z`, `z_i`, `\\hat{y}`, `J(w, b)`), or None."""
    if not isinstance(tree, Tree):
        return None
    if tree.data in NAME_KINDS:
        return read_name(tree, [], INDEX_LETTERS, text)
    if tree.data == "scripted" and isinstance(tree.children[0], Tree) and tree.children[0].data in NAME_KINDS:
        return read_name(tree.children[0], cast(list[Tree], tree.children[1:]), INDEX_LETTERS, text)
    if tree.data == "product":  # J(w, b), L(\hat y, y): a loss with its arguments
        left, right = tree.children[0], tree.children[-1]
        if (
            isinstance(left, Tree)
            and left.data in NAME_KINDS
            and isinstance(right, Tree)
            and right.data in ("vector", "group")
        ):
            read = read_name(left, [], (), text)
            return read if read.name in LOSS_LETTERS else None
    return None


def _forward(
    equations: Sequence[NotesEquation], is_claim
) -> tuple[list[_Forward], list[NotesEquation], list[tuple[Name, Tree, str]]]:
    """(forward equations: a name on the left; claims: a gradient on the left; definitions
    `δ = ∂L/∂z`: the name, the gradient, the text) of the notes."""
    forward, claims, definitions = [], [], []
    for e in equations:
        sides: list[Tree | Token] = []
        head: Name | None = None
        try:
            sides = list(parse(e.text, "latex"))
            head = _head(sides[0], e.text) if len(sides) >= 2 else None
        except ClaimSyntaxError:
            pass
        if (
            head is not None
            and len(sides) == 2
            and isinstance(sides[1], Tree)
            and sides[1].data == "gradient"
        ):
            definitions.append((head, sides[1], e.text))
            continue
        if is_claim(e.text) or (sides and differential(sides[0]) is not None):  # ∂L/∂z = …, Ng's dz = …
            claims.append(e)
            continue
        if head is not None and not head.transpose and head.power is None:
            # ŷ = a = σ(z): a = σ(z), then ŷ = a (each name of the chain defined, the last first)
            names = [head] + [_head(s, e.text) for s in sides[1:-1]]
            if all(n is not None and not n.transpose and n.power is None for n in names):
                for k in reversed(range(len(names))):
                    right = sides[-1] if k == len(names) - 1 else sides[k + 1]
                    forward.append(_Forward(e, cast(Name, names[k]), cast(Tree, right)))
            else:
                forward.append(_Forward(e, head, cast(Tree, sides[1])))
    return forward, claims, definitions


def _define(tensors: Tensors, f: _Forward) -> None:
    """Bind `f`'s right side and record the tensor it defines (its classes, in pass A)."""
    reader = Reader(f.equation.text, tensors, f.head.indices)
    read = reader.bind(f.right)
    if not isinstance(read, Term | Number):
        raise NotAModel(f"line {f.equation.line}: {f.head.written} is the vector of ones or I alone")
    value = read
    if isinstance(value, Number):
        raise NotAModel(f"line {f.equation.line}: {f.head.written} is a number, not a tensor")
    if f.head.indices:
        if set(i for i in value.index if i) != set(f.head.indices):
            raise NotAModel(f"line {f.equation.line}: the right side's free indices are not the left side's")
        if value.index[0] != f.head.indices[0]:
            value = Term(Transpose(value.formula), value.cols, value.rows, (value.index[1], value.index[0]))
    elif value.indexed:
        raise NotAModel(f"line {f.equation.line}: free indices on the right only")
    if f.head.name in tensors.given:  # o_k = σ(Σ_j w_jk o_j): one letter for several layers
        raise NotAModel(f"line {f.equation.line}: {f.head.written} is used before it is defined")
    tensors.dims[f.head.name] = (value.rows, value.cols)
    tensors.written[f.head.name] = f.head.written
    tensors.formulas[f.head.name] = value.formula


def _declare(tensors: Tensors, declared: Sequence[Declaration]) -> None:
    """The sizes the notes declare for their tensors, before any is chosen."""
    c = tensors.classes
    for d in declared:
        try:
            (side,) = parse(d.written, "latex")
            named = _head(side, d.written)
        except (ClaimSyntaxError, ValueError):
            continue
        if named is None or named.name not in tensors.dims:
            continue
        for dim, size in zip(tensors.dims[named.name], (d.rows, d.cols), strict=True):
            root = c.find(dim)
            if c.size.get(root, size) != size:
                raise NotAModel(
                    f"line {d.line}: {d.written} declared {d.rows}×{d.cols}, which the equations do not fit"
                )
            c.size[root] = size


def _choose_sizes(tensors: Tensors, order: Sequence[str]) -> None:
    c, k = tensors.classes, 0
    for name in order:
        for d in tensors.dims[name]:
            root = c.find(d)
            if root not in c.size:
                c.size[root] = SIZES[min(k, len(SIZES) - 1)]
                k += 1


def _examples(tensors: Tensors) -> int | None:
    """The number of examples m: the size of the one class data tensors have and no parameter
    has (the first, in the order the notes use them), or None where there is none."""
    c = tensors.classes
    owned = {c.find(d) for n in tensors.given if role_of(n) == Role.PARAMETER for d in tensors.dims[n]}
    data = [
        c.find(d)
        for n in tensors.given
        if role_of(n) != Role.PARAMETER
        for d in tensors.dims[n]
        if c.find(d) not in owned and not c.one(d)
    ]
    return c.size[data[0]] if data else None


def read_notes_model(
    source: str, equations: Sequence[NotesEquation], is_claim, declared: Sequence[Declaration] = ()
) -> ModelFile:
    """The model the notes' forward equations define, with their claims, as a model file would
    state them; sizes the notes declare (`W \\in \\mathbb{R}^{3 \\times 4}`) are kept. Raises
    `NotAModel` naming why not."""
    forward, claim_equations, definitions = _forward(equations, is_claim)
    losses = [
        k
        for k, f in enumerate(forward)
        if f.head.name in LOSS_LETTERS or f.head.name.rstrip("0123456789") in LOSS_LETTERS
    ]
    if not losses:
        raise NotAModel("no loss is defined (L = …)")
    seen: set[str] = set()
    kept = []
    for f in forward[: losses[-1] + 1]:  # the first definition of each name (a second restates it)
        if f.head.name not in seen:
            seen.add(f.head.name)
            kept.append(f)
    objective = kept[-1].head.name
    if numbered := next((f for f in kept if any(ch.isdigit() for ch in f.head.name)), None):
        # z_2 = W_1 a_1 + b_1, a^{[1]} = σ(z^{[1]}): a layered network's notes (derive/notes.py)
        raise NotAModel(f"line {numbered.equation.line}: {numbered.head.written} numbers a layer")
    shapes, tensors = _read(kept, objective, None, declared)
    examples = _examples(tensors)
    if late := [f for f in forward[losses[-1] + 1 :] if f.head.name in tensors.given]:
        # E = Σ_k (t_k − o_k)², then o_k = σ(…): the loss's inputs are defined below it
        raise NotAModel(f"line {late[0].equation.line}: {late[0].head.written} is defined after the loss")
    if tensors.batch_used:  # the forward equations divide by m: read them again with its value
        if examples is None:
            raise NotAModel("the notes divide by m, but no data tensor has a dimension for the examples")
        shapes, tensors = _read(kept, objective, examples, declared)
    tensors.batch = examples  # a claim's m (where the loss has none, still the number of examples)
    given = [Tensor(n, shapes[n], role_of(n), tensors.written[n]) for n in tensors.given]
    defined = [f.head.name for f in kept]
    inter = [Tensor(n, shapes[n], Role.INTERMEDIATE, tensors.written[n]) for n in defined[:-1]]
    out = Tensor(objective, (1, 1), Role.OBJECTIVE, tensors.written[objective])
    try:
        model = Model(
            (*given, *inter, out),
            tuple(Equation(n, tensors.formulas[n]) for n in defined),
            batch=examples or 1,
        )
    except ModelError as e:
        raise NotAModel(str(e)) from None

    # a softmax (written so, or as e^{z_k} / Σ_j e^{z_j}) against targets: each target column is
    # one class, one-hot (Σ_k y_k = 1, which ∂L/∂z = p − y needs; the scope says so). A sigmoid's
    # cross-entropy needs no such condition (a − y holds for every y): its targets stay normal.
    def normalized(e: Equation) -> bool:
        exp = _has(e.expr, lambda n: isinstance(n, Apply) and n.function.name == "exp")
        return _has(e.expr, lambda n: isinstance(n, Softmax)) or (
            exp and _has(e.expr, lambda n: isinstance(n, SumAxis))
        )

    softmax = any(normalized(e) for e in model.equations)
    one_hot = tuple(t.name for t in given if t.role == Role.TARGET and softmax and t.shape[0] > 1)
    # λ, ε, η, α: positive numbers (a penalty's strength, a step, a smoothing term)
    positive = tuple(t.name for t in given if t.name in SCALAR_LETTERS)
    tensors.frozen, tensors.objective = True, objective
    for head, gradient, text in definitions:  # δ = ∂L/∂z: δ stands for the true gradient
        try:
            tensors.aliases[head.name] = target_of(gradient, text, objective, dict(tensors.written))[0]
        except ClaimSyntaxError as e:
            raise NotAModel(f"{e.message} in {text.strip()}") from None
    claims = tuple(c for e in claim_equations for c in _claims(source, e, model, tensors, shapes))
    if not claims:
        raise NotAModel("no claim about the model's gradients")
    unread = [c for c in claims if c.claim.problem is not None]
    foreign = [c for c in unread if isinstance(c.claim.problem, UnknownTensor)]
    if unread and (foreign or len(unread) == len(claims)):  # about tensors this model lacks
        raise NotAModel(f"line {unread[0].claim.line}: {unread[0].claim.problem}")
    claims = _in_the_notes_layout(claims, model)
    lines = tuple(f.equation.line for f in kept)
    return ModelFile(model, claims, one_hot, positive, lines, from_notes=True, examples=examples)


def _read(
    kept: list[_Forward], objective: str, with_batch: int | None, declared: Sequence[Declaration]
) -> tuple[dict[str, tuple[int, int]], Tensors]:
    tensors = Tensors(batch=with_batch)
    try:
        for f in kept:
            _define(tensors, f)
        rows, cols = tensors.dims[objective]
        tensors.classes.tie(rows, ONE)
        tensors.classes.tie(cols, ONE)
    except ClaimSyntaxError as e:
        raise NotAModel(f"{e.message} in {e.text.strip()}") from None
    except Mismatch as e:
        raise NotAModel(f"the loss {objective} is not a scalar ({e})") from None
    _declare(tensors, declared)
    order = [*tensors.given, *(f.head.name for f in kept)]
    _choose_sizes(tensors, order)
    c = tensors.classes
    shapes = {
        n: (c.size[c.find(r)], c.size[c.find(k)]) for n, (r, k) in ((n, tensors.dims[n]) for n in order)
    }
    return shapes, tensors


def _in_the_notes_layout(claims: tuple[ModelClaim, ...], model: Model) -> tuple[ModelClaim, ...]:
    """Where another claim about a non-square tensor has its shape (denominator layout, the notes'
    own), a claim with the transpose's shape is a shape error — the slip search names it
    "transposed" — not a claim in numerator layout."""

    def own_shape(c: ModelClaim) -> bool:
        r, k = model.tensor(c.wrt).shape if c.wrt else (1, 1)
        return (
            c.right is not None
            and not c.shape_problem
            and ClaimNote.OTHER_LAYOUT not in c.claim.notes
            and r != k
        )

    if not any(own_shape(c) for c in claims):
        return claims
    out = []
    for c in claims:
        if ClaimNote.OTHER_LAYOUT in c.claim.notes and isinstance(c.right, Transpose):
            r, k = model.tensor(c.wrt).shape
            notes = tuple(n for n in c.claim.notes if n != ClaimNote.OTHER_LAYOUT)
            problem = f"the right side is {k}×{r}, but ∂L/∂{c.wrt} is {r}×{k}, as the notes' other claims say"
            c = ModelClaim(
                replace(c.claim, notes=notes, model_right=c.right.operand),
                c.wrt,
                c.right.operand,
                problem,
            )
        out.append(c)
    return tuple(out)


def _has(node: Formula, test) -> bool:
    found = []
    rewrite(node, lambda n: found.append(n) if test(n) else None)
    return bool(found)


def _claims(source: str, e: NotesEquation, model: Model, tensors: Tensors, shapes: dict) -> list[ModelClaim]:
    """The claims of one equation: `∂L/∂x = W ∂L/∂u = Wᵀ(…)` is one per link, each side after the
    first checked against the gradient the first names (a link that does not read is left out
    while a later one reads; the last link says so, `ClaimNote.CONCLUSION`)."""
    where = Claim(source, e.line, e.column, e.text, "latex", about="model")
    try:
        sides = parse(e.text, "latex")
        wrt, indices = _wrt(sides[0], e.text, model, tensors.spelled)
    except ClaimSyntaxError as problem:
        return [ModelClaim(replace(where, problem=problem), "", None)]
    where = replace(where, wrt_written=tensors.written.get(wrt, wrt))
    if len(sides) == 2:
        return [_link(where, e.text, sides[0], sides[1], wrt, indices, tensors, shapes)]
    links = [
        _link(
            replace(where, written=_link_text(e.text, sides[0], side)),
            e.text,
            sides[0],
            side,
            wrt,
            indices,
            tensors,
            shapes,
        )
        for side in sides[1:]
    ]
    read = [c for c in links[:-1] if c.claim.problem is None]
    last = links[-1]
    if len(read) < len(links) - 1:  # a middle link that does not read (a Jacobian ∂a/∂z)
        last = ModelClaim(
            replace(last.claim, notes=(*last.claim.notes, ClaimNote.CONCLUSION)),
            last.wrt,
            last.right,
            last.shape_problem,
        )
    return [*read, last]


def _link_text(text: str, head: Tree | Token, side: Tree | Token) -> str:
    """`lhs = side` of a chain, as written (the whole text where positions are not known)."""
    spans = [getattr(t, "meta", None) for t in (head, side)]
    if any(m is None or m.empty for m in spans):
        return text
    a, b = cast(list, spans)
    return f"{text[a.start_pos : a.end_pos].strip()} = {text[b.start_pos : b.end_pos].strip()}"


def _link(
    where: Claim,
    text: str,
    head: Tree | Token,
    side: Tree | Token,
    wrt: str,
    indices: tuple[str, ...],
    tensors: Tensors,
    shapes: dict,
) -> ModelClaim:
    """`∂L/∂wrt = side` (`text` the equation the trees are of), read against the model's tensors."""
    try:
        reader = Reader(text, tensors, indices)
        if indices:  # ∂L/∂W_{ij}: i runs over W's rows, j over its columns
            at = cast(Tree, head)
            reader.entries(at, reader.tensor(at, wrt, wrt), Name(wrt, wrt, indices))
        right = _entries_as_matrix(reader.bind(side), indices, text, tensors)
        if reader.mismatch is not None:  # read, but its shapes do not fit: a shape error
            return ModelClaim(where, wrt, right, reader.mismatch)
    except ShapeProblem as problem:
        return ModelClaim(where, wrt, None, problem.message)
    except ClaimSyntaxError as problem:
        return ModelClaim(replace(where, problem=problem), "", None)
    try:
        got = shape(right, _DIMS, shapes)
    except ShapeMismatch as mismatch:
        return ModelClaim(where, wrt, None, mismatch.reason)
    want = shapes[wrt]
    where = replace(where, model_wrt=wrt, model_right=right)
    if got == want:
        return ModelClaim(where, wrt, right)
    if got == want[::-1]:  # ∂L/∂W with Wᵀ's shape: numerator layout, checked as the transpose
        return ModelClaim(replace(where, notes=(*where.notes, ClaimNote.OTHER_LAYOUT)), wrt, Transpose(right))
    return ModelClaim(
        where, wrt, right, f"the right side is {got[0]}×{got[1]}, but ∂L/∂{wrt} is {want[0]}×{want[1]}"
    )


def _wrt(head: Tree | Token, text: str, model: Model, spelled: dict) -> tuple[str, tuple[str, ...]]:
    """(the tensor, its index letters) of a claim's `∂L/∂X` or `∂L/∂W_{ij}`."""
    differentiable = model.named(Role.INPUT, Role.PARAMETER, Role.INTERMEDIATE)
    written = {n: model.tensor(n).written for n in differentiable}
    return target_of(head, text, model.named(Role.OBJECTIVE)[0], written, spelled)


def _entries_as_matrix(value: Value, indices: tuple[str, ...], text: str, tensors: Tensors) -> Formula:
    """The right side as a matrix formula in the order of the left side's indices."""
    if not isinstance(value, Term | Number):
        raise ClaimSyntaxError(
            text, 0, "expected a formula of the model; received the vector of ones or I alone"
        )
    if isinstance(value, Number):
        raise ClaimSyntaxError(text, 0, "expected a formula in the model's tensors; received a number alone")
    free = tuple(i for i in value.index if i)
    if set(free) != set(indices):
        left, right = "".join(indices) or "none", "".join(free) or "none"
        raise ClaimSyntaxError(
            text,
            0,
            f"expected the left side's free indices ({left}) on the right; received {right}",
        )
    if len(indices) == 2 and free != indices:
        return Transpose(value.formula)
    return value.formula


# --- a document's claims about a model file's tensors (check notes.md --model model.toml) ------

_SPELLINGS = {
    "theta": "θ", "Theta": "Θ", "gamma": "γ", "beta": "β", "mu": "μ", "delta": "δ", "lam": "λ",
    "lambda_": "λ", "eps": "ε", "epsilon": "ε", "alpha": "α", "eta": "η",
}  # fmt: skip


def notes_spelling(name: str) -> str:
    """How notes write a model file's tensor: `W_1` W1 (as `W_1` and `W^{[1]}` read), `y_hat` ŷ,
    `theta2` θ2, `gamma` γ."""
    stem, digits = re.fullmatch(r"(.*?)_?([0-9]*)", name).groups()  # type: ignore[union-attr]  # always matches
    if stem.endswith(("_hat", "hat")) and len(stem.removesuffix("_hat").removesuffix("hat")) == 1:
        stem = unicodedata.normalize("NFC", stem[0] + "\u0302")
    return _SPELLINGS.get(stem, stem) + digits


def claims_about(source: str, equations: Sequence[NotesEquation], is_claim, given: ModelFile) -> ModelFile:
    """`given` (a model file) with the claims of the notes' `equations` about its tensors in place
    of its own: names as the notes spell them (`notes_spelling`), ∂L/∂X with any loss letter for
    the model's objective, δ := ∂L/∂z definitions. The notes' forward equations are not read: the
    model file states the model."""
    model = given.model
    objective = model.named(Role.OBJECTIVE)[0]
    tensors = Tensors(frozen=True, objective=objective)
    for t in model.tensors:
        tensors.dims[t.name] = (("r", t.name), ("c", t.name))
        tensors.classes.size[tensors.classes.find(("r", t.name))] = t.shape[0]
        tensors.classes.size[tensors.classes.find(("c", t.name))] = t.shape[1]
        tensors.written[t.name] = t.written
        tensors.spelled.setdefault(notes_spelling(t.name), t.name)
        (tensors.given if t.role in (Role.INPUT, Role.TARGET, Role.PARAMETER) else tensors.defined).append(
            t.name
        )
    tensors.spelled.update({letter: objective for letter in LOSS_LETTERS})
    _, claim_equations, definitions = _forward(equations, is_claim)
    for head, gradient, text in definitions:
        try:
            tensors.aliases[head.name] = target_of(
                gradient, text, objective, dict(tensors.written), tensors.spelled
            )[0]
        except ClaimSyntaxError:
            continue
    shapes = {t.name: t.shape for t in model.tensors}
    claims = tuple(c for e in claim_equations for c in _claims(source, e, model, tensors, shapes))
    return replace(given, claims=claims)
