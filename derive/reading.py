"""How notes number their layers: a *reading* maps a written layer to the network's own.

The network (`derive/network.py`) numbers as the seed does: `z_1` is the input, `a_l = f(z_l)`,
`z_{l+1} = W_l a_l + b_l`, so `W_l` feeds layer l + 1. Textbooks differ in two ways:

- which layer a weight feeds: Nielsen, Ng and 3Blue1Brown write `z^l = w^l a^{l-1} + b^l`
  (`W^l` feeds layer l: `weights = "in"`), the seed and UFLDL `z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}`
  (`W^{(l)}` leaves layer l: `weights = "out"`);
- the number of the input layer: 1 (Nielsen's `a^1`, the seed's `a_1`) or 0 (Ng's `a^{[0]} = x`).

Index notation adds a third: whether `w_{jk}` is the weight from neuron j to neuron k (`index =
"from"`, as most forum posts and "Make Your Own Neural Network" write it) or into neuron j from
neuron k (`"to"`, Bishop's `w_{ji}` in `a_j = \\sum_i w_{ji} z_i`, Nielsen's `w^l_{jk}`); `None`
where the notes write no index claim (`derive/index_notation.py`). The order is about positions
only: which way the letters run (Bishop's i → j → k up, Nielsen's j above k) each claim says.

The notes' forward equations decide between the readings (`derive/claims_file.py`); where they
do not and a verdict depends on it, the verdict says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Feeds = Literal["out", "in"]
IndexOrder = Literal["from", "to"]  # w_{jk}: from neuron j to neuron k, or into j from k
WEIGHTS = ("W", "b")


@dataclass(frozen=True)
class Reading:
    """`first`: the written number of the input layer; `weights`: "out" when `W_l` feeds layer
    l + 1, "in" when it feeds layer l; `index`: how `w_{jk}` joins two neurons (None: no index
    notation in the notes)."""

    first: int = 1
    weights: Feeds = "out"
    index: IndexOrder | None = None
    single: bool = False  # notes that number no layer (`z = Wx + b`, `a = σ(z)`): one layer

    def internal(self, kind: str, written: int) -> int:
        """The network's layer of `kind` (a, z, delta, W, b) written with layer `written`:
        `a^{[l]}` ↦ a_{l+1} when the input is layer 0; `W^l` ↦ W_{l-1} when W^l feeds layer l."""
        layer = written - self.first + 1
        return layer - 1 if kind in WEIGHTS and self.weights == "in" else layer

    def written(self, kind: str, internal: int) -> int:
        """The inverse of `internal`."""
        layer = internal + self.first - 1
        return layer + 1 if kind in WEIGHTS and self.weights == "in" else layer

    @property
    def is_seed(self) -> bool:
        """Layers numbered as the network numbers them (whatever the index order of `w_{jk}`)."""
        return (self.first, self.weights) == (SEED.first, SEED.weights)

    @property
    def key(self) -> str:
        """A short name, e.g. `in/0` (Ng's), for data and JSON."""
        base = f"{self.weights}/{self.first}"
        return base if self.index is None else f"{base}/{self.index}"


SEED = Reading(1, "out")
NIELSEN = Reading(1, "in")  # also 3Blue1Brown, CS229
NG = Reading(0, "in")  # a^{[0]} = x, W^{[l]} feeds layer l
READINGS = (SEED, NIELSEN, NG, Reading(0, "out"))
