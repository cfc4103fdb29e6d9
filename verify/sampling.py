"""Seeded sample points: inputs `z_1`, parameters `W_l`, `b_l` and targets `y`, in the run's dtype.

Points are drawn in float64 and rounded to the dtype (float32 for `--dtype float32`), so every
witness and the high-precision reference see exactly the same inputs.

A point's index names the same point whatever `--points` is: points are numbered in chunks of a
size that depends on the network only (`block`), and each tensor of chunk k is drawn from its own
stream, `default_rng([seed, k, round, stream])`, point after point, so the first m points of a
chunk are the same whether m or more are drawn (numpy fills an array in order). A run of 100
points is the first 100 points of a run of 1,000. Only one chunk is held at a time.

Activations with kinks (relu, leaky-relu at 0) are not differentiable there, and two correct
witnesses may then legitimately differ. By default the sampler keeps every pre-activation of
every layer at least `KINK_MARGIN` away from a kink (redrawing the points that come closer);
`include_kinks=True` instead sets one entry of `z_1` exactly on a kink in every other point.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from derive import ACTIVATIONS, LOSSES, InputError, Network
from verify import numpy_backprop

MAX_POINTS = 100_000_000
MAX_BYTES = 2 * 1024**3  # what one chunk may hold in sampled inputs and the witnesses' arrays
CHUNK = 2**16  # points per chunk, at most (drawn at once)
SLICE = 2**14  # points checked at once within a chunk: their arrays stay in a core's cache
CHUNK_BYTES = 256 * 1024**2  # and at most this much per chunk
KINK_MARGIN = 1e-6  # far above the ~1e-15 by which witnesses' pre-activations may differ
KINK_MARGIN_FLOAT32 = 1e-4  # far above float32's ~1e-7
COPIES = 12  # arrays of a point's size held at once: inputs, 3 witnesses' forward + gradients


@dataclass(frozen=True, eq=False)
class Points:
    """`count` points; `z1`, `y` are (P, n, B), `W[l-1]` is (P, n_{l+1}, n_l), `b` (P, n, 1).

    `at_kink[p]` is True where the sampler put an input exactly on a kink."""

    z1: np.ndarray
    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    y: np.ndarray
    seed: int
    at_kink: np.ndarray

    @property
    def count(self) -> int:
        return self.z1.shape[0]

    def part(self, start: int, stop: int) -> Points:
        """Points `start` to `stop` (views, no copy)."""
        return Points(
            self.z1[start:stop],
            tuple(w[start:stop] for w in self.W),
            tuple(v[start:stop] for v in self.b),
            self.y[start:stop],
            self.seed,
            self.at_kink[start:stop],
        )


def floats_per_point(network: Network) -> int:
    s, batch = network.sizes, network.batch
    weights = sum(a * b + b for a, b in pairwise(s))
    activations = 2 * sum(s) * batch
    return weights + activations + s[-1] * batch


def check_points(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_POINTS:
        raise InputError("points", f"an integer from 1 to {MAX_POINTS:,}", count)


def block(network: Network) -> int:
    """Points per chunk: at most CHUNK, and at most CHUNK_BYTES of arrays (at least 1 point); the
    network's alone, never the run's count, so chunk k holds the same points in every run."""
    per_point = 8 * COPIES * floats_per_point(network)
    check_size(network, 1)  # one point must fit
    return max(1, min(CHUNK, CHUNK_BYTES // per_point))


def chunks(network: Network, count: int) -> list[tuple[int, int]]:
    """(first point, number of points) of each chunk: chunk k starts at point k · block."""
    size = block(network)
    return [(start, min(size, count - start)) for start in range(0, count, size)]


def check_size(network: Network, count: int) -> None:
    """An `InputError` before any allocation when `count` points would not fit in memory."""
    check_points(count)
    need = 8 * COPIES * floats_per_point(network) * count
    if need > MAX_BYTES:
        most = MAX_BYTES // (8 * COPIES * floats_per_point(network))
        if most == 0:
            raise InputError(
                "sizes",
                f"a network one sample point of which fits in {MAX_BYTES // 1024**3} GiB "
                f"(this one needs about {need / count / 1024**3:.1f} GiB a point)",
                ",".join(map(str, network.sizes)),
            )
        raise InputError(
            "points",
            f"at most {most:,} points for this network (a run may hold {MAX_BYTES // 1024**3} GiB; "
            f"{count:,} points need about {need / 1024**3:.1f} GiB)",
            count,
        )


def _normal(rng: np.random.Generator, sigma: float, size: tuple[int, ...]) -> np.ndarray:
    """N(0, σ²) as σ·N(0, 1): the same numbers to the bit as `rng.normal(0, σ, size)` (which
    computes 0 + σ·z), without its slower general path."""
    x = rng.standard_normal(size=size)
    x *= sigma
    return x


class Streams:
    """One generator per drawn tensor of chunk `chunk` (and redraw `round`): stream 0 is z_1, 1 is
    y, 2 the kink entries, then W_1 … W_L, then b_1 … b_L. Separate streams keep each tensor's
    values of point p independent of how many points are drawn."""

    def __init__(self, seed: int, chunk: int, round: int = 0) -> None:
        self.key = (seed, chunk, round)

    def __call__(self, stream: int) -> np.random.Generator:
        return np.random.default_rng([*self.key, stream])


def _draw(network: Network, count: int, streams: Streams):
    sizes, batch = network.sizes, network.batch
    depth = len(sizes) - 1
    z1 = streams(0).uniform(-2.0, 2.0, size=(count, sizes[0], batch))
    W = tuple(
        _normal(streams(3 + k), 1.0 / np.sqrt(n_in), (count, n_out, n_in))
        for k, (n_in, n_out) in enumerate(pairwise(sizes))
    )
    b = tuple(streams(3 + depth + k).uniform(-0.5, 0.5, size=(count, n, 1)) for k, n in enumerate(sizes[1:]))
    if not network.biases:  # drawn all the same: the other inputs stay those of the network with biases
        b = tuple(np.zeros_like(v) for v in b)
    target = LOSSES[network.numeric.loss].target
    if target == "one-hot":
        y = np.zeros((count, sizes[-1], batch))
        hot = streams(1).integers(0, sizes[-1], size=(count, batch))
        y[np.arange(count)[:, None], hot, np.arange(batch)[None, :]] = 1.0
    elif target == "binary":
        y = streams(1).integers(0, 2, size=(count, sizes[-1], batch)).astype(np.float64)
    else:
        y = streams(1).uniform(0.0, 1.0, size=(count, sizes[-1], batch))
    return z1, W, b, y


def _near_kink(network: Network, z1, W, b, y, margin: float = KINK_MARGIN) -> np.ndarray:
    """Points where some pre-activation of some layer lies within KINK_MARGIN of a kink."""
    cache = numpy_backprop.forward(
        z1, W, b, y, network.layer_activations, network.numeric.loss, float(network.slope)
    )
    near = np.zeros(z1.shape[0], dtype=bool)
    for layer in range(1, network.depth + 2):  # the layers f_l is applied to (f_L: mse's)
        z = cache[f"z{layer}"]
        for k in ACTIVATIONS[network.activation_of(layer)].kinks:
            near |= (np.abs(z - k) < margin).reshape(z.shape[0], -1).any(axis=1)
    return near


def kinks_of(network: Network) -> tuple:
    """The kinks of the network's activations (of any layer), e.g. (0,) with a relu layer."""
    return tuple(dict.fromkeys(k for name in network.layer_activations for k in ACTIVATIONS[name].kinks))


def check_dtype(dtype: str) -> str:
    if dtype not in ("float64", "float32"):
        raise InputError("dtype", "one of: float32, float64", dtype)
    return dtype


def sample(
    network: Network,
    count: int,
    seed: int,
    include_kinks: bool = False,
    dtype: str = "float64",
    chunk: int = 0,
) -> Points:
    """Draw the first `count` points of chunk `chunk` (points `chunk · block(network)` on; see the
    module docstring for the streams), rounded to `dtype`.

    `z_1 ~ U(-2, 2)` covers the curved part of every activation; `W_l ~ N(0, 1/n_l)` keeps every
    `z_l` of order 1 (no saturation, no overflow); `b_l ~ U(-1/2, 1/2)`; `y` is uniform in (0, 1)
    for real targets, a random one-hot column for one-hot targets and 0/1 for binary ones.
    """
    check_size(network, count)
    if not 0 <= seed < 2**63:
        raise InputError("seed", "an integer from 0 to 2^63 − 1", seed)
    check_dtype(dtype)
    margin = KINK_MARGIN if dtype == "float64" else KINK_MARGIN_FLOAT32
    z1, W, b, y = _draw(network, count, Streams(seed, chunk))
    kinks = kinks_of(network)
    at_kink = np.zeros(count, dtype=bool)
    if kinks and include_kinks:
        # every point of even index (in the run, not the chunk): one entry of z_1 exactly on a kink
        first = chunk * block(network)
        at_kink[(first % 2) :: 2] = True
        rows = np.flatnonzero(at_kink)
        entry = Streams(seed, chunk)(2).integers(0, network.sizes[0], size=rows.size)
        z1[rows, entry, :] = kinks[0]
    elif kinks:
        for round in range(1, 101):  # each round redraws the few points that came too close
            near = _near_kink(network, z1, W, b, y, margin)
            if not near.any():
                break
            fresh = _draw(network, int(near.sum()), Streams(seed, chunk, round))
            z1[near], y[near] = fresh[0], fresh[3]
            for old, new in zip((*W, *b), (*fresh[1], *fresh[2]), strict=True):
                old[near] = new
    if dtype != "float64":
        z1, y = z1.astype(dtype), y.astype(dtype)
        W, b = tuple(w.astype(dtype) for w in W), tuple(v.astype(dtype) for v in b)
    return Points(z1, W, b, y, seed, at_kink)
