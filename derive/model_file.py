"""A model written as a file of its own: TOML with the given tensors' shapes, the forward pass
in NumPy style, and claims about its gradients. Read by grammars (`grammars/model.lark` through
`derive/model_formula.py`, TOML by `tomllib`), never executed.

    [model]
    inputs = { x = [4, 3] }            # rows × columns; here the columns are the examples
    targets = { y = [2, 3] }
    parameters = { W1 = [5, 4], b1 = [5, 1], W2 = [2, 5], b2 = [2, 1] }
    one_hot = ["y"]                    # optional: each column one-hot (sums to 1)
    positive = []                      # optional: given tensors drawn positive (log, sqrt of them)
    forward = \"\"\"
    h = tanh(W1 @ x + b1)
    p = softmax(W2 @ h + b2, axis=0)
    L = -sum(y * log(p)) / 3
    \"\"\"

    [[claim]]
    name = "output layer"              # optional
    wrt = "W2"                         # a parameter, an input or an intermediate (h, p)
    formula = "(p - y) @ h.T / 3"      # may use every tensor: given ones and intermediates

Each forward line is `name = expression`; `#` starts a comment, blank lines are skipped. The
last line defines the objective, which must be 1 × 1; every other line an intermediate, whose
shape is inferred (NumPy broadcasting: `b1`, 5 × 1, is added to each column of `W1 @ x`).
The role of a given tensor is its table: inputs and intermediates get gradients through a tap,
parameters directly (verify/jax_oracle.py); targets get none. `one_hot` targets are drawn
one-hot, and SymPy writes each column's last entry as 1 − the others, so a proof holds for
every distribution (softmax cross-entropy's `∂L/∂z = p − y` needs Σ_k y_k = 1).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from derive.claim_parser import ClaimSyntaxError
from derive.claims import MAX_CLAIMS, Claim
from derive.errors import InputError
from derive.formula import Dims, Formula, shape, to_text
from derive.model_formula import FormulaShapeError, read_equation, read_formula
from derive.model_ir import Equation, Model, ModelError, Role, Tensor

ROLES = {"inputs": Role.INPUT, "targets": Role.TARGET, "parameters": Role.PARAMETER}
MODEL_KEYS = (*ROLES, "one_hot", "positive", "forward")
CLAIM_KEYS = ("name", "wrt", "formula")
MAX_SIDE = 64  # rows or columns of a given tensor: SymPy builds a symbol per entry
MAX_ENTRIES = 400  # entries of all given tensors together
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIMS = Dims((), 1, 1)


class Layout(StrEnum):
    """How a claim whose value is the transpose of the gradient (numerator layout) is read."""

    # the right side's shape decides: one with the transpose's shape is read in numerator layout,
    # checked as its transpose (`ClaimNote.OTHER_LAYOUT`) and proved as such (notes, model files)
    SHAPES = "shapes"
    # the document states denominator layout (a page of the Matrix Cookbook): a claim right only
    # as the transpose, square or not, depends on convention
    DENOMINATOR = "denominator"


@dataclass(frozen=True)
class ModelClaim:
    """`∂L/∂wrt = right`, as read: `right` None where it could not be read (`claim.problem`) or
    its shapes do not fit (`shape_problem`, naming the shapes)."""

    claim: Claim
    wrt: str
    right: Formula | None
    shape_problem: str | None = None


@dataclass(frozen=True)
class ModelFile:
    """The model, its claims, and how its given tensors are drawn."""

    model: Model
    claims: tuple[ModelClaim, ...]
    one_hot: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()  # the file's line of each forward equation
    # a model read from notes' forward equations (derive/notes_model.py): shapes chosen, not given,
    # and m, the number of examples the notes divide by (None where they do not)
    from_notes: bool = False
    examples: int | None = None
    path: str | None = None  # the model file, where the claims are a document's (--model)
    # given tensors that are symmetric (a condition of the model: drawn (N + Nᵀ)/2, SymPy's
    # symbols mirrored), and groups of them a claim refuted in general is tried under, in order:
    # the Cookbook's "if B is symmetric", which a page of identities leaves unstated
    symmetric: tuple[str, ...] = ()
    conditions: tuple[tuple[str, ...], ...] = ()
    layout: Layout = Layout.SHAPES

    def describe(self) -> str:
        """The given tensors' shapes: `x 4×3, y 2×3, W1 5×4, …`."""
        m = self.model
        return ", ".join(
            f"{n} {r}×{c}" for n, (r, c) in ((t.name, t.shape) for t in m.tensors if t.role in ROLE_ORDER)
        )


ROLE_ORDER = (Role.INPUT, Role.TARGET, Role.PARAMETER)


def is_model_file(text: str) -> bool:
    """A TOML file with a [model] table (a claims file has [network] and [[claim]] only)."""
    return re.search(r"^\s*\[\s*model\s*\]", text, re.M) is not None


def _given(table: dict) -> list[Tensor]:
    tensors: list[Tensor] = []
    for section, role in ROLES.items():
        entries = table.get(section, {})
        if not isinstance(entries, dict):
            raise InputError(f"[model] {section}", "a table of shapes, e.g. { x = [4, 3] }", entries)
        for name, size in entries.items():
            if not _NAME.fullmatch(name):
                raise InputError(f"[model] {section}", "names of letters, digits and _", name)
            ok = (
                isinstance(size, list)
                and len(size) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_SIDE for n in size)
            )
            if not ok:
                raise InputError(f"[model] {section}.{name}", f"[rows, columns], each 1 to {MAX_SIDE}", size)
            tensors.append(Tensor(name, (size[0], size[1]), role, name))
    names = [t.name for t in tensors]
    if dup := sorted({n for n in names if names.count(n) > 1}):
        raise InputError("[model]", "each tensor in one table", f"{dup[0]} in two")
    if not any(t.role in (Role.INPUT, Role.TARGET) for t in tensors):
        raise InputError("[model]", "at least one input or target (inputs = { x = [4, 3] })", "none")
    if (entries := sum(r * c for r, c in (t.shape for t in tensors))) > MAX_ENTRIES:
        raise InputError("[model]", f"at most {MAX_ENTRIES} entries in all given tensors", entries)
    return tensors


def _names(table: dict, key: str, tensors: list[Tensor], roles: tuple[Role, ...]) -> tuple[str, ...]:
    value = table.get(key, [])
    allowed = [t.name for t in tensors if t.role in roles]
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise InputError(f"[model] {key}", f"a list of names among {', '.join(allowed) or 'none'}", value)
    return tuple(value)


def _forward_lines(text: str, forward: str) -> list[tuple[int, str]]:
    """(file line, text) of each forward equation; file lines where the block can be found."""
    start = text.find(forward.strip().splitlines()[0]) if forward.strip() else -1
    first = text.count("\n", 0, start) + 1 if start >= 0 else 0
    out = []
    offset = None
    for k, raw in enumerate(forward.splitlines()):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if offset is None:
            offset = k
        out.append(((first + k - offset) if first else 0, line))
    return out


def _where(number: int, line: int, text: str) -> str:
    return f"forward line {number}" + (f" (file line {line})" if line else "") + f": {text}"


def read_model(path: Path, text: str, claims_required: bool = True) -> ModelFile:
    """The model file at `path` (its `text`). Raises `InputError` naming the line, what was
    expected and what was received. `claims_required=False`: a model whose claims are in notes
    (`derivcheck check notes.md --model model.toml`) needs no [[claim]] of its own."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(path), "a TOML model file", f"invalid TOML ({e})") from None
    if unknown := sorted(set(data) - {"model", "claim"}):
        raise InputError(str(path), "the tables [model] and [[claim]]", ", ".join(unknown))
    table = data.get("model")  # "[model]" may be a line inside a string, not a table
    if not isinstance(table, dict):
        raise InputError("[model]", "a table", table)
    if extra := sorted(set(table) - set(MODEL_KEYS)):
        raise InputError("[model]", "keys " + ", ".join(MODEL_KEYS), ", ".join(extra))
    forward = table.get("forward")
    if not isinstance(forward, str) or not forward.strip():
        raise InputError(
            "[model] forward", 'the forward pass, one equation a line (forward = """ … """)', forward
        )
    tensors = _given(table)
    one_hot = _names(table, "one_hot", tensors, (Role.TARGET, Role.INPUT))
    positive = _names(table, "positive", tensors, ROLE_ORDER)
    shapes = {t.name: t.shape for t in tensors}
    lines = _forward_lines(text, forward)
    equations: list[Equation] = []
    for k, (line, written) in enumerate(lines, start=1):
        try:
            target, expr = read_equation(written, shapes)
        except ClaimSyntaxError as e:
            raise _input_error(_where(k, line, written), e) from None
        if target in shapes:
            role = "given" if any(t.name == target for t in tensors) else "defined above"
            raise InputError(_where(k, line, written), "a new name on the left", f"{target}, which is {role}")
        shapes[target] = shape(expr, _DIMS, shapes)
        equations.append(Equation(target, expr))
    last = equations[-1]
    if shapes[last.target] != (1, 1):
        r, c = shapes[last.target]
        raise InputError(
            _where(len(lines), lines[-1][0], lines[-1][1]),
            "the objective (a 1×1 scalar, e.g. L = sum(…)) on the last forward line",
            f"{last.target}, {r}×{c}",
        )
    intermediates = [Tensor(e.target, shapes[e.target], Role.INTERMEDIATE, e.target) for e in equations[:-1]]
    objective = Tensor(last.target, (1, 1), Role.OBJECTIVE, last.target)
    try:
        model = Model((*tensors, *intermediates, objective), tuple(equations), batch=1)
    except ModelError as e:  # pragma: no cover  (the reader checks names and shapes first)
        raise InputError(str(path), "a model that holds together", str(e)) from None
    tables = data.get("claim", [])
    claims = _claims(path, text, tables, model, shapes) if tables or claims_required else ()
    return ModelFile(model, claims, one_hot, positive, tuple(line for line, _ in lines))


def _input_error(where: str, e: ClaimSyntaxError) -> InputError:
    """The reader's "expected …; received …" (or lark's "unexpected 'x'; expected …") as an
    `InputError` on one line, at its character."""
    message, at = e.message, f" at character {e.position + 1}"
    if message.startswith("expected ") and "; received " in message:
        expected, received = message.removeprefix("expected ").split("; received ", 1)
        return InputError(where, expected, received.strip("'") + at)
    if message.startswith("unexpected ") and "; expected " in message:
        received, expected = message.removeprefix("unexpected ").split("; expected ", 1)
        return InputError(where, expected, received.strip("'") + at)
    if "; expected " in message:  # the formula ends early
        return InputError(where, message.split("; expected ", 1)[1], "the end of the line")
    return InputError(where, "a formula", message)


_CLAIM_HEADER = re.compile(r"^\s*\[\[\s*claim\s*\]\]", re.M)
_FORMULA_KEY = re.compile(r"^\s*formula\s*=", re.M)


def _claim_lines(text: str) -> list[int]:
    lines = []
    for header in _CLAIM_HEADER.finditer(text):
        following = _CLAIM_HEADER.search(text, header.end())
        key = _FORMULA_KEY.search(text, header.end(), following.start() if following else len(text))
        lines.append(text.count("\n", 0, (key or header).start()) + 1)
    return lines


def _claims(path: Path, text: str, tables: object, model: Model, shapes: dict) -> tuple[ModelClaim, ...]:
    if not isinstance(tables, list) or not tables:
        raise InputError(str(path), "at least one [[claim]] with wrt and formula", "none")
    if len(tables) > MAX_CLAIMS:
        raise InputError(str(path), f"at most {MAX_CLAIMS:,} claims", len(tables))
    lines = _claim_lines(text)
    differentiable = model.named(Role.INPUT, Role.PARAMETER, Role.INTERMEDIATE)
    out = []
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise InputError(f"claim {number}", "a table with wrt and formula", table)
        if extra := sorted(set(table) - set(CLAIM_KEYS)):
            raise InputError(f"claim {number}", "keys " + ", ".join(CLAIM_KEYS), ", ".join(extra))
        for key in ("wrt", "formula"):
            if not isinstance(table.get(key), str):
                raise InputError(f"claim {number} {key}", "a string", table.get(key))
        wrt, written = table["wrt"].strip(), table["formula"]
        name = table.get("name")
        where = Claim(
            str(path),
            lines[number - 1] if number <= len(lines) else 0,
            1,
            f"dL/d{wrt} = {written.strip()}",
            "plain",
            name=name if isinstance(name, str) else None,
            wrt_written=wrt,
            about="model",
        )
        if wrt not in differentiable:
            problem = ClaimSyntaxError(
                wrt,
                0,
                f"expected wrt among the inputs, parameters and intermediates: {', '.join(differentiable)}",
            )
            out.append(ModelClaim(_with_problem(where, problem), wrt, None))
            continue
        try:
            right = read_formula(written, shapes)
        except FormulaShapeError as e:
            out.append(ModelClaim(where, wrt, None, e.reason))
            continue
        except ClaimSyntaxError as e:
            out.append(ModelClaim(_with_problem(where, e), wrt, None))
            continue
        got, want = shape(right, _DIMS, shapes), shapes[wrt]
        if got != want:
            problem = f"the right side is {got[0]}×{got[1]}, but ∂L/∂{wrt} is {want[0]}×{want[1]}"
            out.append(ModelClaim(where, wrt, right, problem))
            continue
        out.append(ModelClaim(replace(where, model_wrt=wrt, model_right=right), wrt, right))
    return tuple(out)


def _with_problem(claim: Claim, problem: ClaimSyntaxError) -> Claim:
    return replace(claim, problem=problem)


def describe_model(model: Model) -> list[str]:
    """The forward equations as read, one a line (`h = tanh(W1 x + b1)`)."""
    return [f"{e.target} = {to_text(e.expr)}" for e in model.equations]
