"""The 50-digit reference of a model file's gradients: SymPy's own derivative of the model's
forward pass (derive/model_proof.py's `Symbolic.derivative`, never a claim), evaluated with
mpmath at `DIGITS` digits at the first `MODEL_POINTS` sample points, so every witness's error is
measured in ULPs as on the built-in network (verify/reference.py). Each value is kept as a pair
of float64 numbers `hi + lo`. A maximum and its argmax indicator are evaluated as `Max` and a
`Piecewise` of comparisons (derive/ir_sympy.py's `numeric`)."""

from __future__ import annotations

import time
from collections.abc import Iterable

import mpmath
import numpy as np
import sympy as sp

from derive.ir_sympy import numeric
from derive.model_proof import Symbolic
from verify.reference import DIGITS, Reference

MODEL_POINTS = 20  # points of a model run the reference covers (mpmath, one entry at a time)


def compute(
    symbolic: Symbolic, targets: Iterable[str], given: dict[str, np.ndarray]
) -> tuple[Reference, float]:
    """(the reference of ∂L/∂X for every X of `targets`, keyed (X, 0), at the first points of
    `given`; the seconds it took). Untimed: the caller runs it under a time limit."""
    start = time.perf_counter()
    triples = symbolic.symbols()
    count = min(MODEL_POINTS, next(iter(given.values())).shape[0])
    columns = [given[name].reshape(given[name].shape[0], -1)[:count, k] for _, name, k in triples]
    hi: dict[tuple[str, int], np.ndarray] = {}
    lo: dict[tuple[str, int], np.ndarray] = {}
    with mpmath.workdps(DIGITS + 10):
        for target in dict.fromkeys(targets):
            D = numeric(symbolic.derivative(target))
            f = sp.lambdify([s for s, _, _ in triples], list(D), modules="mpmath")
            high = np.empty((count, D.rows * D.cols))
            low = np.empty_like(high)
            for p in range(count):
                values = f(*(mpmath.mpf(float(c[p])) for c in columns))
                for k, v in enumerate(values):
                    exact = mpmath.mpf(v)
                    high[p, k] = float(exact)
                    low[p, k] = float(exact - mpmath.mpf(high[p, k]))
            hi[(target, 0)] = high.reshape(count, D.rows, D.cols)
            lo[(target, 0)] = low.reshape(count, D.rows, D.cols)
    return Reference(count, hi, lo, "mpmath"), time.perf_counter() - start
