"""Read a user's claims: a TOML claims file, or the equations of a Markdown / LaTeX document.

A claims file:

    [network]                      # optional; command-line options win
    sizes = [4, 3]
    activation = "sigmoid"
    loss = "mse"

    [[claim]]
    name = "delta1"                # optional
    wrt = "z1"                     # W1, b1, a1, z1 (or W_1, \\delta_1, dL/dz1)
    formula = "W1.T @ delta2 * fprime(z1)"   # plain NumPy-style, or LaTeX

`layout = "rows"` in [network] reads every quantity with rows as examples (CS231n's
`x.dot(W) + b`); course names (`X`, `dZ1`, `theta2`, `h1`) switch to the courses' layer numbers.
Both are a reading of the file (derive/course.py): the network and the witnesses stay ours.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from derive import course
from derive.claim_binding import NeedsLayer, Scalar, scale
from derive.claim_parser import ClaimSyntaxError, guess_syntax, parse
from derive.claims import (
    MAX_CLAIMS,
    Claim,
    ClaimNote,
    ForwardEquation,
    bind,
    bind_sides,
    binding,
    is_claim,
    is_definition,
    is_forward,
    link_identity,
    mentions_gradient,
    shape_grouped,
)
from derive.course import CS231N_NAMES, DEFAULT, LAYOUTS, CodeReading, Layout, numbering_of, rows_formula
from derive.declarations import Declaration, SizeConflict, conflicts, find_declarations
from derive.document import MAX_DOCUMENT_CHARS, Equation, find_equations
from derive.errors import InputError
from derive.formula import Dims, Formula, Grad, ShapeMismatch, Transpose, Var, rewrite, shape, to_text
from derive.matrix_identity import MatrixIdentity, is_matrix_identity, read_identity
from derive.model_file import ModelFile, is_model_file, read_model
from derive.network import Network, parse_l2, parse_sizes, parse_slope, sigmoid_output
from derive.notes import (
    Basis,
    Interpretation,
    SizesFrom,
    interpret,
    open_readings,
    unnamed_layers,
    weights_on_right,
)
from derive.notes_loss import NotesLoss, notes_loss
from derive.notes_model import NotAModel, claims_about, read_notes_model
from derive.notes_penalty import NotesPenalty, notes_penalty
from derive.reading import SEED, Reading
from derive.registry import reads_output_activation
from derive.roles import OURS, Notation, notation_of
from derive.scalar_model import (
    ScalarClaim,
    ScalarNotes,
    build_model,
    claim_of,
    names_scalar_quantities,
    parse_scalar,
)
from derive.steps import read_steps

NETWORK_KEYS = ("sizes", "activation", "loss", "batch", "reduction", "slope", "l2", "layout")
CLAIM_KEYS = ("name", "wrt", "formula", "syntax")
SYNTAXES = ("latex", "plain")


@dataclass(frozen=True)
class Document:
    """What a file says: its claims and forward equations, bound to `network`."""

    source: str
    network: Network
    claims: tuple[Claim, ...]
    forward: tuple[ForwardEquation, ...]
    skipped: tuple[tuple[int, str], ...] = ()  # (line, text): mention ∂, ∇ or δ, yet no claim
    definitions: tuple[Claim, ...] = ()  # δ_l = ∂L/∂z_l: read, not checked
    reading: Reading = SEED  # how the notes number layers (derive/reading.py)
    basis: Basis = Basis.DEFAULT  # why that reading
    sizes: SizesFrom = SizesFrom.GIVEN  # where the widths come from (derive/notes.py)
    # per-layer activations from the notes: the layers they do not name (derive.notes.per_layer)
    unnamed_activations: tuple[int, ...] = ()
    alternatives: tuple[Document, ...] = ()  # other readings the notes leave open
    notes: tuple[Equation, ...] = ()  # the document's equations (to look for other readings)
    options: tuple[tuple[str, object], ...] = ()  # the Network options it was read with
    declared: tuple[Declaration, ...] = ()  # sizes the notes declare (W ∈ ℝ^{3×4})
    conflicts: tuple[SizeConflict, ...] = ()  # declarations the given --sizes contradict
    batch_from_notes: bool = False  # the notes write a mini-batch (Δ_l, A_l, 1) and --batch was not given
    code: CodeReading | None = None  # a claims file's layout and layer numbers (derive/course.py)
    loss_line: int | None = None  # the line whose squared error set the loss (derive/notes_loss.py)
    penalty_line: int | None = None  # the line whose L2 penalty set the network's (derive/notes_penalty.py)
    l2_chosen: bool = False  # the notes leave λ a symbol and --l2 was not given: NOTES_L2 is checked
    scalar: ScalarNotes | None = None  # notes of scalar quantities over a mini-batch (batch norm)
    notation: Notation = OURS  # the notes' own letters and layout (derive/roles.py)
    # matrix identities (the Matrix Cookbook's): each claim as read, None where it was not
    matrix: tuple[MatrixIdentity | None, ...] | None = None
    model: ModelFile | None = None  # a model file (derive/model_file.py): its model and claims


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise InputError("FILE", "a regular file", f"{path} ({kind})")


def read_text(path: Path) -> str:
    """The text of a user's file (a document, claims file or model file), the one place every
    reader reads one: only a regular file (a FIFO would block, /dev/zero never end), checked
    before it is opened, and never more than `MAX_DOCUMENT_CHARS` + 1 bytes of it."""
    too_big = f"a document of at most {MAX_DOCUMENT_CHARS:,} bytes"
    try:
        _regular(path, os.stat(path).st_mode)
        # O_NONBLOCK: a FIFO swapped in since the check opens without waiting for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise InputError("FILE", "a readable file", str(path), e.strerror or "") from None
    with os.fdopen(fd, "rb") as file:
        found = os.fstat(fd)
        _regular(path, found.st_mode)
        if found.st_size > MAX_DOCUMENT_CHARS:
            raise InputError("FILE", too_big, f"{found.st_size:,} bytes")
        try:
            raw = file.read(MAX_DOCUMENT_CHARS + 1)  # a file that grew since: still no more
        except OSError as e:
            raise InputError("FILE", "a readable file", str(path), e.strerror or "") from None
    if len(raw) > MAX_DOCUMENT_CHARS:
        raise InputError("FILE", too_big, f"more than {MAX_DOCUMENT_CHARS:,} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError("FILE", "UTF-8 text", f"a byte 0x{raw[e.start]:02x} at offset {e.start}") from None


def network_table(path: Path, text: str) -> tuple[dict, list]:
    """([network] as Network keyword arguments, the [[claim]] tables) of a claims file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(path), "a TOML claims file", f"invalid TOML ({e})") from None
    unknown = sorted(set(data) - {"network", "claim"})
    if unknown:
        raise InputError(str(path), "the tables [network] and [[claim]]", ", ".join(unknown))
    table = data.get("network", {})
    if not isinstance(table, dict):
        raise InputError("[network]", "a table", table)
    if extra := sorted(set(table) - set(NETWORK_KEYS)):
        raise InputError("[network]", "keys " + ", ".join(NETWORK_KEYS), ", ".join(extra))
    fields = dict(table)
    if "sizes" in fields:
        sizes = fields["sizes"]
        if not isinstance(sizes, list | str):
            raise InputError("[network] sizes", "a list of layer widths such as [4, 3]", sizes)
        fields["sizes"] = parse_sizes(sizes if isinstance(sizes, str) else ",".join(map(str, sizes)))
    if "slope" in fields:
        fields["slope"] = parse_slope(str(fields["slope"]))
    if "l2" in fields:  # the L2 penalty's λ' (CS231n's reg): l2 = 0.1 or "1/10", never evaluated
        if isinstance(fields["l2"], bool) or not isinstance(fields["l2"], int | float | str):
            raise InputError("[network] l2", 'a number such as 0.1 or a string such as "1/10"', fields["l2"])
        fields["l2"] = parse_l2(str(fields["l2"]))
    for key in ("activation", "loss", "reduction", "layout"):
        if key in fields and not isinstance(fields[key], str):
            raise InputError(f"[network] {key}", "a string", fields[key])
    claims = data.get("claim", [])
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise InputError("[[claim]]", "an array of tables", claims)
    return fields, claims


_CLAIM_HEADER = re.compile(r"^\s*\[\[\s*claim\s*\]\]", re.M)
_FORMULA_KEY = re.compile(r"^\s*formula\s*=", re.M)


def formula_lines(text: str) -> list[int]:
    """The 1-based line of each [[claim]]'s `formula =` (of its header when it has none)."""
    lines = []
    for header in _CLAIM_HEADER.finditer(text):
        following = _CLAIM_HEADER.search(text, header.end())
        end = following.start() if following else len(text)
        key = _FORMULA_KEY.search(text, header.end(), end)
        lines.append(text.count("\n", 0, (key or header).start()) + 1)
    return lines


def wrt_variable(text: str, network: Network, reading: CodeReading = DEFAULT) -> Var:
    """`W1`, `W_1`, `\\delta_1`, `dL/dz1`, `theta2` → the variable (δ_l means z_l)."""
    syntax = guess_syntax(text) if "\\" in text or "_" not in text else "latex"
    if text.strip() in CS231N_NAMES:  # hidden_layer: a name, not h with a subscript
        syntax = "plain"
    sides = parse(text, syntax)
    if len(sides) != 1:
        raise ClaimSyntaxError(text, text.find("="), "one variable, without '='")
    try:
        value = bind(
            sides[0],
            text,
            syntax,
            binding(network, None, latex_reading(reading, syntax)),
            reading,
            network.factor,
        )
    except NeedsLayer:
        raise ClaimSyntaxError(text, 0, "a variable of one layer, such as z1 or W_2 (not z_l)") from None
    if isinstance(value, Grad) and isinstance(value.target, Var):
        return value.target
    if isinstance(value, Var):
        if value.kind == "y":
            raise ClaimSyntaxError(text, 0, "a variable with a gradient; the target y is given")
        if (
            value.kind == "a"
            and value.layer == len(network.sizes)
            and not reads_output_activation(network.loss)
        ):
            raise ClaimSyntaxError(
                text,
                0,
                f"a variable with a gradient; the loss ({network.loss}) is a function of z_{value.layer}",
            )
        return Var("z", value.layer) if value.kind == "delta" else value
    got = "a number" if isinstance(value, Scalar) else "an expression"
    raise ClaimSyntaxError(text, 0, f"a variable such as W1, b1, a1, z1 or delta1; received {got}")


def latex_reading(code: CodeReading, syntax: str) -> Reading:
    """How a claims file's LaTeX formulas number layers: as its code does (Ng's `W^{[1]}`, `Z^{[1]}`
    with X as layer 0, when the file uses the courses' numbering). Plain formulas are numbered by
    their binder itself (derive/plain_binding.py)."""
    return code.numbering if syntax == "latex" else SEED


def _left_side(formula: str, lhs: Formula, wrt: Var, factor: Fraction) -> bool:
    """Whether a left side the formula writes (`dZ^{[1]} = …`) leaves the per-example reading
    open: the course's dZ, dA (per example) do, as the name `wrt` does (verify/verdict.py); an
    explicit ∂L/∂wrt does not. Any other left side is an error: it must name wrt."""
    per_example = {Var("delta", wrt.layer) if wrt.kind == "z" else None, scale(1 / factor, Grad(wrt))}
    if lhs in per_example:
        return True
    if lhs == Grad(wrt):
        return False
    raise ClaimSyntaxError(
        formula, 0, f"a left side that names wrt ({to_text(Grad(wrt))}); received {to_text(lhs)}"
    )


def claims_from_file(
    path: Path, text: str, tables: list, network: Network, reading: CodeReading = DEFAULT
) -> tuple[Claim, ...]:
    out: list[Claim] = []
    lines = formula_lines(text)
    batched = network.batch > 1
    for number, table in enumerate(tables, start=1):
        if extra := sorted(set(table) - set(CLAIM_KEYS)):
            raise InputError(f"claim {number}", "keys " + ", ".join(CLAIM_KEYS), ", ".join(extra))
        for key in ("wrt", "formula"):
            if not isinstance(table.get(key), str):
                raise InputError(f"claim {number} {key}", "a string", table.get(key))
        formula, syntax = table["formula"], table.get("syntax") or guess_syntax(table["formula"])
        if syntax not in SYNTAXES:
            raise InputError(f"claim {number} syntax", " or ".join(SYNTAXES), syntax)
        line = lines[number - 1] if number <= len(lines) else 0
        name = table.get("name")
        where = {
            "source": str(path),
            "line": line,
            "column": 1,
            "syntax": syntax,
            "name": name,
            "wrt_written": table["wrt"],
        }
        try:
            wrt = wrt_variable(table["wrt"], network, reading)
        except ClaimSyntaxError as e:
            out.append(Claim(**where, written=table["wrt"], problem=e))
            continue
        try:
            instances = bind_sides(formula, syntax, network, latex_reading(reading, syntax), reading)
            if any(layer is not None for layer, _ in instances):
                raise ClaimSyntaxError(
                    formula,
                    0,
                    f"a formula for {wrt.kind}{wrt.layer} alone: wrt names one layer, the formula uses l",
                )
            if any(len(sides) > 2 for _, sides in instances):
                raise ClaimSyntaxError(
                    formula, formula.rfind("="), "one expression, or one left side naming wrt (dZ1 = …)"
                )
            if not all(
                _left_side(formula, sides[0], wrt, network.factor)
                for _, sides in instances
                if len(sides) == 2
            ):
                where["wrt_written"] = None  # ∂L/∂Z written out: the gradient, never per example
            instances = [(layer, sides[-1:]) for layer, sides in instances]
        except ClaimSyntaxError as e:
            out.append(Claim(**where, written=formula, wrt=wrt, problem=e))
            continue
        # the claim: ∂L/∂wrt = formula; in the rows layout (∂L/∂wrt)ᵀ = formula, both sides as
        # the user's B × n matrices (derive/course.py)
        rows = reading.layout == Layout.ROWS
        lhs = Transpose(Grad(wrt)) if rows else Grad(wrt)
        for layer, sides in instances:
            right = rows_formula(sides[0]) if rows else sides[0]
            changed = [False]
            if syntax == "latex":
                (right,), changed = shape_grouped([right], lhs, network)
            out.append(
                Claim(
                    **where,
                    written=formula,
                    wrt=wrt,
                    identity=link_identity(wrt, lhs, right, batched),
                    layer=layer,
                    notes=(ClaimNote.REGROUPED,) if changed[0] else (),
                )
            )
    return tuple(out)


def fitting(claims: tuple[Claim, ...], network: Network) -> int:
    """How many claims were read with sides whose shapes fit and agree."""
    dims = Dims(network.sizes, 1, network.batch)
    count = 0
    for claim in claims:
        if claim.identity is None:
            continue
        try:
            count += shape(claim.identity.lhs, dims) == shape(claim.identity.formula, dims)
        except ShapeMismatch:
            continue
    return count


def file_reading(path: Path, text: str, tables: list, network: Network, layout: object) -> CodeReading:
    """The file's layer numbers (from its names) and layout: stated, or — when it does not
    say — the one layout under which strictly more claims' shapes fit (ours on a tie)."""
    texts = [str(t.get(key, "")) for t in tables for key in ("wrt", "formula")]
    numbering = numbering_of(texts)
    if layout is not None:
        if layout not in LAYOUTS:
            raise InputError("[network] layout", " or ".join(f'"{x}"' for x in LAYOUTS), layout)
        return CodeReading(Layout(str(layout)), numbering, course.Basis.STATED)
    columns = CodeReading(Layout.COLUMNS, numbering)
    rows = CodeReading(Layout.ROWS, numbering, course.Basis.SHAPES)
    fit = {r: fitting(claims_from_file(path, text, tables, network, r), network) for r in (columns, rows)}
    return rows if fit[rows] > fit[columns] else columns


NOTES_BATCH = 3  # the mini-batch checked when the notes write one and no --batch is given
# a mini-batch in the notes: Δ_l (not an update ΔW), A_l / Z_l / Y (columns of examples), the ones
# vector, 1/B, 1/m
_BATCH_NOTATION = re.compile(
    r"\\Delta\s*[_^]|\\mathbf\s*\{\s*1\s*\}(?!\s*(\(|\[|_|\\\{|\\left))|(?<![A-Za-z\\])[AZ]\s*[_^]|(?<![A-Za-z\\])Y(?![A-Za-z])"
    r"|\\[dt]?frac\s*\{?\s*1\s*\}?\s*\{?\s*[Bm](?![A-Za-z])"
)


def _linear_output(
    equations: list[Equation], stated: NotesLoss | None, notation: Notation, options: dict
) -> bool:
    """Whether the notes' loss is written in the letter they make the output layer's
    pre-activation (`o` of `o = W a + b`), with no activation given on the command line."""
    if stated is None or "activation" in options or "activations" in options:
        return False
    text = next((e.text for e in equations if e.line == stated.line), "")
    letters = [x for x, role in notation.names if role.kind == "z" and role.below_last == 0]
    return any(re.search(rf"(?<![A-Za-z\\]){x}(?![A-Za-z])", text) for x in letters)


NOTES_L2 = Fraction(1, 10)  # λ checked when the notes' penalty leaves it a symbol and no --l2 is given


def with_penalty(options: dict, penalty: NotesPenalty) -> dict:
    """`options` with the notes' L2 penalty: λ from --l2 (the notes' λ) or NOTES_L2; Ng's
    `λ/(2m) Σ‖W‖²` is the network's λ' = λ/m (derive/network.py)."""
    written = options.get("l2", NOTES_L2)
    batch = options.get("batch", 1)
    l2 = written / batch if penalty.per_example else written
    return {**options, "l2": l2, "l2_batch": penalty.per_example}


def writes_a_batch(equations: list[Equation]) -> bool:
    """Whether the notes' equations are about a mini-batch (uppercase quantities, Δ, 1, 1/B)."""
    return any(_BATCH_NOTATION.search(e.text) for e in equations)


def load(path: Path, options: dict, model: Path | None = None) -> Document:
    """Read `path` (a `.toml` claims file or model file, or a Markdown / LaTeX document) and bind
    its equations to the network: `options` (from the command line) over the file's [network] over defaults.
    A document's own forward equations decide how it numbers its layers (`derive/notes.py`).
    With `model` (a model file), the document's claims are about that model's tensors instead."""
    text = read_text(path)
    source = str(path)
    if model is not None:
        return _about_model(path, text, model)
    if path.suffix.lower() == ".toml" and is_model_file(text):  # [model]: a model of its own
        file = read_model(path, text)
        return Document(source, Network(**options), tuple(c.claim for c in file.claims), (), model=file)
    if path.suffix.lower() == ".toml":
        fields, tables = network_table(path, text)
        layout = fields.pop("layout", None)
        network = Network(**{**fields, **options})
        code = file_reading(path, text, tables, network, layout)
        claims = claims_from_file(path, text, tables, network, code)
        return _document(source, network, claims, "[[claim]] tables", code=code)
    latex = path.suffix.lower() in (".tex", ".latex")
    equations = read_steps(find_equations(text, latex))  # g \leftarrow …: derive/steps.py
    if is_scalar_notes(equations):
        return scalar_document(source, equations, options)
    if is_matrix_page(equations):
        return matrix_document(source, equations, options)
    declared = find_declarations(text, latex)
    if (own := notes_model(source, equations, declared)) is not None:  # ŷ = X w, L = ‖X w − y‖²/(2m)
        return Document(source, Network(**options), tuple(c.claim for c in own.claims), (), model=own)
    written_loss = notes_loss(equations)  # its name (`E_n`) is read in the claims even under --loss
    stated = None if "loss" in options else written_loss
    given = options
    if stated is not None:  # E = Σ_k (t_k − o_k)²: the notes' own squared error, with or without ½
        options = {**options, "loss": stated.loss}
    batched = "batch" not in options and writes_a_batch(equations)
    if batched:  # Δ_l, A_l, 1, 1/B: the notes are about a mini-batch, so check one
        options = {**options, "batch": NOTES_BATCH}
    if (penalty := notes_penalty(equations)) is not None:  # J = … + λ/(2m) Σ_l ‖W^{[l]}‖²
        options = with_penalty(options, penalty)
    notation = notation_of(e.text for e in equations)  # the notes' own letters (derive/roles.py)
    if written_loss is not None and "_" in written_loss.name:
        notation = replace(notation, loss=written_loss.name)
    (primary, basis, others), used = interpret(equations, source, options, declared, notation)
    if weights_on_right(primary.forward):  # Z_2 = A_1 W_1 + b_1: rows are examples
        notation = replace(notation, layout=Layout.ROWS)
        (primary, basis, others), used = interpret(equations, source, options, declared, notation)
    if (
        _linear_output(equations, stated, notation, options)
        and primary.network.layer_activations[-1] != "identity"
    ):
        # CS229's o = W^{[2]} a^{[1]} + b^{[2]}, J = ½(o − y)²: the loss reads the output layer's
        # pre-activation, so that layer is linear
        net = primary.network
        linear = {**used, "sizes": net.sizes, "activations": (*net.layer_activations[:-1], "identity")}
        (primary, basis, others), used = interpret(equations, source, linear, declared, notation)
    skipped = tuple(
        (e.line, e.text)
        for e in equations
        if not is_claim(e.text) and not is_forward(e.text, notation) and mentions_gradient(e.text)
    )
    sizes = SizesFrom.GIVEN if "sizes" in given else SizesFrom.DECLARED if declared else SizesFrom.DEFAULT
    common = {
        "skipped": skipped,
        "basis": basis,
        "sizes": sizes,
        "unnamed_activations": unnamed_layers(primary.forward, primary.network, primary.reading),
        "loss_line": None if stated is None else stated.line,
        "penalty_line": None if penalty is None else penalty.line,
        "l2_chosen": penalty is not None and "l2" not in given,
        "batch_from_notes": batched,
        "notation": notation,
        "code": CodeReading(Layout.ROWS, basis=course.Basis.FORWARD) if notation.rows else None,
    }
    document = _document(
        source,
        primary.network,
        primary.claims,
        _WHAT,
        **common,
        forward=primary.forward,
        reading=primary.reading,
        notes=tuple(equations),
        options=tuple(used.items()),
        declared=declared,
        conflicts=conflicts(declared, primary.reading, primary.network.sizes) if "sizes" in given else (),
    )
    if others is None:
        return document
    return replace(document, alternatives=_alternatives(document, others))


_WHAT = r"equations such as \frac{\partial L}{\partial W_1} = …"


def _about_model(path: Path, text: str, model_path: Path) -> Document:
    """The claims of a document (its `∂L/∂X = …` in LaTeX) about a model file's tensors."""
    model_text = read_text(model_path)
    if not is_model_file(model_text):
        raise InputError(
            "--model", "a model file: TOML with a [model] table (derive/model_file.py)", str(model_path)
        )
    given = read_model(model_path, model_text, claims_required=False)
    equations = read_steps(find_equations(text, path.suffix.lower() in (".tex", ".latex")))
    combined = replace(claims_about(str(path), equations, is_claim, given), path=str(model_path))
    if not combined.claims:
        raise InputError(
            str(path), r"claims such as \frac{\partial L}{\partial W_1} = … about the model", "none"
        )
    return Document(str(path), Network(), tuple(c.claim for c in combined.claims), (), model=combined)


def notes_model(
    source: str, equations: list[Equation], declared: tuple[Declaration, ...] = ()
) -> ModelFile | None:
    """The model of notes whose forward equations number no layer and are not a network's —
    linear, logistic, softmax regression (derive/notes_model.py) — or None: read as a network."""
    try:
        return read_notes_model(source, equations, is_claim, declared)
    except NotAModel:
        return None


def is_scalar_notes(equations: list[Equation]) -> bool:
    """Notes whose equations name scalar quantities over a mini-batch (μ_B, σ_B², x̂_i, γ, β)
    and no network's a_l, z_l: read by derive/scalar_model.py."""
    texts = [e.text for e in equations]
    return names_scalar_quantities(texts) and not any(is_forward(t) for t in texts)


def scalar_document(source: str, equations: list[Equation], options: dict) -> Document:
    """The claims of scalar notes about the graph of their forward equations. A forward
    equation that cannot be read leaves every claim unread, with its reason."""
    problem: ClaimSyntaxError | None = None
    forward = []
    for e in equations:
        if is_claim(e.text):
            continue
        try:
            forward.append((e.line, e.text, *parse_scalar(e.text)))
        except ClaimSyntaxError as err:
            problem = problem or err
    model = None
    if problem is None:
        try:
            model = build_model(forward)
        except ClaimSyntaxError as err:
            problem = err
    claims: list[Claim] = []
    read: list[ScalarClaim | None] = []
    for e in equations:
        if not is_claim(e.text):
            continue
        where = Claim(source, e.line, e.column, e.text, "latex")
        if problem is not None or model is None:
            claims.append(replace(where, problem=problem))
            read.append(None)
            continue
        try:
            read.append(claim_of(e.text, *parse_scalar(e.text), model))
            claims.append(where)
        except ClaimSyntaxError as err:
            claims.append(replace(where, problem=err))
            read.append(None)
    if not claims:
        raise InputError(source, f"at least one claim ({_WHAT})", "none")
    if len(claims) > MAX_CLAIMS:
        raise InputError(source, f"at most {MAX_CLAIMS:,} claims", len(claims))
    return Document(
        source,
        Network(**options),
        tuple(claims),
        (),
        scalar=ScalarNotes(model, tuple(read)),
        notes=tuple(equations),
    )


def is_matrix_page(equations: list[Equation]) -> bool:
    """A page of matrix identities (`∂ tr(AXB)/∂X = AᵀBᵀ`) and no network's forward equations:
    read by derive/matrix_identity.py."""
    texts = [e.text for e in equations]
    return any(is_matrix_identity(t) for t in texts) and not any(is_forward(t) for t in texts)


_MATRIX_WHAT = r"identities such as \frac{\partial \operatorname{Tr}(AXB)}{\partial X} = A^T B^T"


def matrix_document(source: str, equations: list[Equation], options: dict) -> Document:
    """The claims of a page of matrix identities, each about its own objective; a claim that
    cannot be read says why (what was expected, where)."""
    claims: list[Claim] = []
    read: list[MatrixIdentity | None] = []
    for e in equations:
        if not (is_matrix_identity(e.text) or is_claim(e.text)):
            continue  # a definition or a remark: f(X) = …
        where = Claim(source, e.line, e.column, e.text, "latex", about="matrix")
        try:
            identity = read_identity(e.text)
        except ClaimSyntaxError as err:
            claims.append(replace(where, problem=err))
            read.append(None)
            continue
        notes = (ClaimNote.SQUARE_ONLY,) if identity.square else ()
        claims.append(replace(where, shapes=identity.shapes, notes=notes))
        read.append(identity)
    if not claims:
        raise InputError(source, f"at least one claim ({_MATRIX_WHAT})", "none")
    if len(claims) > MAX_CLAIMS:
        raise InputError(source, f"at most {MAX_CLAIMS:,} claims", len(claims))
    return Document(source, Network(**options), tuple(claims), (), matrix=tuple(read), notes=tuple(equations))


def _alternatives(document: Document, others: tuple[Interpretation, ...]) -> tuple[Document, ...]:
    return tuple(
        replace(
            _document(document.source, i.network, i.claims, _WHAT, forward=i.forward, reading=i.reading),
            skipped=document.skipped,
            basis=document.basis,
            sizes=document.sizes,
            unnamed_activations=document.unnamed_activations,
            loss_line=document.loss_line,
            penalty_line=document.penalty_line,
            l2_chosen=document.l2_chosen,
            batch_from_notes=document.batch_from_notes,
            notation=document.notation,
            code=document.code,
        )
        for i in others
    )


def alternatives(document: Document) -> tuple[Document, ...]:
    """The other readings of a document's layer numbering that its notes leave open (looked for
    only when needed: a claim wrong in the reading chosen)."""
    if document.alternatives or not document.notes:
        return document.alternatives
    others = open_readings(
        document.notes, document.source, dict(document.options), document.declared, document.notation
    )
    return _alternatives(document, others)


def writes_no_bias(forward: Iterable[ForwardEquation]) -> bool:
    """The notes' layers are `z = W a` with no bias: some forward equation that was read has a
    weight on its right side, and none names a bias."""
    kinds: set[str] = set()
    for f in forward:
        if f.identity is not None:
            rewrite(f.identity.formula, lambda n: kinds.add(n.kind) if isinstance(n, Var) else None)
    return "W" in kinds and "b" not in kinds


def _document(source: str, network: Network, claims: tuple[Claim, ...], what: str, **fields) -> Document:
    """The document, its definitions (`δ_l = ∂L/∂z_l`) set apart from its claims; under bce its
    output activation is the sigmoid (`sigmoid_output`)."""
    network = sigmoid_output(network)
    if writes_no_bias(fields.get("forward", ())):  # z^L = w^L a^{L-1}: the notes' network has b = 0
        network = replace(network, biases=False)
    definitions = tuple(c for c in claims if is_definition(c, network))
    claims = tuple(c for c in claims if not is_definition(c, network))
    if not claims and not definitions:
        raise InputError(source, f"at least one claim ({what})", "none")
    if len(claims) > MAX_CLAIMS:
        raise InputError(source, f"at most {MAX_CLAIMS:,} claims", len(claims))
    return Document(source, network, claims, **{"forward": (), **fields}, definitions=definitions)
