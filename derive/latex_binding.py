"""LaTeX trees (`grammars/latex.lark`) → `Formula`: names with sub- and superscripts in any
order, `∂L/∂X`, fractions, `f'(…)`, `\\operatorname{diag}`, juxtaposition, `\\circ`."""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction
from typing import cast

from lark import Token, Tree

from derive.claim_binding import (
    BATCH_NAMES,
    INPUT_NAMES,
    LOSS_NAMES,
    MAX_SCRIPTS,
    SOFTMAX,
    Binder,
    Scalar,
    Value,
)
from derive.claim_parser import ClaimSyntaxError, parse
from derive.course import d_name
from derive.formula import (
    Apply,
    Column,
    Diag,
    Function,
    Ones,
    SumAxis,
    Transpose,
    Var,
)
from derive.registry import key

MAX_ENTRIES = 64  # numbers in a vector written out
_NAMES = ("letter", "greek", "font_letter", "font_greek", "hat_letter")
_KIND_SYMBOLS = ("W", "b", "a", "A", "z", "Z", "δ", "Δ")
WEIGHT_NAMES = ("W", "w", "Θ", "θ")
_GREEK = {r"\delta": "δ", r"\Delta": "Δ", r"\ell": "ℓ", r"\Theta": "Θ", r"\theta": "θ", r"\lambda": "λ"}


def _is_top(text: str) -> bool:
    """`\\top`, `\\intercal`, `\\mathsf{T}`, `\\mathrm{T}` (one TOP token)."""
    return re.fullmatch(r"\\(top|intercal|math(sf|rm)\s*\{\s*T\s*\})", text) is not None


def example_sum(summation: Tree) -> str | None:
    """The letter of a sum over the examples (`\\sum_{i=1}^m dZ^{[l](i)}`: its body marks example
    i with `(i)`), or None for a sum over a neuron index."""
    limits = next((c for c in summation.children if isinstance(c, Tree) and c.data == "sum_limits"), None)
    letter = (
        None
        if limits is None
        else next((str(t) for t in limits.children if isinstance(t, Token) and t.type == "LETTER"), None)
    )
    marks = {
        str(t)
        for mark in summation.find_data("example_mark")
        for t in mark.children
        if isinstance(t, Token) and t.type == "LETTER"
    }
    return letter if letter is not None and letter in marks else None


class LatexBinder(Binder):
    example: str | None = None  # the letter of the sum over the examples being bound (`_summation`)

    def bind(self, node: Tree | Token) -> Value:
        if isinstance(node, Token):  # a bare letter or number reduced to its token
            raise self.error(node, f"unexpected '{node!s}'")
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:  # pragma: no cover  (every rule of latex.lark has a handler)
            raise self.error(node, f"unexpected {node.data}")
        return handler(node)

    def _sides(self, node: Tree) -> list[Tree]:
        return [c for c in node.children if isinstance(c, Tree)]

    def _add(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.add(node.children[1], self.bind(left), self.bind(right))

    def _sub(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.add(node.children[1], self.bind(left), self.negate(self.bind(right)))

    def _neg(self, node: Tree) -> Value:
        return self.negate(self.bind(node.children[1]))

    def _pos(self, node: Tree) -> Value:
        return self.bind(node.children[1])

    def _hadamard(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.elementwise(node.children[1], self.bind(left), self.bind(right))

    def _product(self, node: Tree) -> Value:
        left, right = self._sides(node)
        if any(isinstance(c, Token) and c.type == "TIMES" for c in node.children):
            return self.dot(right, self.bind(left), self.bind(right))
        return self.product(right, self.bind(left), self.bind(right))

    def _outer(self, node: Tree) -> Value:
        """`δ_2 \\otimes a_1`: the outer product of two columns, `δ_2 a_1ᵀ`."""
        left, right = self._sides(node)
        return self.product(right, self.bind(left), self.transpose(self.bind(right)))

    def _divide(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.divide(node.children[1], self.bind(left), self.bind(right))

    def _number(self, node: Tree) -> Value:
        return self.number(cast(Token, node.children[0]))

    def _sum_examples(self, node: Tree) -> Value:
        """`\\sum X` without an index (Ng's `db = \\frac{1}{m} \\sum dZ`): the sum over the
        examples, each row's (NumPy's `np.sum(X, axis=1, keepdims=True)`)."""
        return SumAxis(self.matrix(node.children[0], self.bind(node.children[1]), r"\sum"), 1)

    def _summation(self, node: Tree) -> Value:
        """`\\sum_{i=1}^m dZ^{[l](i)}` (Ng's per-example columns): the sum over the examples, as
        `\\sum dZ^{[l]}` (`_sum_examples`); a sum over a neuron index is index notation's."""
        letter = example_sum(node)
        if letter is None:
            raise self.error(node, "a sum over the examples, \\sum_{i=1}^m X^{[l](i)}, or index notation")
        outer, self.example = self.example, letter
        try:
            body = self.bind(self._sides(node)[-1])
        finally:
            self.example = outer
        return SumAxis(self.matrix(node.children[0], body, r"\sum"), 1)

    def _vector(self, node: Tree) -> Value:
        """`(1, 1, 1)`: a column of numbers, as vectors are columns here."""
        return self._column(node, self._sides(node))

    def _matrix(self, node: Tree) -> Value:
        """`\\begin{bmatrix}1 \\\\ 1\\end{bmatrix}` a column, `1 & 1` a row; not a matrix of both."""
        rows = [self._sides(row) for row in self._sides(node)]
        if all(len(row) == 1 for row in rows):
            return self._column(node, [row[0] for row in rows])
        if len(rows) == 1:
            return Transpose(self._column(node, rows[0]))
        raise self.error(
            node, "a column (rows separated by \\\\) or a row (entries separated by &) of numbers"
        )

    def _column(self, at: Tree, entries: list[Tree]) -> Column:
        if len(entries) > MAX_ENTRIES:
            raise self.error(at, f"a vector of at most {MAX_ENTRIES} numbers; received {len(entries)}")
        values = [self.bind(entry) for entry in entries]
        if not all(isinstance(v, Scalar) for v in values):
            raise self.error(at, "numbers in a vector written out, such as (1, 1, 1)")
        return Column(tuple(cast(Scalar, v).value for v in values))

    def _group(self, node: Tree) -> Value:
        return self.bind(self._sides(node)[0])

    def _ones(self, node: Tree) -> Value:
        font, number = node.children
        if str(number) != "1":
            raise self.error(number, f"{font}{{1}}, the vector of ones; received {font}{{{number}}}")
        return Ones()

    # names: a base symbol with sub- and superscripts in any order
    def _letter(self, node: Tree) -> Value:
        return self._name(node, [])

    _greek = _font_letter = _font_greek = _letter

    def _hat_letter(self, node: Tree) -> Value:
        """`\\hat{y}`: the network's prediction, the output a_L."""
        letter = cast(Token, node.children[-1])
        if str(letter) not in ("y", "Y"):
            raise self.error(letter, f"\\hat{{y}} (the output a_L); received \\hat{{{letter}}}")
        last = self.binding.reading.written("a", self.binding.last)
        return self.output(self.variable(letter, "a", last, False))

    def _indicator(self, node: Tree) -> Value:
        """`\\mathbb{1}[z_1 > 0]`, `1(z_1 > 0)`, Iverson's `[z_1 > 0]`: the indicator of a positive
        entry, relu'(z_1) (0 at the kink, as jax.grad takes it)."""
        font = [t for t in node.children if isinstance(t, Token) and t.type == "NUMBER"]
        if font and str(font[0]) != "1":
            raise self.error(font[0], f"\\mathbb{{1}}(x > 0), the indicator; received {{{font[0]}}}")
        (condition,) = self._sides(node)
        argument, op, bound = condition.children
        if str(bound) != "0" or cast(Token, op).type == "LESS":
            raise self.error(bound, f"an indicator of a positive entry, [x > 0]; received [x > {bound}]")
        return self.indicator(bound, self.bind(argument))

    def _numpy_call(self, node: Tree) -> Value:
        """Ng's `np.sum(dZ, axis=1, keepdims=True)` (each row's sum: over the examples),
        `np.dot(A, B)` / `np.matmul` (the matrix product), `np.multiply` (entry by entry)."""
        name = re.sub(r"\s", "", str(node.children[0])).split(".")[-1]
        keywords = {
            re.sub(r"[\s=]", "", str(k.children[0])): str(k.children[1])
            for k in self._sides(node)
            if k.data == "keyword"
        }
        args = [self.bind(a) for a in self._sides(node) if a.data != "keyword"]
        if name == "sum":
            if len(args) != 1 or keywords.get("axis") not in ("0", "1"):
                expected = "np.sum(x, axis=0) or np.sum(x, axis=1, keepdims=True) (the axis is required)"
                raise self.error(node, expected)
            return SumAxis(self.matrix(node, args[0], "np.sum"), int(keywords["axis"]))
        if keywords or len(args) != 2:
            raise self.error(node, f"np.{name}(x, y): two arguments and no keywords")
        if name == "multiply":
            return self.elementwise(node, args[0], args[1])
        return self.product(node, args[0], args[1])

    def _exponential(self, node: Tree) -> Value:
        """`e^{-z}`: exp(-z) entry by entry."""
        exponent = node.children[-1]
        value = self.number(exponent) if isinstance(exponent, Token) and exponent.type == "NUMBER" else None
        if value is None:
            value = self.bind(exponent if isinstance(exponent, Tree) else Tree("letter", [exponent]))
        return Apply(Function("exp"), self.matrix(node.children[0], value, "e^{…}"))

    def _defined(self, token: Token, rhs: str) -> Value:
        """A quantity the notes define (`k := (a_2 - y) \\circ f'(z_2)`): its right side, bound
        as written there (a definition may use earlier ones, never itself)."""
        name = str(token)
        others = tuple((n, t) for n, t in self.binding.defined if n != name)
        binding = replace(self.binding, defined=others)
        try:
            (tree,) = parse(rhs, "latex")
            return type(self)(rhs, binding).bind(tree)
        except (ClaimSyntaxError, ValueError) as e:
            raise self.error(
                token, f"{name} as the notes define it ({rhs}); it could not be read: {e}"
            ) from None

    def _bar_letter(self, node: Tree, outer: list | None = None) -> Value:
        """`\\bar{W}_1`, `\\overline{z_2}`: the adjoint of reverse-mode notes, ∂L/∂X."""
        letter = next(c for c in node.children if isinstance(c, Token) and c.type == "LETTER")
        scripts = [c for c in node.children if isinstance(c, Tree)] + list(outer or [])
        value = self._name(Tree("letter", [letter], node.meta), scripts)
        if not isinstance(value, Var) or value.kind in ("delta", "y"):
            raise self.error(letter, "an adjoint \\bar{X} of X one of W_l, b_l, a_l, z_l (untransposed)")
        return self.gradient(letter, value)

    def _scripted(self, node: Tree) -> Value:
        atom, *scripts = node.children
        if isinstance(atom, Tree) and atom.data in ("letter", "greek", "font_letter", "font_greek"):
            return self._name(atom, scripts)
        if isinstance(atom, Tree) and atom.data == "bar_letter":
            return self._bar_letter(atom, scripts)
        value = self.bind(atom)
        self._count(scripts)
        inline = isinstance(value, Column) and isinstance(atom, Tree) and atom.data == "vector"
        if inline and self._superscript(scripts[0]) == (None, 1):  # (1, 1, 1)^T: the inline column
            scripts = scripts[1:]
        for script in scripts:
            value = self._power_or_transpose(script, value)
        return value

    def _power_or_transpose(self, script: Tree, value: Value) -> Value:
        """`(…)^T` or `(…)^2` (entry by entry, as `1 - \tanh^2` is written)."""
        if script.data == "sup_script" and (power := self._power(script)) is not None:
            return self.power(script, value, power)
        if script.data != "sup_script" or self._superscript(script) != (None, 1):
            raise self.error(script, "only a transpose (^T) or a power (^2) may follow a parenthesis")
        return self.transpose(value)

    def _power(self, script: Tree) -> int | None:
        """The integer of `^2`, `^{3}`; None for any other superscript."""
        if script.data != "sup_script":
            return None
        arg = script.children[1]
        tokens = list(arg.scan_values(lambda v: isinstance(v, Token)))
        if len(tokens) == 1 and tokens[0].type == "NUMBER" and str(tokens[0]).isdigit():
            return int(str(tokens[0]))
        return None

    def _count(self, scripts: list[Tree]) -> None:
        if len(scripts) > MAX_SCRIPTS:
            raise self.error(scripts[MAX_SCRIPTS], f"at most {MAX_SCRIPTS} sub- and superscripts in a row")

    def _base(self, node: Tree) -> tuple[str, Token, list[Tree]]:
        """(symbol, its token, the scripts written inside a font's braces)."""
        tokens = [c for c in node.children if isinstance(c, Token)]
        token = tokens[-1]
        inner = [c for c in node.children if isinstance(c, Tree)]
        return _GREEK.get(str(token), str(token)), token, inner

    def _name(self, node: Tree, scripts: list[Tree]) -> Value:
        symbol, token, inner = self._base(node)
        scripts = inner + list(scripts)
        if symbol in BATCH_NAMES and not scripts:
            return self.batch_size()
        if symbol == "λ" and not scripts:  # the L2 penalty's strength
            return self.penalty(token)
        if symbol in INPUT_NAMES and all(s.data == "sup_script" for s in scripts):
            value: Value = self.input()
            for script in scripts:
                value = self._power_or_transpose(script, value)
            return value
        if (rhs := dict(self.binding.defined).get(str(token))) is not None and not scripts:
            return self._defined(token, rhs)
        self.symbol(token, symbol)
        layer, from_l, transposes, powers = self._scripts(symbol, scripts)
        value = self.output(self.written_variable(token, symbol, layer, from_l))
        return self._decorated(token, value, transposes, powers)

    def _d_name(self, node: Tree) -> Value:
        """Ng's `dZ^{[2]}`, `dW^{[1]T}`: a course name (derive/course.py), its layer as written."""
        _, name, *scripts = node.children
        symbol, token, inner = self._base(cast(Tree, name))
        layer, from_l, transposes, powers = self._scripts(symbol, inner + list(scripts))
        if layer is None:  # pragma: no cover  (the grammar reads d only before a ^{[l]})
            raise self.error(token, f"d{symbol} needs a layer: write d{symbol}^{{[1]}}")
        value = self.course(token, d_name(symbol, 0), layer, from_l)
        return self._decorated(token, value, transposes, powers)

    def _decorated(self, at: Token, value: Value, transposes: int, powers: list[int]) -> Value:
        value = self.transpose(value) if transposes % 2 else value
        for power in powers:
            value = self.power(at, value, power)
        return value

    def _scripts(self, symbol: str, scripts: list[Tree]) -> tuple[int | None, bool, int, list[int]]:
        """(layer, whether it involves l, transposes, powers) of a name's scripts."""
        layer, from_l, transposes, powers = None, False, 0, []
        self._count(scripts)
        for script in scripts:
            if script.data == "prime_script":
                if symbol in WEIGHT_NAMES:  # Octave's Theta2': the transpose, as Ng's course codes it
                    transposes += 1
                    continue
                raise self.error(
                    script, f"a prime on {symbol}: write f'(z_l) for the activation's derivative"
                )
            if script.data == "sub_script":
                found = self._layer(script.children[1])
            elif layer is not None and (power := self._power(script)) is not None:
                if symbol in WEIGHT_NAMES:
                    raise self.error(
                        script, f"{symbol}^{power}: write a matrix power as a product, or ∘ entry by entry"
                    )
                powers.append(power)  # a_2^2: the layer is known, so ^2 is a square
                continue
            else:
                found, marks = self._superscript(script)
                transposes += marks
                if found is None:
                    continue
            if layer is not None:
                raise self.error(script, f"one layer for {symbol}; received a second one")
            layer, from_l = found[0], found[1]
        return layer, from_l, transposes, powers

    def _layer(self, arg: Tree | Token) -> tuple[int, bool]:
        """A subscript (or a `^{(l)}` superscript) → (layer, whether it involves l)."""
        if isinstance(arg, Token):
            return self._layer_parts(arg, [arg])
        if arg.data == "sub_arg":
            if isinstance(arg.children[0], Token):
                return self._layer_parts(arg, arg.children)
            arg = arg.children[0]
        if arg.data == "sub_inner":
            arg = arg.children[0]
        return self._layer_parts(arg, arg.children)

    def _layer_parts(self, at: Tree | Token, parts: list) -> tuple[int, bool]:
        texts = [str(p) for p in parts]
        if texts[:3] in (["n", "_", "l"], ["n", "_", "L"]):  # UFLDL's n_l: the number of layers, L
            texts = ["L", *texts[3:]]
        if len(texts) == 1 and texts[0].isdigit():
            return self.layer(at, None, int(texts[0])), False
        if len(texts) == 1 and texts[0].isalpha():
            return self.layer(at, texts[0], 0), texts[0].islower()
        if len(texts) == 3 and texts[0].isalpha() and texts[2].isdigit():
            offset = int(texts[2]) * (1 if texts[1] == "+" else -1)
            return self.layer(at, texts[0], offset), texts[0].islower()
        raise self.error(
            at,
            f"a layer (1, l, l-1, l+1, L) as subscript; received '{''.join(texts)}': write the layer "
            "as a_{l-1}, a^{(l-1)}, a^{[l-1]} or a^{l-1}",
        )

    def _superscript(self, script: Tree) -> tuple[tuple[int, bool] | None, int]:
        """(the layer of `^{(l)}` / `^{[l]}` with whether it involves l, or None; transposes)."""
        if script.data != "sup_script":
            raise self.error(script, "a transpose (^T) here")
        arg = script.children[1]
        parts = arg.children
        if len(parts) == 1 and isinstance(parts[0], Tree):  # {…}
            parts = parts[0].children
        if len(parts) == 1 and isinstance(parts[0], Tree) and parts[0].data == "layer_expr":
            parts = parts[0].children  # ^{L-1}, ^{l+1}, ^{k}: a bare layer
        texts = [str(p) for p in parts if isinstance(p, Token)]
        if len(texts) == 1 and (texts[0] == "T" or _is_top(texts[0])):
            return None, 1
        if (
            texts
            and all(isinstance(p, Token) for p in parts)
            and ((len(texts) == 1 and texts[0].isalnum()) or (len(texts) == 3 and texts[1] in "+-"))
        ):
            return self._layer_parts(arg, list(parts)), 0  # a^l, a^2, a^{L-1}: Nielsen's layers
        if len(texts) == 2 and texts[0] in (r"\mathsf", r"\mathrm") and texts[1] == "T":
            return None, 1
        layers = [p for p in parts if isinstance(p, Tree) and p.data == "layer_expr"]
        if len(layers) == 1:  # ^{(1)}, ^{[l]}, ^{[1]T}
            self._example_mark(script, parts)
            marks = [str(p.children[0]) for p in parts if isinstance(p, Tree) and p.data == "sup_mark"]
            if marks and not (marks[0] == "T" or _is_top(marks[0])):
                raise self.error(script, f"a transpose (T) after the layer; received '{marks[0]}'")
            return self._layer_parts(layers[0], layers[0].children), len(marks)
        written = "".join(texts)
        raise self.error(
            script,
            f"a transpose (^T, ^\\top) or a layer (^{{(1)}}, ^{{[1]}}, ^{{l-1}}) as superscript; "
            f"received '{written}'",
        )

    def _example_mark(self, script: Tree, parts: list) -> None:
        """`(i)` after a layer (`dZ^{[l](i)}`, example i's column): read inside a sum over i only."""
        for mark in (p for p in parts if isinstance(p, Tree) and p.data == "example_mark"):
            letter = str(mark.children[1])
            if letter != self.example:
                raise self.error(
                    script,
                    f"example {letter}'s column (^{{[l]({letter})}}) inside a sum over the examples, "
                    f"\\sum_{{{letter}=1}}^m …; received it outside one",
                )

    # ∂L/∂X
    def _gradient(self, node: Tree) -> Value:
        trees = [c for c in node.children if isinstance(c, Tree)]
        at = trees.index(next(t for t in trees if t.data == "loss_name"))
        loss, loss_scripts = trees[at], []
        if at == len(trees) - 1:  # \nabla_{X} L: the variable first
            name, scripts = trees[0], trees[1:at]
        else:  # ∂L/∂X: the loss (with any scripts a Jacobian would have) first
            while trees[at + 1].data.endswith("_script"):
                at += 1
                loss_scripts.append(trees[at])
            name, scripts = trees[at + 1], trees[at + 2 :]
        loss_symbol, loss_token, _ = self._base(loss.children[0])
        if loss_scripts or loss_symbol in _KIND_SYMBOLS:
            raise self.error(
                loss_token,
                "the loss on top of ∂L/∂X; a Jacobian such as ∂a_1/∂z_1 is not read here: "
                "write it out (∂a_1/∂z_1 ∘ … is f'(z_1) ∘ …, or diag(f'(z_1)))",
            )
        if loss_symbol not in LOSS_NAMES:
            raise self.error(
                loss_token, f"the loss ({', '.join(LOSS_NAMES)}) in ∂L/∂X; received '{loss_symbol}'"
            )
        symbol, token, inner = self._base(name)
        if symbol == "a" and not scripts and not inner:  # Nielsen's BP1 ∇_a C: the output's a^L
            last = self.binding.reading.written("a", self.binding.last)
            return self.gradient(name, self.variable(token, symbol, last, False))
        if name.data == "hat_letter" and not scripts:  # Goodfellow's ∇_{\hat y} J: the output's a_L
            value = self.unread_output(self.bind(name))
        else:
            value = self.unread_output(self._name(name, scripts))
        if not isinstance(value, Var) or value.kind == "delta":
            raise self.error(name, "∂L/∂X with X one of W_l, b_l, a_l, z_l (untransposed)")
        return self.gradient(name, value)

    def _fraction(self, node: Tree) -> Value:
        numerator, denominator = self._sides(node)
        if (gradient := self._leibniz(numerator, denominator)) is not None:
            return gradient
        return self.divide(denominator, self.bind(numerator), self.bind(denominator))

    def _after_d(self, tree: Tree | Token) -> Tree | None:
        """X of `d X` (a product whose left factor is the letter d or \\mathrm{d}), else None."""
        if isinstance(tree, Tree) and tree.data == "d_name":  # dW^{[2]}: Ng's bracket layer
            return Tree("scripted", tree.children[1:], tree.meta)
        if not (isinstance(tree, Tree) and tree.data == "product"):
            return None
        left, right = self._sides(tree)
        if isinstance(left, Tree) and left.data in ("letter", "font_letter") and self._base(left)[0] == "d":
            return right
        return None

    def _leibniz(self, numerator: Tree | Token, denominator: Tree | Token) -> Value | None:
        """`\\frac{dL}{dW_1}`, `\\frac{\\mathrm{d}L}{\\mathrm{d}W_1}`: the gradient in d-notation."""
        loss, variable = self._after_d(numerator), self._after_d(denominator)
        if loss is None or variable is None or not (isinstance(loss, Tree) and loss.data in _NAMES):
            return None
        if self._base(loss)[0] not in LOSS_NAMES:
            return None  # d·x / d·y with no loss: an ordinary fraction
        if isinstance(variable, Tree) and variable.data == "scripted" and variable.children[0].data in _NAMES:
            value = self._name(variable.children[0], variable.children[1:])
        elif isinstance(variable, Tree) and variable.data in _NAMES:
            value = self._name(variable, [])
        else:
            return None
        if not isinstance(value, Var) or value.kind == "delta":
            raise self.error(variable, "dL/dX with X one of W_l, b_l, a_l, z_l (untransposed)")
        return self.gradient(variable, value)

    def _fraction_digits(self, node: Tree) -> Value:
        digits = str(node.children[1])
        if len(digits) != 2 or not digits.isdigit() or digits[1] == "0":
            raise self.error(
                node.children[1], f"\\frac with braces, e.g. \\frac{{1}}{{2}}; received \\frac{digits}"
            )
        return Scalar(Fraction(int(digits[0]), int(digits[1])))

    def _log_of(self, node: Tree) -> Value:
        """`\\log a_2`, `\\ln(1 - a_2)`: the natural log, entry by entry."""
        token, argument = node.children
        return self.activation(token, "log", False)(self.matrix(token, self.bind(argument), "log"))

    def _sqrt_of(self, node: Tree) -> Value:
        """`\\sqrt{z_1}`, entry by entry."""
        token, argument = node.children[0], self._sides(node)[0]
        return self.activation(token, "sqrt", False)(self.matrix(token, self.bind(argument), "sqrt"))

    def _maximum(self, node: Tree) -> Value:
        """`\\max(0, z)`: a network's claim writes relu'(z) or an indicator instead."""
        raise self.error(node, "a gradient formula; \\max(·, ·) is a forward equation's (relu is max(0, z))")

    def _norm(self, node: Tree) -> Value:
        """`\\|a_L - y\\|^2`: a loss, which a network's claim does not write."""
        raise self.error(
            node, "a gradient formula; a norm is a loss: state it with --loss (mse is ½‖a_L − y‖²)"
        )

    def _application_power(self, node: Tree) -> Value:
        """`\\tanh^2(z_1)`: `\\tanh(z_1)` squared, entry by entry."""
        power = next(c for c in node.children if isinstance(c, Tree) and c.data == "power")
        exponent = next(t for t in power.children if isinstance(t, Token) and t.type == "NUMBER")
        plain = Tree("application", [c for c in node.children if c is not power], node.meta)
        return self.power(exponent, self._application(plain), int(str(exponent)))

    def _application(self, node: Tree) -> Value:
        function = node.children[0]
        prime = any(isinstance(c, Tree) and c.data == "prime" for c in node.children)
        for script in (c for c in node.children if isinstance(c, Tree) and c.data == "layer_script"):
            # g^{[1]'}: the activation of layer 1 (which must exist); the network has one activation
            layer_tree = next(c for c in script.children if isinstance(c, Tree))
            layer, from_l = self._layer_parts(layer_tree, layer_tree.children)
            self.variable(layer_tree, "a", layer, from_l)
            prime = prime or any(
                isinstance(c, Token) and c.type in ("PRIME", "PRIME_CMD") for c in script.children
            )
        argument = self.bind(self._sides(node)[-1])
        token = cast(Token, cast(Tree, function).children[0])
        written = str(token)
        if token.type == "NAMED_FUNCTION":
            inner = re.search(r"\{\s*([A-Za-z-]+)\s*\}", written)
            written = inner.group(1) if inner else written.lstrip("\\")
        written = {r"\sigma": "σ", r"\phi": "φ", r"\varphi": "φ"}.get(written, written)
        if key(written) == SOFTMAX:
            return self.softmax(token, argument, prime)
        if written == "diag":
            if prime:
                raise self.error(token, "diag takes no prime")
            return Diag(self.matrix(token, argument, "diag"))
        node_type = self.activation(token, written, prime)
        return node_type(self.matrix(token, argument, written))
