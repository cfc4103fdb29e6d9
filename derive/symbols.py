"""Explicit SymPy symbols for every entry of every quantity, named as the seed names them.

The seed's 4 → 3 network gets `z_11 … z_14`, `w_11 … w_34`, `b_11 … b_13`, `y_1 … y_3`. Deeper
networks put the layer on `w` (`w1_11`, `w2_11`; LaTeX `w^{(1)}_{11}`), and with a mini-batch
every per-example entry carries its example (`z_11[2]`; LaTeX `z_{11}^{(2)}`). Gradients
w.r.t. `a_l` and `z_l` are taken through "tap" symbols added to them in the forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.model import Setting


def _index(*indices: int) -> str:
    """`11` for small indices, `10,3` once any index has two digits."""
    sep = "," if any(i >= 10 for i in indices) else ""
    return sep.join(map(str, indices))


@dataclass(frozen=True)
class NetworkSymbols:
    """Every scalar of one setting, as matrices of symbols; tuples are indexed by position in
    the setting (use `at(layer)` for absolute layer numbers)."""

    first_layer: int
    z1: sp.ImmutableMatrix  # the first layer's pre-activations, n × B
    W: tuple[sp.ImmutableMatrix, ...]
    b: tuple[sp.ImmutableMatrix, ...]
    y: sp.ImmutableMatrix  # targets, n_L × B
    tap_a: tuple[sp.ImmutableMatrix, ...]
    tap_z: tuple[sp.ImmutableMatrix, ...]
    latex_names: dict[sp.Symbol, str]

    def at(self, layer: int) -> int:
        """Position of absolute layer `layer` in the tuples."""
        return layer - self.first_layer

    @property
    def inputs(self) -> tuple[sp.Symbol, ...]:
        """The free inputs of a forward pass, in a fixed order: z_1, then W_l, b_l per layer, y
        (matrices row by row)."""
        out: list[sp.Symbol] = list(self.z1)
        for W, b in zip(self.W, self.b, strict=True):
            out += list(W) + list(b)
        return (*out, *self.y)


class Namer:
    """Makes real symbols and records their LaTeX names."""

    def __init__(self) -> None:
        self.latex: dict[sp.Symbol, str] = {}

    def symbol(self, name: str, tex: str) -> sp.Symbol:
        s = sp.Symbol(name, real=True)
        self.latex[s] = tex
        return s

    def per_example(self, stem: str, tex: str, layer: int | None, n: int, batch: int) -> sp.ImmutableMatrix:
        """An n × B matrix: `z_11` (B = 1) or `z_11[2]` / `z_{11}^{(2)}` (B > 1)."""

        def entry(i: int, b: int) -> sp.Symbol:
            index = _index(layer, i + 1) if layer is not None else _index(i + 1)
            if batch == 1:
                return self.symbol(f"{stem}_{index}", f"{tex}_{{{index}}}")
            return self.symbol(f"{stem}_{index}[{b + 1}]", f"{tex}_{{{index}}}^{{({b + 1})}}")

        return sp.ImmutableMatrix(n, batch, entry)


@cache
def network_symbols(key: Setting) -> NetworkSymbols:
    """Symbols for a setting (cached: one set per process)."""
    sizes, batch, first = key.sizes, key.batch, key.first_layer
    names = Namer()
    weights, biases = [], []
    for position in range(len(sizes) - 1):
        layer = first + position
        stem, tex = (f"w{layer}", rf"w^{{({layer})}}") if key.layered else ("w", "w")
        weights.append(
            sp.ImmutableMatrix(
                sizes[position + 1],
                sizes[position],
                lambda i, j, stem=stem, tex=tex: names.symbol(
                    f"{stem}_{_index(i + 1, j + 1)}", f"{tex}_{{{_index(i + 1, j + 1)}}}"
                ),
            )
        )
        biases.append(names.per_example("b", "b", layer, sizes[position + 1], 1))
    return NetworkSymbols(
        first_layer=first,
        z1=names.per_example("z", "z", first, sizes[0], batch),
        W=tuple(weights),
        b=tuple(biases),
        y=names.per_example("y", "y", None, sizes[-1], batch),
        tap_a=tuple(names.per_example("ta", "t", first + k, n, batch) for k, n in enumerate(sizes)),
        tap_z=tuple(names.per_example("tz", "t", first + k, n, batch) for k, n in enumerate(sizes)),
        latex_names=names.latex,
    )
