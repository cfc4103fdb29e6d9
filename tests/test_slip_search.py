"""The slip search (derive/slip_search.py, verify/diagnosis.py), tested by generation: every
one-move slip of a built-in identity that changes its value is refuted (or a shape error) and
named — by the catalogue, or by the search with the very step that made it — and the corrected
formula the run gives is true. Plus the field's unnamed slips (../shared/cases/min-unnamed-slips.md)
and slips two steps deep.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from derive.claims import Claim
from derive.formula import (
    Add,
    Dims,
    Fill,
    FPrime,
    Grad,
    Hadamard,
    MatMul,
    Scale,
    ShapeMismatch,
    Transpose,
    Var,
)
from derive.formula import shape as formula_shape
from derive.identities import Identity, network_identities
from derive.network import Network
from derive.slip_search import INVERSE, Move, Step, fixes, neighbours
from derive.slips import SlipKind
from verify.claim_values import oracle_values, value
from verify.results import Verdict
from verify.run import check
from verify.sampling import sample

WRONG = (Verdict.REFUTED, Verdict.SHAPE_ERROR)


def claim(target: Var, formula, line: int = 1, batched: bool = False) -> Claim:
    identity = Identity(f"dL/d{target.kind}{target.layer}", target, formula, batched)
    return Claim("generated", line, 1, "generated", "latex", wrt=target, identity=identity)


def generated(network: Network, names: tuple[str, ...]) -> list[tuple[Identity, object, Step]]:
    """Each one-move slip of the named identities whose value differs from the truth's."""
    dims = Dims(network.sizes, 1, network.batch)
    points = sample(network, 4, 0, False, "float64")
    values = oracle_values(network, points)
    out = []
    for identity in network_identities(network):
        if identity.name not in names:
            continue
        truth = value(Grad(identity.target), values)
        seen = set()
        for formula, step in neighbours(identity.formula, network):
            if formula in seen:
                continue
            seen.add(formula)
            try:
                if formula_shape(formula, dims) == formula_shape(identity.formula, dims) and np.allclose(
                    value(formula, values), truth
                ):
                    continue  # the same value: no slip at all (a transpose of a symmetric term)
            except ShapeMismatch:
                pass  # a shape error: still a slip to name
            out.append((identity, formula, step))
    return out


def named(slip, step: Step) -> bool:
    """The slip names `step` (the search's own) — or is one of the catalogue's named slips."""
    if slip.kind != SlipKind.FOUND:
        return True
    return any(step in s.steps for s in (slip, *slip.alternatives)) or any(
        len(s.steps) == 1 and s.steps[0].move in (step.move, INVERSE[step.move])
        for s in (slip, *slip.alternatives)
    )


def run_generated(network: Network, names: tuple[str, ...]):
    cases = generated(network, names)
    claims = [claim(i.target, f, line, i.batched) for line, (i, f, _) in enumerate(cases, start=1)]
    return cases, check(network, claims, points=40)


def test_every_one_move_slip_of_the_seed_layer_is_refuted_and_named():
    network = Network((4, 3), "sigmoid")
    cases, run = run_generated(network, ("dL/dz1", "dL/dW1"))
    assert len(cases) >= 12
    unnamed = []
    for (identity, formula, step), result in zip(cases, run.claims, strict=True):
        assert result.verdict in WRONG, (identity.name, formula, result.verdict)
        if result.slip is None or not named(result.slip, step):
            unnamed.append((identity.name, str(step.move), result.slip))
    assert not unnamed, unnamed


@pytest.mark.slow
@pytest.mark.parametrize(
    "network",
    [
        Network((3, 4, 2), "tanh"),
        Network((4, 3, 2), "relu", batch=2),
        Network((2, 3, 4), "sigmoid", "softmax-ce"),
    ],
    ids=["tanh", "relu-batch", "softmax-ce"],
)
def test_every_one_move_slip_of_every_identity_is_refuted_and_named(network):
    names = tuple(i.name for i in network_identities(network))
    cases, run = run_generated(network, names)
    unnamed = [
        (i.name, str(step.move))
        for (i, _, step), r in zip(cases, run.claims, strict=True)
        if r.verdict not in WRONG or r.slip is None or not named(r.slip, step)
    ]
    assert not unnamed, unnamed


def test_the_corrected_formula_is_true():
    """The `fix` a found slip gives is the claim as it should read: proved when checked."""
    network = Network((3, 3, 3), "tanh")
    d3, W1, W2, z2 = Var("delta", 3), Var("W", 1), Var("W", 2), Var("z", 2)
    wrong = Hadamard(MatMul(Transpose(W1), d3), FPrime(z2))  # the wrong layer's W
    run = check(network, [claim(z2, wrong)], points=40)
    slip = run.claims[0].slip
    assert slip is not None and slip.kind == SlipKind.FOUND and slip.fix is not None
    assert slip.steps == (Step(Move.LAYER, W1, W2),) and slip.confirmed is True
    fixed = check(network, [claim(z2, slip.fix)], points=40)
    assert fixed.claims[0].verdict == Verdict.PROVED


def test_two_slips_are_found_together():
    """`(W2ᵀ δ3)(1 − a2ᵀ a2)`: a matrix product where ∘ belongs, twice (tanh' = 1 − a∘a)."""
    network = Network((3, 3, 3), "tanh")
    a2, d3, W2, z2 = Var("a", 2), Var("delta", 3), Var("W", 2), Var("z", 2)
    inner = Scale(Fraction(-1), MatMul(Transpose(a2), a2))
    wrong = MatMul(MatMul(Transpose(W2), d3), Add(Fill(Fraction(1), inner), inner))
    run = check(network, [claim(z2, wrong)], points=40)
    slip = run.claims[0].slip
    assert slip is not None and [s.move for s in slip.steps] == [Move.MATMUL_FOR_HADAMARD] * 2
    right = Hadamard(a2, a2)
    assert slip.fix is not None and right in _nodes(slip.fix)


def test_a_true_claim_has_no_fix_to_find():
    """The search never runs on a proved claim, and a right formula is no neighbour's match."""
    network = Network((4, 3), "sigmoid")
    truth = network_identities(network)[1]
    run = check(network, [claim(truth.target, truth.formula)], points=40)
    assert run.claims[0].verdict == Verdict.PROVED and run.claims[0].slip is None


# a deletion (of f', a factor, a term, a sum, a sign) is undone by the search from the other end only
ONE_WAY = (
    Move.MISSING_FPRIME,
    Move.MISSING_FACTOR,
    Move.MISSING_TERM,
    Move.MISSING_MEAN,
    Move.NOT_SUMMED,
    Move.SUM_AXIS,
    Move.SIGN,
)


def test_fixes_undo_neighbours():
    """Each slip the truth can take is undone by a fix of the slipped formula, named the same."""
    network = Network((4, 3, 2), "sigmoid", batch=2)
    for identity in network_identities(network):
        for slipped, step in neighbours(identity.formula, network):
            if step.move in ONE_WAY:
                continue
            undone = {(f, s) for f, s in fixes(slipped, network) if f == identity.formula}
            assert any(s.move == step.move for _, s in undone), (identity.name, step)


def _nodes(formula):
    import dataclasses

    yield formula
    for field in dataclasses.fields(formula):
        child = getattr(formula, field.name)
        if dataclasses.is_dataclass(child) and not isinstance(child, type):
            yield from _nodes(child)


@pytest.mark.slow
def test_pairs_of_slips_are_refuted_and_named():
    """Two moves at once (a deterministic sample of the pairs of one identity): refuted, and the
    search names two steps — or fewer, where one slip explains the formula as well."""
    network = Network((3, 4, 2), "tanh")
    identity = next(i for i in network_identities(network) if i.name == "dL/dz2")
    dims = Dims(network.sizes, 1, network.batch)
    values = oracle_values(network, sample(network, 4, 0, False, "float64"))
    truth = value(Grad(identity.target), values)
    pairs = []
    for once, _ in neighbours(identity.formula, network):
        for twice, _ in neighbours(once, network):
            try:
                if formula_shape(twice, dims) == formula_shape(identity.formula, dims) and not np.allclose(
                    value(twice, values), truth
                ):
                    pairs.append(twice)
            except ShapeMismatch:
                continue
    sample_of = sorted(set(pairs), key=repr)[::7][:24]
    run = check(network, [claim(identity.target, f, line) for line, f in enumerate(sample_of, 1)], points=40)
    assert all(r.verdict == Verdict.REFUTED for r in run.claims)
    named = [r for r in run.claims if r.slip is not None and r.slip.fix is not None]
    assert len(named) >= 0.8 * len(sample_of), [str(r.claim.identity) for r in run.claims if r.slip is None]
