"""Seeded sample points: inputs `z_1`, parameters `W_l`, `b_l` and targets `y`, all float64."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from derive import LOSSES, Network
from derive.errors import InputError

MAX_POINTS = 1_000_000  # memory grows linearly; a 4 → 3 point is ~40 floats per witness


@dataclass(frozen=True, eq=False)
class Points:
    """`count` points in the (P, n, 1) column layout; `W[l-1]` is (P, n_{l+1}, n_l)."""

    z1: np.ndarray
    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    y: np.ndarray
    seed: int

    @property
    def count(self) -> int:
        return self.z1.shape[0]


def sample(network: Network, count: int, seed: int) -> Points:
    """Draw `count` points with `numpy.random.default_rng(seed)`.

    `z_1 ~ U(-2, 2)` covers the curved part of sigmoid and tanh; `W_l ~ N(0, 1/n_l)` keeps every
    `z_l` of order 1 (no saturation, no overflow); `b_l ~ U(-1/2, 1/2)`; `y` is uniform in (0, 1)
    for real targets and a random one-hot column for one-hot targets.
    """
    if not 1 <= count <= MAX_POINTS:
        raise InputError("points", f"an integer from 1 to {MAX_POINTS:,}", count)
    if not 0 <= seed < 2**63:
        raise InputError("seed", "an integer from 0 to 2^63 − 1", seed)
    rng = np.random.default_rng(seed)
    sizes = network.sizes
    z1 = rng.uniform(-2.0, 2.0, size=(count, sizes[0], 1))
    W = tuple(
        rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(count, n_out, n_in)) for n_in, n_out in pairwise(sizes)
    )
    b = tuple(rng.uniform(-0.5, 0.5, size=(count, n, 1)) for n in sizes[1:])
    if LOSSES[network.loss].target == "one-hot":
        y = np.zeros((count, sizes[-1], 1))
        y[np.arange(count), rng.integers(0, sizes[-1], size=count), 0] = 1.0
    else:
        y = rng.uniform(0.0, 1.0, size=(count, sizes[-1], 1))
    return Points(z1, W, b, y, seed)
