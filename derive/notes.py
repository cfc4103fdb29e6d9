"""What the notes say about their network: how they number layers, how deep it is, and the
activation of each layer.

Notes are read in every reading of `derive/reading.py` (which layer a weight feeds, the number of
the input layer). Their forward equations decide: `z^{(2)} = W^{(2)} a^{(1)}` holds only where
`W^{(l)}` feeds layer l. Without one that decides, the readings where every layer the notes name
exists remain, and a claim whose verdict differs between them depends on the convention.

Without `--sizes` the depth is the smallest at which every numbered layer exists (three layers
when the notes number none, as in `a^{L-1}`), with small widths of different sizes, so that a
wrong weight index is a shape error (`default_sizes`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from derive.claim_binding import NoSuchLayer, Unlayered
from derive.claim_parser import ClaimSyntaxError, parse
from derive.claims import Claim, ForwardEquation, claims_of, forward_letters, forward_of, is_claim, is_forward
from derive.declarations import Declaration, widths
from derive.document import Equation
from derive.formula import Formula, MatMul, Transpose, Var, rewrite
from derive.index_notation import entrywise_text, wrote_layered_weights
from derive.network import MAX_LAYERS, Network
from derive.reading import READINGS, SEED, IndexOrder, Reading
from derive.roles import OURS, Notation

MAX_DEPTH = 6  # layers tried when the notes give no sizes
Declared = tuple[Declaration, ...]
# a layer written with a number: a_2, W^{(1)}, z^{[2]}, a^3 (a power such as x^2 counts too: harmless)
_NUMBERED = re.compile(r"[A-Za-z}]\s*(_|\^)\s*\{?\s*[\(\[]?\s*[0-9]")


class SizesFrom(StrEnum):
    """Where a network's layer widths come from."""

    GIVEN = "given"  # --sizes, or a claims file's [network]
    DECLARED = "declared"  # the notes' declarations (W ∈ ℝ^{3×4}), a default for the others
    DEFAULT = "default"  # `default_sizes`


class Basis(StrEnum):
    """Why a reading was chosen."""

    DEFAULT = "default"  # the seed's, nothing in the notes against it
    FORWARD = "forward equations"  # the notes' forward equations hold only in it
    LAYERS = "layers exist"  # the only reading in which every layer the notes name exists


@dataclass(frozen=True)
class Interpretation:
    """The notes bound in one reading: the network (its depth inferred unless given), the claims
    and forward equations."""

    reading: Reading
    network: Network
    claims: tuple[Claim, ...]
    forward: tuple[ForwardEquation, ...]

    @property
    def missing_layers(self) -> int:
        """Claims and forward equations naming a layer that does not exist in this reading."""
        return sum(isinstance(c.problem, NoSuchLayer) for c in self.claims) + sum(
            f.missing_layer for f in self.forward
        )


def default_sizes(depth: int) -> tuple[int, ...]:
    """Small widths, all different, so that shapes tell layers apart: 4,3 (the seed's) for two
    layers, then 4,3,2 and n+1, n, …, 2."""
    return (4, 3) if depth == 2 else tuple(range(depth + 1, 1, -1))


def _bind(
    equations: Sequence[Equation], source: str, network: Network, reading: Reading, notation: Notation = OURS
) -> Interpretation:
    forward_texts = [e.text for e in equations if not is_claim(e.text) and is_forward(e.text, notation)]
    notation = replace(notation, letters=forward_letters(forward_texts, network, reading, notation))
    claims = tuple(
        c for e in equations if is_claim(e.text) for c in claims_of(e, source, network, reading, notation)
    )
    forward = tuple(
        f
        for e in equations
        if not is_claim(e.text) and is_forward(e.text, notation)
        for f in forward_of(e, source, network, reading, notation)
    )
    return Interpretation(reading, network, claims, forward)


def _weight_links(formula: Formula, indexed: bool = False) -> list[tuple[int, int]]:
    """(k, j) of every `W_k a_j` in a formula; with `indexed` (notes in index notation), (0, 0),
    which no reading fits, for `W_kᵀ a_j` (`\\sum_j w_{jk} o_j` read the wrong way round)."""
    found: list[tuple[int, int]] = []

    def visit(node: Formula) -> None:
        match node:
            case MatMul(Var("W", k), Var("a", j)) | MatMul(Transpose(Var("a", j)), Transpose(Var("W", k))):
                found.append((k, j))  # W_k a_j, or a_jᵀ W_kᵀ: read with rows as examples
            case MatMul(Transpose(Var("W")), Var("a")) if indexed:
                found.append((0, 0))

    rewrite(formula, lambda node: visit(node))
    return found


def contradicts(interpretation: Interpretation) -> bool:
    """A forward equation `z_p = … W_k a_j …` (or `a_p = f(… W_k a_j …)`) of the notes that, in
    this reading, is not the network's `z_{k+1} = W_k a_k` (a weight feeding the wrong layer, or
    reading the wrong one)."""
    for equation in interpretation.forward:
        identity = equation.identity
        if identity is None or not isinstance(identity.lhs, Var) or identity.lhs.kind not in ("z", "a"):
            continue
        p = identity.lhs.layer
        links = _weight_links(identity.formula, interpretation.reading.index is not None)
        if any((k, j) != (p - 1, p - 1) for k, j in links):
            return True
    return False


def _decides(interpretation: Interpretation) -> bool:
    """Whether the notes have a forward equation with a weight in it (which settles the reading)."""
    return any(f.identity is not None and _weight_links(f.identity.formula) for f in interpretation.forward)


def weights_on_right(forward: Sequence[ForwardEquation]) -> bool:
    """Whether the notes' forward equations, read in columns, multiply weights from the right
    (`Z_2 = A_1 W_1 + b_1`, D2L's `X W + b`) and never from the left: rows are examples."""
    right = left = False

    def visit(node: Formula) -> None:
        nonlocal right, left
        match node:
            case MatMul(Var("a") | Transpose(Var("a")), Var("W")):
                right = True
            case MatMul(Var("W") | Transpose(Var("W")), _):
                left = True

    for equation in forward:
        if equation.identity is not None:
            rewrite(equation.identity.formula, lambda node: visit(node))
    return right and not left


def _sizes(depth: int, declared: dict[int, int]) -> tuple[int, ...]:
    """`default_sizes(depth)` with the widths the notes declare."""
    return tuple(declared.get(layer, width) for layer, width in enumerate(default_sizes(depth), start=1))


def _depth(
    equations: Sequence[Equation],
    source: str,
    options: dict,
    reading: Reading,
    declared: Declared,
    notation: Notation = OURS,
) -> Interpretation:
    """The notes bound at the smallest depth where the fewest layers are missing (at least as
    deep as the deepest layer they declare a size of)."""
    numbered = any(_NUMBERED.search(e.text) for e in equations)
    top = min(MAX_DEPTH, MAX_LAYERS)
    fixed = widths(declared, reading, top)
    best: Interpretation | None = None
    for depth in range(max([2 if numbered else 3, *fixed]), top + 1):
        network = Network(**{**options, "sizes": _sizes(depth, fixed)})
        found = _bind(equations, source, network, reading, notation)
        if best is None or found.missing_layers < best.missing_layers:
            best = found
        if found.missing_layers == 0:
            break
    assert best is not None  # the range is never empty
    return best


Found = tuple[Interpretation, "Basis", tuple[Interpretation, ...] | None]


def interpret(
    equations: Sequence[Equation],
    source: str,
    options: dict,
    declared: Declared = (),
    notation: Notation = OURS,
) -> tuple[Found, dict]:
    """((the reading the notes are checked in, why, the other readings they leave open whose
    claims differ — None when the seed's fits and they were not looked for: `open_readings`),
    the options used). `options` are Network keyword arguments; without "sizes" the depth is
    inferred, without "activation" the activations are the ones the forward equations name
    (`a^{(2)} = \\text{ReLU}(z^{(2)})`, `a^{(3)} = \\sigma(z^{(3)})`), per layer where they
    differ (`per_layer`). `notation`: the notes' own letters and layout (derive/roles.py)."""
    found = _interpret(equations, source, options, declared, notation)
    if "activation" in options or "activations" in options:
        return found, options
    named = named_activations(found[0].forward)
    if not named:
        return found, options
    network = found[0].network
    # a layer the notes write with a generic function (Bishop's `z_j = h(a_j)`) is not the nearest
    # named layer's (a linear output would make h the identity): the default stands in for h
    fill = Network.activation if notation.functions else None
    names = per_layer(named, len(network.sizes), fill)
    if len(set(names)) == 1:
        adopted = {**options, "activation": names[0]}
    else:  # the depth found, so that the names fit it
        adopted = {**options, "sizes": network.sizes, "activations": names}
    return _interpret(equations, source, adopted, declared, notation), adopted


def named_activations(forward: Sequence[ForwardEquation]) -> dict[int, str]:
    """Layer → the activation the forward equations name for it (`a_l = g(z_l)`; the first
    where two name one layer: the other is then inconsistent)."""
    named: dict[int, str] = {}
    for equation in forward:
        for layer, name in equation.named:
            named.setdefault(layer, name)
    return named


def per_layer(named: dict[int, str], layers: int, fill: str | None = None) -> tuple[str, ...]:
    """`f_1 … f_layers`: the named ones, and for a layer the notes do not name `fill` or, without
    one, the activation of the nearest named layer (the lower one on a tie: a hidden layer's,
    not the output's)."""
    return tuple(
        named[layer] if layer in named else fill or named[min(named, key=lambda k: (abs(k - layer), k))]
        for layer in range(1, layers + 1)
    )


def unnamed_layers(
    forward: Sequence[ForwardEquation], network: Network, reading: Reading = SEED
) -> tuple[int, ...]:
    """The layers of a network of per-layer activations whose activation the forward equations
    do not name (it is their nearest named layer's: `per_layer`). Where W^l feeds layer l (Ng's
    a^{[0]} = x, Nielsen's a^1 = x) the input has no activation to name; in the seed's numbering
    it has one, a_1 = f(z_1)."""
    if not network.mixed:
        return ()
    named = named_activations(forward)
    first = 1 if reading.is_seed else 2
    return tuple(layer for layer in range(first, len(network.sizes) + 1) if layer not in named)


def _fit(
    equations: Sequence[Equation],
    source: str,
    options: dict,
    reading: Reading,
    declared: Declared,
    notation: Notation = OURS,
) -> Interpretation:
    if "sizes" in options:
        return _bind(equations, source, Network(**options), reading, notation)
    return _depth(equations, source, options, reading, declared, notation)


def _readings(equations: Sequence[Equation]) -> tuple[Reading, ...]:
    """The readings to try, the default first: with claims in index notation, each with `w_{jk}`
    from neuron j to neuron k and into j from k (Nielsen's first where he is followed: `w^l_{jk}`)."""
    written = [_sides(e.text) for e in equations if entrywise_text(e.text)]
    if not written:
        return READINGS
    first: IndexOrder = "to" if any(wrote_layered_weights(s) for s in written) else "from"
    second: IndexOrder = "from" if first == "to" else "to"
    return tuple(replace(r, index=order) for order in (first, second) for r in READINGS)


def _sides(text: str) -> tuple:
    try:
        return parse(text, "latex")
    except ClaimSyntaxError:
        return ()


def _interpret(
    equations: Sequence[Equation], source: str, options: dict, declared: Declared, notation: Notation = OURS
) -> Found:
    seed = _fit(equations, source, options, _readings(equations)[0], declared, notation)
    if seed.claims and all(isinstance(c.problem, Unlayered) for c in seed.claims):
        # `z = Wx + b`, `∂L/∂W`: notes of one layer that number none
        single = replace(seed.reading, single=True)
        sizes = options.get("sizes") or _sizes(2, widths(declared, single, 2))
        one = _bind(equations, source, Network(**{**options, "sizes": sizes}), single, notation)
        return one, Basis.LAYERS, None
    if seed.missing_layers == 0 and not contradicts(seed):  # the common case: one binding
        return seed, Basis.FORWARD if _decides(seed) else Basis.DEFAULT, None
    return _every(equations, source, options, seed, declared, notation)


def open_readings(
    equations: Sequence[Equation],
    source: str,
    options: dict,
    declared: Declared = (),
    notation: Notation = OURS,
) -> tuple[Interpretation, ...]:
    """The readings other than the seed's that the notes leave open, with claims that differ."""
    default = _readings(equations)[0]
    seed = _fit(equations, source, options, default, declared, notation)
    return _every(equations, source, options, seed, declared, notation)[2] or ()


def _every(
    equations: Sequence[Equation],
    source: str,
    options: dict,
    seed: Interpretation,
    declared: Declared,
    notation: Notation = OURS,
) -> Found:
    found = [
        seed,
        *(_fit(equations, source, options, r, declared, notation) for r in _readings(equations)[1:]),
    ]
    fitting = [i for i in found if not contradicts(i)] or found
    fewest = min(i.missing_layers for i in fitting)
    fitting = [i for i in fitting if i.missing_layers == fewest]
    decided = any(_decides(i) for i in found) and len(fitting) < len(found)
    # readings that bind every claim to the same quantities are one reading
    distinct: list[Interpretation] = []
    for i in fitting:
        if not any(_same(i, j) for j in distinct):
            distinct.append(i)
    primary = next((i for i in distinct if i.reading == seed.reading), distinct[0])
    others = tuple(i for i in distinct if i is not primary)
    if decided:
        basis = Basis.FORWARD
    elif primary.reading == seed.reading:
        basis = Basis.DEFAULT
    else:
        basis = Basis.LAYERS
    return primary, basis, others


def _same(one: Interpretation, other: Interpretation) -> bool:
    """Both readings give the same network, and bind every claim to the same sides."""
    if one.network != other.network or len(one.claims) != len(other.claims):
        return False
    return all(
        (a.identity, a.problem is None) == (b.identity, b.problem is None)
        for a, b in zip(one.claims, other.claims, strict=True)
    )
