"""Explicit SymPy symbols for every entry of every quantity, named as the seed names them.

The seed's 4 → 3 network gets `z_11 … z_14`, `w_11 … w_34`, `b_11 … b_13`, `y_1 … y_3`; deeper
networks put the layer on `w` (`w1_11`, `w2_11`, …; LaTeX `w^{(1)}_{11}`). Gradients w.r.t.
`a_l` and `z_l` are taken through zero "taps" added to them in the forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp


def _index(*indices: int) -> str:
    """`11` for small indices, `10,3` once any index has two digits."""
    sep = "," if any(i >= 10 for i in indices) else ""
    return sep.join(map(str, indices))


@dataclass(frozen=True)
class NetworkSymbols:
    """Every scalar of one network, as matrices of symbols (columns for vectors)."""

    z1: sp.ImmutableMatrix
    W: tuple[sp.ImmutableMatrix, ...]  # W[l-1] is W_l
    b: tuple[sp.ImmutableMatrix, ...]
    y: sp.ImmutableMatrix
    tap_a: tuple[sp.ImmutableMatrix, ...]  # tap_a[l-1] is added to a_l
    tap_z: tuple[sp.ImmutableMatrix, ...]
    latex_names: dict[sp.Symbol, str]

    @property
    def inputs(self) -> tuple[sp.Symbol, ...]:
        """The free inputs of a forward pass, in a fixed order: z_1, then W_l, b_l per layer, y."""
        out: list[sp.Symbol] = list(self.z1)
        for W, b in zip(self.W, self.b, strict=True):
            out += list(W) + list(b)
        return (*out, *self.y)

    @property
    def taps(self) -> tuple[sp.Symbol, ...]:
        return tuple(s for m in (*self.tap_a, *self.tap_z) for s in m)


@cache
def network_symbols(sizes: tuple[int, ...]) -> NetworkSymbols:
    """Symbols for a network of these layer widths (cached: one set per process)."""
    latex: dict[sp.Symbol, str] = {}

    def symbol(name: str, tex: str) -> sp.Symbol:
        s = sp.Symbol(name, real=True)
        latex[s] = tex
        return s

    def column(stem: str, layer: int, n: int) -> sp.ImmutableMatrix:
        return sp.ImmutableMatrix(
            [symbol(f"{stem}_{_index(layer, i)}", f"{stem}_{{{_index(layer, i)}}}") for i in range(1, n + 1)]
        )

    deep = len(sizes) > 2
    weights = []
    for layer in range(1, len(sizes)):
        stem, tex = (f"w{layer}", rf"w^{{({layer})}}") if deep else ("w", "w")
        rows, cols = sizes[layer], sizes[layer - 1]
        weights.append(
            sp.ImmutableMatrix(
                rows,
                cols,
                lambda i, j, stem=stem, tex=tex: symbol(
                    f"{stem}_{_index(i + 1, j + 1)}", f"{tex}_{{{_index(i + 1, j + 1)}}}"
                ),
            )
        )
    biases = tuple(column("b", layer, sizes[layer]) for layer in range(1, len(sizes)))
    targets = sp.ImmutableMatrix(
        [symbol(f"y_{_index(k)}", f"y_{{{_index(k)}}}") for k in range(1, sizes[-1] + 1)]
    )
    taps_a = tuple(column("ta", layer, n) for layer, n in enumerate(sizes, start=1))
    taps_z = tuple(column("tz", layer, n) for layer, n in enumerate(sizes, start=1))
    return NetworkSymbols(
        z1=column("z", 1, sizes[0]),
        W=tuple(weights),
        b=biases,
        y=targets,
        tap_a=taps_a,
        tap_z=taps_z,
        latex_names=latex,
    )
