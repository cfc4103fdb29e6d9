"""What the letters of a document mean: a *symbol reading* decided by its forward equations.

The network's names are `a_l` (activation), `z_l` (pre-activation), `y` (target). Textbooks use
other letters for the same roles, and their own forward equations say which:

- `LHS = F(arg)` with F an activation function (`z_j = h(a_j)`, `h^{(k)} = f(a^{(k)})`): the left
  letter is the activation, the argument's letter the pre-activation (Bishop's `a` is our z);
- `LHS = … W x …` (an affine map: `a^{(k)} = b^{(k)} + W^{(k)} h^{(k-1)}`, `O = H W + b`): the left
  letter is the pre-activation, the letter the weight multiplies an activation;
- a target `t` named alongside `y`: `y` is the network's output a_L (Bishop's `δ_k = y_k − t_k`);
- a letter used as a function in such an equation (Bishop's `h(·)`) is the layer's activation.

A letter with no layer (D2L's `H`, `O`) gets one from the chain of equations: the pre-activation
no other equation reads is the output layer's, `z_L`; what its weight multiplies is `a_{L-1}`.
Letters whose role is the network's own (`a`, `z` where the notes use them as we do) and letters
read two ways are left as they are. Only the equations' text is matched, never evaluated.

The layout (`derive/course.py`): where the affine equations put the weight on the right
(`Z_2 = A_1 W_1 + b_1`, D2L's `X W + b`), rows are examples; `derive/notes.py` decides it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from derive.course import Layout

# the network's own meaning of a letter, where it has one (derive/claim_binding.py's _KINDS)
_DEFAULT = {"a": "a", "A": "a", "o": "a", "z": "z", "Z": "z", "y": "y", "Y": "y"}
ACTIVATION, PRE_ACTIVATION, OUTPUT, FUNCTION = "a", "z", "output", "f"
_WEIGHTS = ("W", "w")
_NOT_QUANTITIES = frozenset("WwbxXBmdeEJLC")  # weights, biases, the input, batch, d, e, losses
_FONT = r"(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{?\s*)?"
_SCRIPT = r"(?:\s*[_^]\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|[A-Za-z0-9]))"
_HEAD = re.compile(rf"^\s*{_FONT}([A-Za-z])\s*\}}?({_SCRIPT}*)\s*$")
_FUNCTION = (
    r"([A-Za-z]|\\sigma|\\phi|\\varphi|\\tanh|\\(?:operatorname|text|textrm|mathrm)\s*\{\s*[A-Za-z-]+\s*\})"
)
_APPLIED = re.compile(rf"^\s*{_FUNCTION}\s*(?:\\left\s*)?\((.*)(?:\\right\s*)?\)\s*$", re.S)
_SCRIPTS = re.compile(_SCRIPT)
_SIZED = re.compile(r"\\(?:[bB]ig{1,2}[lr]?|left|right)\s*([()\[\]])")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_LETTER = re.compile(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z])")


@dataclass(frozen=True)
class Role:
    """`kind`: a, z (the binder's kinds), output (the network's output a_L) or f (the activation
    as a function); `below_last`: for a letter written without a layer, its layer L − below_last."""

    kind: str
    below_last: int | None = None


@dataclass(frozen=True)
class Notation:
    """A document's symbol reading: letter → role where it is not the network's own, and the
    layout its forward equations imply."""

    names: tuple[tuple[str, Role], ...] = ()
    layout: Layout = Layout.COLUMNS
    # quantities the notes name themselves, `k := (a_2 - y) \circ f'(z_2)`: name → its right side
    defined: tuple[tuple[str, str], ...] = ()
    # quantities defined entry by entry, `k_i := (a_i - y_i) f'(z_i)`: (name, index, right side)
    entries: tuple[tuple[str, str, str], ...] = ()
    # the loss's name where it has a subscript (`E_n`, `L_{\\text{MSE}}`: derive/notes_loss.py)
    loss: str = ""
    # index notation: the layer each neuron index names in the forward equations (letter → layer)
    letters: tuple[tuple[str, int], ...] = ()

    def role(self, letter: str) -> Role | None:
        return dict(self.names).get(letter)

    @property
    def functions(self) -> tuple[str, ...]:
        """Letters the notes apply as the activation (`h(a_j)`)."""
        return tuple(letter for letter, role in self.names if role.kind == FUNCTION)

    @property
    def rows(self) -> bool:
        return self.layout == Layout.ROWS

    @property
    def is_default(self) -> bool:
        return not self.names and not self.rows


OURS = Notation()


def _letters(text: str) -> list[str]:
    """The standalone letters of `text` outside sub- and superscripts and commands."""
    return _LETTER.findall(_COMMAND.sub(" ", _SCRIPTS.sub(" ", text)))


def _head(text: str) -> tuple[str, bool] | None:
    """(letter, whether it has scripts) of a single named quantity such as `h^{(k)}`, `H`."""
    match = _HEAD.match(text)
    return None if match is None else (match.group(1), bool(match.group(2).strip()))


def _affine(text: str) -> list[str] | None:
    """The letters a weight multiplies in an affine right side (`b + W h` → [h]), or None when
    `text` names no weight."""
    letters = _letters(text)
    if not any(w in letters for w in _WEIGHTS) and not re.search(r"\\[Tt]heta(?![A-Za-z])", text):
        return None
    return [x for x in letters if x not in _NOT_QUANTITIES]


@dataclass
class _Found:
    roles: dict[str, set[str]]
    unlayered: set[str]
    feeds: list[tuple[str, list[str]]]  # (pre-activation letter, activation letters it reads)
    same_layer: list[tuple[str, str]]  # (activation letter, pre-activation letter) of a = F(z)


def _read(texts: Iterable[str]) -> _Found:
    found = _Found({}, set(), [], [])

    def say(letter: str, kind: str) -> None:
        found.roles.setdefault(letter, set()).add(kind)

    for text in texts:
        text = _SIZED.sub(r"\1", text)  # \Big( … \Big) is ( … )
        if text.count("=") != 1 or re.search(
            r"\\(partial|nabla|delta|Delta|frac|sum_?\s*\\)", text.split("=")[0]
        ):
            continue
        left, right = (side.strip() for side in text.split("="))
        head = _head(left)
        if head is None or head[0] in _NOT_QUANTITIES:
            continue
        letter, scripted = head
        if not scripted:
            found.unlayered.add(letter)
        applied = _APPLIED.match(right)
        if applied is not None and applied.group(1) not in _WEIGHTS:  # a = F(…): an activation
            function, argument = applied.group(1), applied.group(2)
            say(letter, ACTIVATION)
            if len(function) == 1 and function not in "fg":  # Bishop's h(·): fg are functions already
                say(function, FUNCTION)
            if (inner := _head(argument)) is not None and inner[0] not in _NOT_QUANTITIES:
                say(inner[0], PRE_ACTIVATION)
                if not inner[1]:
                    found.unlayered.add(inner[0])
                found.same_layer.append((letter, inner[0]))
            elif (inputs := _affine(argument)) is not None:  # H = φ(X W + b)
                for x in inputs:
                    say(x, ACTIVATION)
                found.feeds.append((f"·{letter}", inputs))  # ·H: the unnamed pre-activation of H
                found.same_layer.append((letter, f"·{letter}"))
            continue
        if (inputs := _affine(right)) is not None:
            say(letter, PRE_ACTIVATION)
            for x in inputs:
                say(x, ACTIVATION)
            found.feeds.append((letter, inputs))
    return found


def _below_last(found: _Found) -> dict[str, int]:
    """The layer (L − n) of each letter written without a layer, from the chain of equations:
    a pre-activation no equation reads is z_L; the activation its weight reads is a_{L−1}."""
    pre = {z for z, _ in found.feeds}
    read = {x for _, inputs in found.feeds for x in inputs}
    below: dict[str, int] = {z: 0 for z in pre if z.lstrip("·") not in read}  # ·H is read where H is
    for _ in range(2 * len(pre) + 2):  # each pass settles one more link of the chain
        for z, inputs in found.feeds:
            if z in below:
                for x in inputs:
                    below.setdefault(x, below[z] + 1)
        for a, z in found.same_layer:  # a = F(z): one layer
            if z in below:
                below.setdefault(a, below[z])
            elif a in below:
                below[z] = below[a]
    return {x: n for x, n in below.items() if not x.startswith("·")}


# `k := …`, `k \coloneqq …`, `k \equiv …`: a letter (or a Greek one) the notes define as a quantity
_DEFINITION = re.compile(
    r"^\s*(?P<name>\\?[A-Za-z]+)\s*(?::=|\\coloneqq|\\equiv|\\stackrel\{\w*\}\{=\})\s*(?P<rhs>.+)$", re.S
)
_NETWORK_NAMES = frozenset("WbazAZxXyYtT") | {r"\delta", r"\Delta", "w"}


def definitions(texts: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The quantities the notes name themselves (`k := …`): not a network symbol, not a loss."""
    found = []
    for text in texts:
        if (m := _DEFINITION.match(text)) is not None and m.group("name") not in _NETWORK_NAMES:
            found.append((m.group("name"), m.group("rhs").strip()))
    return tuple(found)


# `k_i := (a_i - y_i) f'(z_i)`, `e_j = t_j - o_j`: a quantity the notes define entry by entry
_ENTRY_DEFINITION = re.compile(
    r"^\s*(?P<name>\\?[A-Za-z]+)\s*_\s*(?:\{\s*(?P<braced>[a-z])\s*\}|(?P<bare>[a-z]))\s*"
    r"(?P<op>:=|\\coloneqq|\\equiv|\\stackrel\{\w*\}\{=\}|=)\s*(?P<rhs>.+)$",
    re.S,
)
# letters index notation reads already (o_j, a_j, δ_j, t_j …), losses and activation functions
_ENTRY_NAMES = _NETWORK_NAMES | frozenset("oECJLfgh") | {r"\ell", r"\sigma", r"\phi"}


def entry_definitions(
    texts: Iterable[str], read: frozenset[str] | set[str] = frozenset()
) -> tuple[tuple[str, str, str], ...]:
    """(name, index, right side) of each quantity the notes define entry by entry: `k_i := …`, or
    `e_j = …` with the index on the right too and a letter not `read` as a network role."""
    found = []
    for text in texts:
        m = _ENTRY_DEFINITION.match(text)
        if m is None or m.group("name") in _ENTRY_NAMES or m.group("name") in read:
            continue
        index, rhs = m.group("braced") or m.group("bare"), m.group("rhs").strip()
        if m.group("op") == "=" and (
            "=" in rhs or not re.search(rf"_\s*\{{?[a-z]*{index}", rhs)
        ):  # `e_j = t_j − o_j` names e_j; `s_1 = 3` is a value
            continue
        found.append((m.group("name"), index, rhs))
    return tuple(found)


def notation_of(texts: Iterable[str]) -> Notation:
    """The symbol reading of a document's equations (`texts`), columns as examples."""
    texts = list(texts)
    defined = definitions(texts)
    texts = [t for t in texts if _DEFINITION.match(t) is None]
    found = _read(texts)
    entries = entry_definitions(texts, set(found.roles))
    below = _below_last(found)
    names: list[tuple[str, Role]] = []
    for letter, kinds in sorted(found.roles.items()):
        if len(kinds) != 1:
            continue  # read two ways: the network's own meaning
        (kind,) = kinds
        if kind == FUNCTION:
            if letter not in found.roles or found.roles[letter] == {FUNCTION}:
                names.append((letter, Role(FUNCTION)))
            continue
        layer = below.get(letter) if letter in found.unlayered else None
        if _DEFAULT.get(letter) != kind or layer is not None:
            names.append((letter, Role(kind, layer)))
    # y and t in one equation (`δ_k = y_k − t_k`, `E = ½Σ(y − t)²`): t the target, y the output
    together = any({"t", "y"} <= set(_letters(text)) for text in texts)
    if together and dict(names).get("y", Role(ACTIVATION)).kind == ACTIVATION:
        names = [(x, r) for x, r in names if x != "y"] + [("y", Role(OUTPUT))]  # t the target: y the output
    return Notation(tuple(names), defined=defined, entries=entries)


def function_letters(text: str, letters: tuple[str, ...]) -> str:
    """`text` with each letter the notes apply as the activation (`h(a_j)`, `h'(a_j)`) written
    `f`, the network's activation: the same length, so positions in messages still hold."""
    if not letters:
        return text
    pattern = rf"(?<![\\A-Za-z])[{''.join(letters)}](?=\s*('|\^\s*\{{?\s*\\prime\s*\}}?)?\s*(\\left\s*)?\()"
    return re.sub(pattern, "f", text)


_LOSS_SCRIPT = re.compile(r"(?P<base>.+?)_\{?(?P<sub>.*?)\}?$", re.S)


def loss_letter(text: str, loss: str) -> str:
    """`text` with the notes' loss name written as its letter (`∂E_n/∂w` → `∂E  /∂w`,
    `\\mathcal{L}_{\\text{MSE}}` → `\\mathcal{L}`): the same length, so positions in messages
    still hold. `loss` is the name as the notes' loss line writes it, layout removed."""
    match = _LOSS_SCRIPT.fullmatch(loss)
    if match is None:
        return text
    sub = match.group("sub")
    spaced = r"\s*".join(re.escape(c) for c in sub)
    single = f"|{re.escape(sub)}(?![A-Za-z0-9])" if len(sub) == 1 else ""
    base = r"\s*".join(re.escape(c) for c in match.group("base"))
    pattern = rf"(?<![A-Za-z\\])({base})(\s*_\s*(?:\{{\s*{spaced}\s*\}}{single}))"
    return re.sub(pattern, lambda m: m.group(1) + " " * len(m.group(2)), text)


def with_entries(text: str, entries: tuple[tuple[str, str, str], ...]) -> str:
    """`text` with each use of a quantity defined entry by entry replaced by its definition, the
    index renamed: with `k_i := (a_i - y_i) f'(z_i)`, `k_j o_i` is `((a_j - y_j) f'(z_j)) o_i`."""
    for name, index, rhs in entries:
        use = re.compile(rf"(?<![A-Za-z\\]){re.escape(name)}\s*_\s*(?:\{{\s*([a-z])\s*\}}|([a-z]))")
        text = use.sub(_definition_of(index, rhs), text)
    return text


def _definition_of(index: str, rhs: str) -> Callable[[re.Match], str]:
    """`k_j` → `(rhs with index → j)`, in parentheses: a product of it stays one."""
    return lambda m: f"({_renamed(rhs, index, m.group(1) or m.group(2))})"


_SUBSCRIPT = re.compile(r"(_\s*)(\{[^{}]*\}|[A-Za-z])")


def _renamed(rhs: str, old: str, new: str) -> str:
    """`rhs` with the index `old` written `new` in every subscript, and `new` written `old` (a sum's
    own index stays apart from the new one): `(a_i - y_i)` → `(a_j - y_j)`."""
    if old == new:
        return rhs
    swap = {old: new, new: old}

    def rename(m: re.Match) -> str:
        body = m.group(2)
        if re.fullmatch(r"\{[a-z,\s]*\}|[a-z]", body) is None:
            return m.group(0)  # a layer (`_{l-1}`), a command: not an index
        return m.group(1) + "".join(swap.get(c) or c for c in body)

    return _SUBSCRIPT.sub(rename, rhs)


@dataclass(frozen=True)
class Naming:
    """The notes' names for the network's quantities: their layer numbers (`written`, from
    derive/reading.py) and their own letters where they have them (`H`, `S`, `O`), for rendering
    formulas as the notes write them (derive/formula.py's `Lettered`). Letters that the network
    uses for another quantity (Bishop's `a` for the pre-activation) are not used: `a²` would then
    mean two things on one line."""

    written: Callable[[str, int], int]
    letters: tuple[tuple[str, str, int | None], ...]  # (letter, kind, its layer or None: every layer)
    superscripts: bool = True  # the notes number layers their own way (W³); False: as ours (W_3)
    entrywise: bool = False  # letters name entries (`o_k`): a vector's transpose is the vector
    batch: tuple[str, int] = ("", 0)  # the batch's letter and size: (1/3) X shown as (1/m) X

    def __call__(self, kind: str, layer: int) -> int:
        return self.written(kind, layer)

    def letter(self, kind: str, layer: int) -> tuple[str, bool] | None:
        for letter, k, at in self.letters:
            if k == kind and at == layer:
                return letter, False
        for letter, k, at in self.letters:
            if k == kind and at is None:
                return letter, True
        return None


def naming(
    written: Callable[[str, int], int],
    names: Iterable[tuple[str, str, int | None]],
    last: int,
    superscripts: bool = True,
) -> Naming:
    """`Naming` from a run's symbol roles (letter, kind, below_last): a letter is used only where
    no letter means another quantity in the network's own notation."""
    letters = tuple(
        (x, kind, None if below is None else last - below)
        for x, kind, below in names
        if kind in ("a", "z") and _LETTER.fullmatch(x)  # one letter: safe in TeX as in text
    )
    clash = any(_DEFAULT.get(x, kind) != kind for x, kind, _ in letters)
    return Naming(written, () if clash else letters, superscripts)


_TEX_SYMBOL = {"δ": r"\delta", "Δ": r"\Delta", "θ": r"\theta", "Θ": r"\Theta"}


def entry_naming(
    base: Naming | None,
    written: Callable[[str, int], int],
    letters: Iterable[tuple[str, int, str, str]],
    tex: bool,
) -> Naming:
    """A claim in index notation's own names for the vectors it writes entry by entry, (kind,
    layer, symbol, index): `o_k` for a_3, `t_k` for the target (TeX: `o_{k}`, `\\delta_{k}`)."""

    def name(symbol: str, index: str) -> str:
        return f"{_TEX_SYMBOL.get(symbol, symbol)}_{{{index}}}" if tex else f"{symbol}_{index}"

    own = tuple((name(symbol, index), kind, layer) for kind, layer, symbol, index in letters)
    return Naming(
        written if base is None else base.written,
        own + (() if base is None else base.letters),
        True if base is None else base.superscripts,
        entrywise=True,
    )


def names_every_tensor(naming: Naming, formula_vars: Iterable[tuple[str, int]]) -> bool:
    """Every tensor of a formula has one of the claim's entry names: the formula can be shown in
    index notation (else it is shown as a matrix formula, in the notes' layer numbers)."""
    return all(any(k == kind and at == layer for _, k, at in naming.letters) for kind, layer in formula_vars)
