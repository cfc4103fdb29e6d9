"""The network a check is about: layer sizes, activation and loss, validated on creation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.activations import activation as _activation
from derive.errors import InputError
from derive.losses import loss as _loss

MAX_WIDTH = 1024  # neurons per layer: beyond this the numeric witnesses' memory per point grows too big
MAX_LAYERS = 8  # layer count (sizes entries); deeper nets make the symbolic forward impractically big


@dataclass(frozen=True)
class Network:
    """A fully connected network `z_{l+1} = W_l a_l + b_l`, `a_l = f(z_l)`, loss on `z_L`.

    `sizes[l-1]` is the width of layer `l`; the seed's network is `sizes=(4, 3)`, so `W_1`
    is 3x4. Layer 1's pre-activation `z_1` is the input.
    """

    sizes: tuple[int, ...] = (4, 3)
    activation: str = "sigmoid"
    loss: str = "mse"

    def __post_init__(self) -> None:
        sizes = self.sizes
        if not isinstance(sizes, tuple) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in sizes
        ):
            raise InputError("sizes", "a tuple of integers", sizes)
        if not 2 <= len(sizes) <= MAX_LAYERS:
            raise InputError("sizes", f"between 2 and {MAX_LAYERS} layer widths", ",".join(map(str, sizes)))
        if any(not 1 <= n <= MAX_WIDTH for n in sizes):
            raise InputError("sizes", f"widths from 1 to {MAX_WIDTH}", ",".join(map(str, sizes)))
        _activation(self.activation)  # raises with the valid names
        loss = _loss(self.loss)
        if sizes[-1] < loss.min_outputs:
            raise InputError(
                "sizes",
                f"at least {loss.min_outputs} outputs for {loss.name} ({loss.why_min_outputs})",
                ",".join(map(str, sizes)),
            )

    @property
    def depth(self) -> int:
        """Number of weight matrices `W_1 … W_{L-1}`."""
        return len(self.sizes) - 1

    def shape(self, kind: str, layer: int) -> tuple[int, int]:
        """Shape of a quantity: `a_l`, `z_l`, `delta_l` are columns, `W_l` is n_{l+1} x n_l."""
        if kind == "W":
            return (self.sizes[layer], self.sizes[layer - 1])
        if kind == "b":
            return (self.sizes[layer], 1)
        return (self.sizes[layer - 1], 1)

    def describe(self) -> str:
        """One line, e.g. `4 → 3, sigmoid, mse`."""
        return f"{' → '.join(map(str, self.sizes))}, {self.activation}, {self.loss}"


_WIDTH = re.compile(r"[0-9]{1,7}")  # ASCII digits only: int() would take '٤' or '４' too


def parse_sizes(text: str) -> tuple[int, ...]:
    """`"4,3"` → `(4, 3)`; anything else an `InputError` naming the expected form."""
    parts = [p.strip() for p in text.split(",")]
    if not all(_WIDTH.fullmatch(p) for p in parts):
        raise InputError("sizes", "comma-separated positive integers such as 4,3", text)
    sizes = tuple(int(p) for p in parts)
    if any(n == 0 for n in sizes):
        raise InputError("sizes", "positive integers (a layer needs at least one neuron)", text)
    return sizes
