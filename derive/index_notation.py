"""Index notation: claims written entry by entry, with free neuron indices and `\\sum_j`.

Textbooks and forums write gradients per neuron: `\\frac{\\partial E}{\\partial w_{jk}} =
\\delta_k o_j`, Nielsen's `\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j`,
`\\frac{\\partial E}{\\partial o_k} = -2(t_k - o_k)`. A claim with free indices states an equation
for every entry; it is read here as the one matrix equation that says the same for all of them,
so that every entry is checked by every witness and the shapes follow from the network:
`∂E/∂w_{jk} = δ_k o_j` for all j, k (w_{jk} from neuron j to neuron k, `W[k, j]`) is
`∂E/∂W = δ oᵀ`.

How symbols are read:

- `w`, `W`, `θ` with two indices are a weight, `o` and `a` an activation, `z` a weighted input,
  `δ` an error `∂E/∂z`, `b` a bias, `t`, `y` the target, `x` the input; one index each (two for a
  weight), `w_{jk}`, `w_{j,k}`;
- a layer written as a superscript (`w^l_{jk}`, `a^{l-1}_k`, `δ^{(2)}_j`) is read as the notes
  number their layers (`derive/reading.py`), the subscript being the neuron;
- without a layer, the claim's own quantities place its letters: the target's letter (`t_k`) is
  the output layer's, the input's (`x_i`) the input layer's, and the others follow in the order
  the letters run: up (`o_k` an output, `o_j` the layer below, `o_i` the one below that, as in
  `i → j → k`), or down where the claim's weight says so (Nielsen's `w_{jk}`, j above k);
- `w_{jk}` is the weight from neuron j to neuron k (`Reading.index == "from"`, `W[k, j]`), or
  into neuron j from neuron k (`"to"`, `W[j, k]`: Bishop's `a_j = \\sum_i w_{ji} z_i`, Nielsen's
  `w^l_{jk}`); the receiving index is the layer above. Which is the notes' forward equation
  says (the free index receives); both are tried where the notes do not settle it. A weight whose
  letters sit the other way round (into the layer below) is W's entry transposed: the slip of a
  missing transpose, a shape error or refuted.

Every value is an `Indexed` formula: a column over its one index, a matrix over (row, column)
indices, or a 1 × 1 matrix over none. A product of two of them is their broadcast product, a sum
`\\sum_j` contracts j (a matrix product where it can: `\\sum_j w_{jk} o_j` is `W o`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import cast

from lark import Token, Tree

from derive.claim_binding import LOSS_NAMES, Binding, NoSuchLayer, Scalar, position, scale
from derive.claim_parser import ClaimSyntaxError, parse
from derive.formula import (
    Add,
    Broadcast,
    Fill,
    Formula,
    Grad,
    Hadamard,
    MatMul,
    SumAxis,
    Transpose,
    Var,
)
from derive.latex_binding import LatexBinder, example_sum
from derive.roles import OUTPUT

# the symbols of index notation and what they are (W, b, a, z, delta, y; x: the input)
_KINDS = {
    "w": "W", "W": "W", "θ": "W", "Θ": "W", "b": "b", "o": "a", "a": "a", "z": "z",
    "δ": "delta", "t": "y", "y": "y", "x": "x",
}  # fmt: skip
_SYMBOL_OF_KIND = {"W": "W", "b": "b", "a": "a", "z": "z", "delta": "δ"}  # as claim_binding names them
_NAMES = ("letter", "greek", "font_letter", "font_greek")
_OUTPUT_SYMBOLS = ("o", "t", "y")  # symbols of the output layer: a digit superscript is a power
SPELLING = (
    "index notation reads w_{jk} (a weight), o_j or a_j (an activation), z_j, \\delta_j, b_j, the "
    "target t_j, each with its neuron index, a layer as superscript where the notes number "
    "layers (w^l_{jk}, a^{l-1}_k, \\delta^l_j), and sums \\sum_j"
)
MAX_INDICES = 2  # free indices of one term: a matrix


@dataclass(frozen=True)
class Indexed:
    """A formula over free `indices`: a column over one, a (row, column) matrix over two, a 1 × 1
    matrix over none. `factors` are the two operands of a product (to contract one index of it as
    a matrix product)."""

    formula: Formula
    indices: tuple[str, ...]
    factors: tuple[Indexed, ...] = ()


Entry = Indexed | Scalar


def _sub_letters(script: Tree) -> list[str] | None:
    """The index letters of a subscript (`_k`, `_{jk}`, `_{j,k}`), or None for a layer (`_2`,
    `_L`, `_{l+1}`)."""
    if script.data != "sub_script":
        return None
    arg = script.children[1]
    if isinstance(arg, Token):
        parts = [arg]
    else:
        parts = list(arg.scan_values(lambda v: isinstance(v, Token)))
        pairs = list(arg.find_data("index_pair"))
        if pairs:
            return [str(t) for t in pairs[0].children if isinstance(t, Token) and t.type == "LETTER"]
    texts = [str(p) for p in parts]
    if len(texts) == 1 and texts[0].isalpha() and texts[0].islower():
        return texts
    return None


def _is_transpose(script: Tree) -> bool:
    tokens = [str(t) for t in script.scan_values(lambda v: isinstance(v, Token))]
    return any(t == "T" or (t.startswith("\\") and not t.startswith("\\prime")) for t in tokens[1:])


def _has_layer(scripts: list[Tree]) -> bool:
    """A layer written among `scripts`: a superscript that is no transpose, or a subscript
    that is no index."""
    for script in scripts:
        if script.data == "sup_script" and not _is_transpose(script):
            return True
        if script.data == "sub_script" and _sub_letters(script) is None:
            return True
    return False


def _named(tree: Tree) -> list[tuple[str, list[Tree]]]:
    """(symbol, scripts) of every name in `tree` (in scripted names and in ∂L/∂X)."""
    found = []
    for node in tree.iter_subtrees():
        if node.data == "scripted" and isinstance(node.children[0], Tree) and node.children[0].data in _NAMES:
            atom = node.children[0]
            found.append(
                (_symbol(atom), _inner(atom) + [c for c in node.children[1:] if isinstance(c, Tree)])
            )
        elif node.data == "gradient":
            trees = [c for c in node.children if isinstance(c, Tree)]
            names = [t for t in trees if t.data in _NAMES]
            if names:
                at = trees.index(names[-1])
                scripts = [t for t in trees[at + 1 :] if t.data.endswith("_script")]
                found.append((_symbol(names[-1]), _inner(names[-1]) + scripts))
    return found


def _symbol(name: Tree) -> str:
    token = [c for c in name.children if isinstance(c, Token)][-1]
    return {r"\delta": "δ", r"\Delta": "Δ", r"\Theta": "Θ", r"\theta": "θ"}.get(str(token), str(token))


def _inner(name: Tree) -> list[Tree]:
    return [c for c in name.children if isinstance(c, Tree)]


def _over_layers(summation: Tree) -> bool:
    """`\\sum_l \\|W^{[l]}\\|_F^2` (an L2 penalty): a sum whose letter is its body's layer."""
    limits = next((c for c in summation.children if isinstance(c, Tree) and c.data == "sum_limits"), None)
    letter = (
        None
        if limits is None
        else next((str(t) for t in limits.children if isinstance(t, Token) and t.type == "LETTER"), None)
    )
    return letter is not None and any(
        str(t) == letter
        for layer in summation.find_data("layer_expr")
        for t in layer.children
        if isinstance(t, Token)
    )


def uses_index_notation(sides: tuple[Tree | Token, ...]) -> bool:
    """Whether an equation is written entry by entry: a `\\sum`, a two-index subscript
    (`w_{jk}`), an output `o_k` or target `t_k` with its index, or a symbol with both a layer
    superscript and an index (`a^{l-1}_k`)."""
    for side in sides:
        if not isinstance(side, Tree):
            continue
        neuron_sums = [
            t for t in side.find_data("summation") if example_sum(t) is None and not _over_layers(t)
        ]
        if neuron_sums or any(side.find_data("index_pair")):
            return True
        for symbol, scripts in _named(side):
            indexed = any(_sub_letters(s) is not None for s in scripts)
            if indexed and (symbol in _OUTPUT_SYMBOLS or _has_layer(scripts)):
                return True
    return False


# what index notation cannot be written without: a sum, or a neuron index i, j, k (m, n) as a
# subscript (`o_k`, `w_{jk}`, `a^{l-1}_k`); text without one is not parsed to ask
_INDEX_HINT = re.compile(r"\\sum|_\s*\{?\s*[ijkmn](?![A-Za-z])|_\s*\{\s*[a-z]\s*,?\s*[a-z]\s*\}")


def might_be_entrywise(text: str) -> bool:
    """False where `text` cannot be in index notation (no sum, no neuron-index subscript)."""
    return _INDEX_HINT.search(text) is not None


@lru_cache(maxsize=4096)
def entrywise_text(text: str) -> bool:
    """`uses_index_notation` of a LaTeX equation's text, cached: notes are read in several
    readings and depths, each asking it of every equation (False when it does not parse)."""
    if not might_be_entrywise(text):
        return False
    try:
        return uses_index_notation(parse(text, "latex"))
    except ClaimSyntaxError:
        return False


def wrote_layered_weights(sides: tuple[Tree | Token, ...]) -> bool:
    """A weight written with a layer and two indices (Nielsen's `w^l_{jk}`): his reading of
    `w_{jk}` (into neuron j from neuron k) comes first."""
    for side in sides:
        if isinstance(side, Tree):
            for symbol, scripts in _named(side):
                letters = [s for s in scripts if (found := _sub_letters(s)) and len(found) == 2]
                if _KINDS.get(symbol) == "W" and letters and _has_layer(scripts):
                    return True
    return False


class IndexBinder:
    """Binds the sides of one equation in index notation (one binder per equation: the letters'
    layers are the equation's)."""

    def __init__(self, text: str, binding: Binding, sides: tuple[Tree | Token, ...]) -> None:
        self.text = text
        self.binding = binding
        self.latex = LatexBinder(text, binding)
        self.order = binding.reading.index or "from"
        self.anchored = False
        self.layers = self._letter_layers(sides)
        self.letters: dict[tuple[str, int], tuple[str, str]] = {}  # (kind, layer) → (symbol, index)

    def error(self, node: Tree | Token | int, message: str) -> ClaimSyntaxError:
        return self.latex.error(node, message)

    # --- which layer a letter names ----------------------------------------------------------
    def _letter_layers(self, sides: tuple[Tree | Token, ...]) -> dict[str, int]:
        """Internal layers of the letters written without a layer, placed by the claim's own
        quantities: the target's letter (t_k) is the output layer's, the input's (x_i) the input
        layer's; else the top letter is the output's, the others below it as the letters run."""
        letters: set[str] = set()
        top = bottom = None
        for side in sides:
            if not isinstance(side, Tree):
                continue
            for symbol, scripts in _named(side):
                if _has_layer(scripts):
                    continue
                for script in scripts:
                    found = _sub_letters(script) or []
                    letters.update(found)
                    if symbol in ("t", "y") and found:
                        top = found[0]
                    elif self._kind(symbol) == "x" and found:
                        bottom = found[0]
        last = self.binding.last
        anchored = dict(self.binding.letters)
        if letters and all(letter in anchored and 1 <= anchored[letter] <= last for letter in letters):
            return {letter: anchored[letter] for letter in letters}  # as the forward equations use them
        self.anchored = top is not None or bottom is not None  # placed by a target's or input's letter
        ranked = sorted(letters, reverse=self._letters_run_up(sides, letters, top, bottom))  # output's first
        if top is None and bottom is not None:  # x_i: i is layer 1, the letters above it
            return {letter: 1 + ranked.index(bottom) - rank for rank, letter in enumerate(ranked)}
        shift = ranked.index(top) if top in ranked else 0
        return {letter: last - (rank - shift) for rank, letter in enumerate(ranked)}

    def _letters_run_up(
        self, sides: tuple[Tree | Token, ...], letters: set[str], top: str | None, bottom: str | None
    ) -> bool:
        """Whether the claim's letters run up the layers (i → j → k, Bishop's and most notes') or
        down (Nielsen's j above k). An anchor (the target's letter, else the input's) first or
        last in the alphabet says (t_k or x_i: up); else the first weight written without a layer:
        its receiving index (w_{pq}'s q in the order "from", p in "to") is the layer above the
        other. Without either, they run up."""
        ends = (min(letters), max(letters)) if len(letters) > 1 else ()
        if top in ends:
            return top == max(letters)
        if top is None and bottom in ends:
            return bottom == min(letters)
        for side in sides:
            if not isinstance(side, Tree):
                continue
            for symbol, scripts in _named(side):
                pair = [found for s in scripts if (found := _sub_letters(s)) and len(found) == 2]
                if self._kind(symbol) == "W" and pair and not _has_layer(scripts):
                    first, second = pair[0]
                    upper, lower = (second, first) if self.order == "from" else (first, second)
                    return upper > lower
        return True

    def _kind(self, symbol: str) -> str | None:
        """What `symbol` is: the notes' own letters first (Bishop's a is z), then `_KINDS`."""
        role = self.binding.role(symbol)
        return _KINDS.get(symbol) if role is None else "a" if role.kind == OUTPUT else role.kind

    def _layer_of(self, at: Tree | Token, letter: str) -> int:
        layer = self.layers.get(letter)
        if layer is None or not 1 <= layer <= self.binding.last:
            sizes = ",".join(map(str, self.binding.sizes))
            raise NoSuchLayer(
                self.text,
                position(at),
                f"the neuron index {letter} names a layer this network (sizes {sizes}) does not have; "
                "the output layer's index is the target's (t_k) or the last letter (i → j → k)",
            )
        return layer

    # --- the tree -------------------------------------------------------------------------------
    def bind(self, node: Tree | Token) -> Entry:
        if isinstance(node, Token):
            raise self.error(node, f"unexpected '{node!s}'")
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise self.error(node, f"{node.data} is not read in index notation; {SPELLING}")
        return handler(node)

    def _sides(self, node: Tree) -> list[Tree]:
        return [c for c in node.children if isinstance(c, Tree)]

    def _add(self, node: Tree) -> Entry:
        left, right = self._sides(node)
        return self.add(node, self.bind(left), self.bind(right))

    def _sub(self, node: Tree) -> Entry:
        left, right = self._sides(node)
        return self.add(node, self.bind(left), self.negate(self.bind(right)))

    def _neg(self, node: Tree) -> Entry:
        return self.negate(self.bind(node.children[1]))

    def _pos(self, node: Tree) -> Entry:
        return self.bind(node.children[1])

    def _product(self, node: Tree) -> Entry:
        left, right = self._sides(node)
        return self.multiply(right, self.bind(left), self.bind(right))

    _hadamard = _product  # entry by entry, ∘ is the product of the entries

    def _divide(self, node: Tree) -> Entry:
        left, right = self._sides(node)
        return self.divide(right, self.bind(left), self.bind(right))

    def _fraction(self, node: Tree) -> Entry:
        numerator, denominator = self._sides(node)
        return self.divide(denominator, self.bind(numerator), self.bind(denominator))

    def _fraction_digits(self, node: Tree) -> Entry:
        return cast(Scalar, self.latex._fraction_digits(node))

    def _number(self, node: Tree) -> Entry:
        return self.latex.number(cast(Token, node.children[0]))

    def _group(self, node: Tree) -> Entry:
        return self.bind(self._sides(node)[0])

    def _letter(self, node: Tree) -> Entry:
        return self.name(node, [])

    _greek = _font_letter = _font_greek = _letter

    def _scripted(self, node: Tree) -> Entry:
        atom, *scripts = node.children
        if isinstance(atom, Tree) and atom.data in _NAMES:
            return self.name(atom, scripts)
        value = self.bind(atom)
        for script in scripts:
            power = self.latex._power(script)
            if power is None:
                raise self.error(script, "only a power (^2) may follow a parenthesis in index notation")
            value = self.power(script, value, power)
        return value

    def _application(self, node: Tree) -> Entry:
        function = cast(Tree, node.children[0])
        token = cast(Token, function.children[0])
        prime = any(isinstance(c, Tree) and c.data == "prime" for c in node.children)
        written = str(token)
        if token.type == "NAMED_FUNCTION":
            inner = re.search(r"\{\s*([A-Za-z-]+)\s*\}", written)
            written = inner.group(1) if inner else written.lstrip("\\")
        written = {r"\sigma": "σ", r"\phi": "φ", r"\varphi": "φ"}.get(written, written)
        if written == "diag":
            raise self.error(token, "diag in index notation: write the entries (δ_j σ'(z_j))")
        node_type = self.latex.activation(token, written, prime)
        argument = self.bind(self._sides(node)[-1])
        if isinstance(argument, Scalar):
            raise self.error(
                token, f"{written} of an entry such as z_j; received the number {argument.value}"
            )
        return Indexed(node_type(argument.formula), argument.indices)

    def _sum_examples(self, node: Tree) -> Entry:
        """`\\sum x` with no index: in index notation the index must be written."""
        raise self.error(node, "the index of a sum: write \\sum_j or \\sum_{j=1}^{n}")

    def _summation(self, node: Tree) -> Entry:
        limits = [c for c in node.children if isinstance(c, Tree) and c.data == "sum_limits"]
        if not limits:
            raise self.error(node, "the index of a sum: write \\sum_j or \\sum_{j=1}^{n}")
        letter = next(t for t in limits[0].children if isinstance(t, Token) and t.type == "LETTER")
        body = self.bind(self._sides(node)[-1])
        if not isinstance(body, Indexed) or str(letter) not in body.indices:
            raise self.error(
                letter, f"a sum over {letter} of terms with the index {letter} (such as w_{{{letter}k}})"
            )
        return self.contract(body, str(letter))

    def _gradient(self, node: Tree) -> Entry:
        trees = self._sides(node)
        at = trees.index(next(t for t in trees if t.data == "loss_name"))
        if at == len(trees) - 1:  # \nabla_{X} L
            name, scripts = trees[0], trees[1:at]
        else:
            if trees[at + 1].data.endswith("_script"):
                raise self.error(
                    trees[at + 1],
                    "the loss on top (∂E/∂w_{jk}); a Jacobian such as ∂o_j/∂z_j is not read: "
                    "write it out (o_j(1 - o_j))",
                )
            name, scripts = trees[at + 1], trees[at + 2 :]
        loss = _symbol(cast(Tree, trees[at].children[0]))
        if loss not in LOSS_NAMES:
            raise self.error(
                trees[at], f"the loss ({', '.join(LOSS_NAMES)}) in ∂E/∂w_{{jk}}; received '{loss}'"
            )
        value = self.name(name, scripts)
        if isinstance(value, Indexed):  # o_j read as softmax(z)_j: its gradient is a_L's (refused)
            value = Indexed(self.latex.unread_output(value.formula), value.indices)
        if not (isinstance(value, Indexed) and isinstance(value.formula, Var)) or value.formula.kind in (
            "delta",
            "y",
        ):
            raise self.error(name, f"∂E/∂X with X one of w_{{jk}}, b_j, o_j (a_j), z_j; {SPELLING}")
        return Indexed(self.latex.gradient(name, value.formula), value.indices)

    # --- names ------------------------------------------------------------------------------------
    def name(self, node: Tree, scripts: list) -> Entry:
        symbol = _symbol(node)
        scripts = _inner(node) + [s for s in scripts if isinstance(s, Tree)]
        kind = self._kind(symbol)  # the notes' own letters (derive/roles.py): Bishop's a is z
        token = [c for c in node.children if isinstance(c, Token)][-1]
        if kind is None:
            raise self.error(token, f"unknown symbol '{symbol}'; {SPELLING}")
        indices: list[str] = []
        written: tuple[int, bool] | None = None
        powers: list[int] = []
        for script in scripts:
            if script.data == "prime_script":
                raise self.error(
                    script, f"a prime on {symbol}: write σ'(z_j) for the activation's derivative"
                )
            letters = _sub_letters(script)
            if letters is not None:
                if indices:
                    raise self.error(script, f"one subscript of indices on {symbol}, e.g. {symbol}_{{jk}}")
                indices = letters
                continue
            if script.data == "sup_script" and indices and symbol in _OUTPUT_SYMBOLS:
                power = self.latex._power(script)
                if power is not None:  # o_k^2: a square
                    powers.append(power)
                    continue
            if script.data == "sub_script":
                found = self.latex._layer(script.children[1])
            else:
                superscript, marks = self.latex._superscript(script)
                if marks:
                    raise self.error(
                        script,
                        f"no transpose in index notation: write the indices in the order meant; {SPELLING}",
                    )
                if superscript is None:
                    continue
                found = superscript
            if written is not None:
                raise self.error(script, f"one layer for {symbol}; received a second one")
            written = found
        value = self._quantity(token, symbol, kind, indices, written)
        for power in powers:
            value = self.power(token, value, power)
        return value

    def _quantity(
        self, at: Token, symbol: str, kind: str, indices: list[str], written: tuple[int, bool] | None
    ) -> Indexed:
        wanted = 2 if kind == "W" else 1
        if len(indices) != wanted:
            example = f"{symbol}_{{jk}}" if wanted == 2 else f"{symbol}_j"
            count = "two neuron indices" if wanted == 2 else "one neuron index"
            raise self.error(at, f"{symbol} with {count}, e.g. {example}; {SPELLING}")
        if len(set(indices)) != len(indices):
            raise self.error(at, f"two different indices on {symbol}, e.g. {symbol}_{{jk}}")
        if kind == "y":
            if written is not None:
                raise self.error(
                    at, f"the target {symbol} takes no layer: write {symbol}_k (the output layer's)"
                )
            target = self.latex.variable(at, "y", None, False)
            self._written(target, symbol, indices)
            return Indexed(target, tuple(indices))
        if kind == "x":
            return Indexed(self.latex.input(), tuple(indices))
        if kind == "W":
            return self._weight(at, symbol, indices, written)
        if written is not None:
            var = self.latex.variable(at, _SYMBOL_OF_KIND[kind], written[0], written[1])
        else:
            layer = self._layer_of(at, indices[0])
            var = self._internal(at, symbol, kind, layer - 1 if kind == "b" else layer)
            self._written(var, symbol, indices)
        return Indexed(self.latex.output(var), tuple(indices))  # o_k under softmax-ce: softmax(z)_k

    def _written(self, var: Formula, symbol: str, indices: list[str]) -> None:
        """Keep how the claim writes a vector's entry (`o_k` for a_3), for naming its slips."""
        if isinstance(var, Var):
            self.letters.setdefault((var.kind, var.layer), (symbol, indices[0]))

    def _weight(
        self, at: Token, symbol: str, indices: list[str], written: tuple[int, bool] | None
    ) -> Indexed:
        """`w_{pq}`: `W[q, p]` from neuron p to neuron q, or `W[p, q]` into p from q (Nielsen's)."""
        first, second = indices
        row, column = (second, first) if self.order == "from" else (first, second)
        if written is not None:
            return Indexed(self.latex.variable(at, "W", written[0], written[1]), (row, column))
        below, above = self._layer_of(at, column), self._layer_of(at, row)
        if below == above + 1:  # w_{pq} with p, q the wrong way round: W's entry [q, p] as if [p, q]
            return Indexed(self._internal(at, symbol, "W", above), (row, column))
        if above != below + 1:
            raise self.error(
                at,
                f"{symbol}_{{{first}{second}}} joins neurons of adjacent layers; read as from neuron "
                f"{column} to neuron {row}, {row} is not the layer above {column}",
            )
        return Indexed(self._internal(at, symbol, "W", below), (row, column))

    def _internal(self, at: Token, symbol: str, kind: str, layer: int) -> Var:
        top = self.binding.last - 1 if kind in ("W", "b") else self.binding.last
        if not 1 <= layer <= top:
            sizes = ",".join(map(str, self.binding.sizes))
            raise NoSuchLayer(
                self.text,
                position(at),
                f"{symbol} of layer {layer} does not exist in this network (sizes {sizes})",
            )
        return Var(kind, layer)

    # --- arithmetic on entries -----------------------------------------------------------------
    def _place(self, value: Indexed, order: tuple[str, ...]) -> Formula:
        """`value`'s formula laid out over `order` (a column over its first index, a row over its
        second), ready to broadcast."""
        f, own = value.formula, value.indices
        if not own or own == order[: len(own)]:
            return f
        if len(value.factors) == 2 and len(own) == 2:  # a product: its factors laid out anew
            return self._product_of(*value.factors, order)
        if own == tuple(reversed(order)) or own == order[1:]:
            return Transpose(f)
        raise AssertionError(f"indices {own} do not fit {order}")  # pragma: no cover

    def _order(self, at: Tree | Token | int, left: Indexed, right: Indexed) -> tuple[str, ...]:
        order = left.indices + tuple(i for i in right.indices if i not in left.indices)
        if len(order) > MAX_INDICES:
            raise self.error(
                at, f"at most {MAX_INDICES} free indices in a term (a matrix); received {', '.join(order)}"
            )
        return order

    def multiply(self, at: Tree | Token | int, left: Entry, right: Entry) -> Entry:
        if isinstance(left, Scalar) and isinstance(right, Scalar):
            return Scalar(left.value * right.value)
        if isinstance(left, Scalar) or isinstance(right, Scalar):
            number, value = (left, right) if isinstance(left, Scalar) else (right, left)
            assert isinstance(number, Scalar) and isinstance(value, Indexed)
            return Indexed(scale(number.value, value.formula), value.indices)
        order = self._order(at, left, right)
        return Indexed(self._product_of(left, right, order), order, (left, right))

    def _product_of(self, left: Indexed, right: Indexed, order: tuple[str, ...]) -> Formula:
        """The entries' product laid out over `order`: `u vᵀ` for two vectors of different indices,
        `∘` for equal indices, a broadcast product otherwise."""
        one, other = self._place(left, order), self._place(right, order)
        if set(left.indices) == set(right.indices):
            return Hadamard(one, other)
        if len(left.indices) == 1 and len(right.indices) == 1:  # the outer product
            return MatMul(one, other) if left.indices == order[:1] else MatMul(other, one)
        return Broadcast(one, other)

    def add(self, at: Tree | Token | int, left: Entry, right: Entry) -> Entry:
        if isinstance(left, Scalar) and isinstance(right, Scalar):
            return Scalar(left.value + right.value)
        if isinstance(left, Scalar):
            assert isinstance(right, Indexed)
            return Indexed(Add(Fill(left.value, right.formula), right.formula), right.indices)
        if isinstance(right, Scalar):
            return Indexed(Add(left.formula, Fill(right.value, left.formula)), left.indices)
        if set(left.indices) != set(right.indices):
            raise self.error(
                at,
                f"terms with the same free indices on both sides of + or -; received "
                f"({', '.join(left.indices)}) and ({', '.join(right.indices)})",
            )
        return Indexed(Add(left.formula, self._place(right, left.indices)), left.indices)

    def negate(self, value: Entry) -> Entry:
        if isinstance(value, Scalar):
            return Scalar(-value.value)
        return Indexed(scale(Fraction(-1), value.formula), value.indices)

    def divide(self, at: Tree | Token | int, left: Entry, right: Entry) -> Entry:
        if not isinstance(right, Scalar):
            raise self.error(at, "a number to divide by; a quotient of entries (t_j / o_j) is not read yet")
        if right.value == 0:
            raise self.error(at, "a non-zero number to divide by; received 0")
        return self.multiply(at, left, Scalar(1 / right.value))

    def power(self, at: Tree | Token, value: Entry, exponent: int) -> Entry:
        if isinstance(value, Scalar):
            return cast(Scalar, self.latex.power(at, value, exponent))
        squared = self.latex.power(at, value.formula, exponent)
        assert not isinstance(squared, Scalar)
        return Indexed(squared, value.indices)

    def contract(self, value: Indexed, letter: str) -> Indexed:
        """`\\sum_letter value`: a matrix product where the product's factors allow it."""
        if len(value.factors) == 2:
            left, right = value.factors
            if letter not in right.indices:
                product = self.multiply(0, self.contract(left, letter), right)
                return cast(Indexed, product)
            if letter not in left.indices:
                return cast(Indexed, self.multiply(0, left, self.contract(right, letter)))
            if len(left.indices) == 1 and len(right.indices) == 1:  # Σ_j u_j v_j = uᵀ v
                return Indexed(MatMul(Transpose(left.formula), right.formula), ())
            for matrix, vector in ((left, right), (right, left)):
                if len(matrix.indices) == 2 and vector.indices == (letter,):
                    other = next(i for i in matrix.indices if i != letter)
                    return Indexed(MatMul(self._place(matrix, (other, letter)), vector.formula), (other,))
        f, own = value.formula, value.indices
        if own == (letter,):
            return Indexed(SumAxis(f, 0), ())
        if own[1] == letter:
            return Indexed(SumAxis(f, 1), own[:1])
        return Indexed(Transpose(SumAxis(f, 0)), own[1:])

    # --- a side as the head's matrix -------------------------------------------------------------
    def laid_out(self, at: Tree | Token | int, value: Entry, head: Indexed) -> Formula:
        """`value` as a matrix over the head's indices, in its layout (rows first): an index the
        head has and `value` lacks repeats `value` along it."""
        order = head.indices
        if isinstance(value, Scalar):
            value = Indexed(Fill(value.value, _column(head, order[0])), order[:1])
        extra = [i for i in value.indices if i not in order]
        if extra:
            raise self.error(
                at,
                f"the index {extra[0]} is free on this side but not on the left: sum over it "
                f"(\\sum_{extra[0]}) or write the left side's indices ({', '.join(order)})",
            )
        for letter in order:
            if letter not in value.indices:
                ones = Indexed(Fill(Fraction(1), _column(head, letter)), (letter,))
                value = cast(Indexed, self.multiply(at, value, ones))
        return self._place(value, order)


def _column(head: Indexed, letter: str) -> Formula:
    """A column as long as the head's index `letter` ranges (`z` of that layer)."""
    formula = head.formula
    var = formula.target if isinstance(formula, Grad) else formula
    assert isinstance(var, Var)
    if var.kind == "W":
        return Var("z", var.layer + 1 if head.indices.index(letter) == 0 else var.layer)
    return Var("z", var.layer + 1 if var.kind == "b" else var.layer)


def letter_layers(
    text: str, sides: tuple[Tree | Token, ...], binding: Binding
) -> tuple[dict[str, int], bool]:
    """The layer each neuron index of an equation names, as its own quantities place them, and
    whether a target's or an input's letter placed them (else only their differences hold)."""
    binder = IndexBinder(text, binding, sides)
    return binder.layers, binder.anchored


def index_letters(
    text: str, sides: tuple[Tree | Token, ...], binding: Binding
) -> tuple[tuple[str, int, str, str], ...]:
    """(kind, layer, symbol, index) of each vector the claim writes entry by entry without a
    layer (`o_k` for a_3, `t_k` for y): the claim's own names, for its slips."""
    binder = IndexBinder(text, binding, sides)
    for side in sides:
        binder.bind(side)
    return tuple((kind, layer, *written) for (kind, layer), written in binder.letters.items())


def bind_index_sides(text: str, sides: tuple[Tree | Token, ...], binding: Binding) -> list[Formula]:
    """Every side of an equation in index notation as a matrix over the first side's indices."""
    if binding.batch > 1:
        raise ClaimSyntaxError(
            text,
            0,
            "index notation, read for one example's neurons; on this mini-batch write it with "
            "matrices (a sum over the examples i as the ones vector: dL/dS 1), or run it with --batch 1",
        )
    binder = IndexBinder(text, binding, sides)
    values = [binder.bind(side) for side in sides]
    head = values[0]
    if not isinstance(head, Indexed) or not head.indices:
        raise binder.error(sides[0], f"a left side with its free indices, e.g. ∂E/∂w_{{jk}}; {SPELLING}")
    return [binder.laid_out(side, value, head) for side, value in zip(sides, values, strict=True)]
