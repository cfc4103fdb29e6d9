"""The slip of a wrong claim: the catalogue's named slips first, then a search from both ends.

`diagnose` tries the catalogue (derive/slips.py) by structure and by value. When none of its
slips fits, `search` rewrites the true formula (slips) and the claim (fixes) with the moves of
derive/slip_search.py, up to two steps in all, and keeps each pair of rewrites whose values
agree at the first `SEARCH_POINTS` sample points (values from the oracle's side only,
verify/claim_values.py). The most plausible match (fewest steps) is then confirmed by SymPy:
the claim equals the rewritten truth as formulas, not only at the points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from derive import Network
from derive.claim_binding import scale
from derive.claims import Claim
from derive.formula import (
    Dims,
    Formula,
    FPrime,
    Grad,
    Hadamard,
    ShapeMismatch,
    Transpose,
    Unsupported,
    Var,
    rewrite,
    shape,
)
from derive.identities import Identity
from derive.proof import Status, prove
from derive.registry import reads_output_activation
from derive.regrouping import regrouped
from derive.slip_search import DELETIONS, INVERSE, Move, Step, fixes, neighbours, written_out
from derive.slips import Slip, SlipKind, in_rows, matching, slips, true_formula
from verify.agreement import finite
from verify.claim_values import OracleValues, Unavailable, value
from verify.time_limit import ProofTimeout, time_limit
from verify.tolerance import allowed

SEARCH_POINTS = 16  # the points a rewrite's values are compared at
CONFIRM_SECONDS = 5  # SymPy's confirmation of the best match
MATCHES = 3  # the matches a slip lists (the best first)


def differing(left: np.ndarray, right: np.ndarray, n: int, magnitude: np.ndarray) -> np.ndarray:
    """Per point: the two sides differ beyond the error budget of `n` summed terms, in the
    precision they were computed in (float32's eps for a float32 run)."""
    err = np.abs(left - right).reshape(left.shape[0], -1).max(axis=1)
    dtype = "float32" if np.result_type(left, right) == np.float32 else "float64"
    return err > allowed(magnitude, n, dtype)


def _candidates(claim: Claim, network: Network) -> tuple[Slip, ...]:
    """The catalogue's slips of the claim's variable, as the claim states it."""
    assert claim.wrt is not None and claim.identity is not None
    candidates = slips(claim.wrt, network)
    if claim.identity.lhs == Var("delta", claim.wrt.layer) and network.factor != 1:
        # Δ_l = dL/dZ_l / factor: compare with the slips of the formula for Δ_l itself
        candidates = tuple(replace(c, formula=scale(1 / network.factor, c.formula)) for c in candidates)
    if claim.identity.lhs == Transpose(Grad(claim.wrt)):  # read in rows: the slips transposed
        candidates = tuple(in_rows(c) for c in candidates)
    return candidates


def truth(claim: Claim, network: Network) -> Formula:
    """The true formula for the claim's left side, as the claim states it (Δ_l, rows)."""
    return _as_stated(claim, network, true_formula(_wrt(claim), network))


def truths(claim: Claim, network: Network) -> list[Formula]:
    """The true formula as notes may write it: the catalogue's, for `∂L/∂z_l` also the chain
    rule's `∂L/∂a_l ∘ f'(z_l)`, and each with `f'` written in the layer's output (`a ∘ (1 − a)`)."""
    wrt = _wrt(claim)
    bases = [true_formula(wrt, network)]
    last = len(network.sizes)
    if wrt.kind == "z" and (wrt.layer < last or reads_output_activation(network.loss)):
        # the chain rule through a_l = f(z_l) (the output's only where the loss reads a_L)
        bases.append(Hadamard(Grad(Var("a", wrt.layer)), FPrime(wrt)))
    last_delta = Var("delta", last)
    error = true_formula(Var("z", last), network)  # the output error where the loss has one
    if error != Grad(Var("z", last)):  # δ_L written out: (a_L − y) ∘ f'(z_L), softmax(z_L) − y
        bases += [rewrite(b, lambda n: error if n == last_delta else None) for b in bases]
    forms = [_as_stated(claim, network, f) for base in bases for f in (base, written_out(base, network))]
    return list(dict.fromkeys(forms))


def _wrt(claim: Claim) -> Var:
    assert claim.wrt is not None and claim.identity is not None
    return claim.wrt


def _as_stated(claim: Claim, network: Network, formula: Formula) -> Formula:
    """`formula` for `∂L/∂X` as the claim's left side states it: Δ_l (without the batch's
    factor), or in rows (transposed)."""
    assert claim.identity is not None
    if claim.identity.lhs == Var("delta", _wrt(claim).layer) and network.factor != 1:
        formula = scale(1 / network.factor, formula)
    if claim.identity.lhs == Transpose(Grad(_wrt(claim))):
        formula = Transpose(formula)
    return formula


def goal(claim: Claim) -> Formula:
    """What the claim's right side should equal: its left side where that is the gradient (or
    Δ_l, or the gradient in rows), else the gradient (a link `B = C` of a chain)."""
    assert claim.wrt is not None and claim.identity is not None
    lhs = claim.identity.lhs
    ours = (Grad(claim.wrt), Transpose(Grad(claim.wrt)), Var("delta", claim.wrt.layer))
    return lhs if lhs in ours else Grad(claim.wrt)


def diagnose(
    claim: Claim, network: Network, side: Formula, values: OracleValues | None, n: int
) -> Slip | None:
    """The slip `side` is: a catalogue slip by structure (also for shape errors) or by value,
    else the search's best match (it needs `values`). Only claims about the network's gradient:
    a function's derivative (`σ'(z) = …`) has no backprop slips to name."""
    if claim.about != "network":
        return None
    candidates = _candidates(claim, network)
    if found := matching(side, candidates, network.factor):  # the same formula: exact
        return replace(found[0], fix=truth(claim, network), confirmed=True)
    if values is None:
        return None
    evaluated = _Values(network, values)
    claimed = evaluated(side)
    for slip in candidates if claimed is not None else ():  # the same values: the slip
        if _same(evaluated(slip.formula), claimed, n):
            return replace(slip, fix=truth(claim, network))
    return search(claim, network, side, values, n, evaluated)


def regrouping(claim: Claim, network: Network, side: Formula) -> Slip | None:
    """A shape error that is the truth's factors in another order or with other transposes
    (derive/regrouping.py): by structure only, as no value of `side` exists."""
    if claim.about != "network":
        return None
    for start in truths(claim, network):
        if found := regrouped(side, start, network):
            steps, fix = found
            return _slip(claim, network, steps, side, fix, None)
    return None


# --- the search -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Reached:
    """A formula the search reached, by `steps` from its end (the truth or the claim)."""

    formula: Formula
    steps: tuple[Step, ...]
    start: Formula  # the end it was reached from


def _dims(network: Network) -> Dims:
    return Dims(network.sizes, 1, network.batch)


def _head(values: OracleValues, count: int) -> OracleValues:
    """The oracle's values at the first `count` points only."""
    return OracleValues(
        values.network,
        values.points.part(0, count),
        {k: v[:count] for k, v in values.forward.items()},
        {k: v[:count] for k, v in values.gradients.items()},
    )


_Value = tuple[tuple[int, int], np.ndarray, np.ndarray]  # shape, values, magnitudes


class _Values:
    """Each formula's value and magnitude at the search's points, computed once; None where
    the shapes do not fit or the oracle cannot compute it."""

    def __init__(self, network: Network, values: OracleValues) -> None:
        self.dims, self.values = _dims(network), _head(values, SEARCH_POINTS)
        self.known: dict[Formula, _Value | None] = {}

    def __call__(self, formula: Formula) -> _Value | None:
        if formula not in self.known:
            try:
                self.known[formula] = (
                    shape(formula, self.dims),
                    value(formula, self.values),
                    value(formula, self.values, absolute=True),
                )
            except (ShapeMismatch, Unavailable, Unsupported, FloatingPointError):
                self.known[formula] = None
        return self.known[formula]


def _stack(values: list[_Value]) -> tuple[np.ndarray, np.ndarray]:
    """Values and magnitudes of formulas of one shape, stacked: (k, P, rows, cols) each."""
    return np.stack([v[1] for v in values]), np.stack([v[2] for v in values])


def _same_as_each(a: _Value, stacked: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
    """`_same(a, b)` for each b of a stack at once: (k,) booleans."""
    values, magnitudes = stacked
    k, points = values.shape[0], values.shape[1]
    magnitude = np.maximum(magnitudes, a[2][None])
    flat = (k * points, *values.shape[2:])
    both = (
        finite(values.reshape(flat)) & finite(np.broadcast_to(a[1][None], values.shape).reshape(flat))
    ) & finite(magnitude.reshape(flat))
    differ = differing(
        values.reshape(flat),
        np.broadcast_to(a[1][None], values.shape).reshape(flat),
        n,
        magnitude.reshape(flat),
    )
    both, differ = both.reshape(k, points), differ.reshape(k, points)
    return np.asarray(both.any(axis=1) & ~(differ & both).any(axis=1))


def _same(a, b, n: int) -> bool:
    """Two evaluated formulas are equal at every point where both are finite (and some are)."""
    if a is None or b is None or a[0] != b[0]:
        return False
    magnitude = np.maximum(a[2], b[2])
    both = finite(a[1]) & finite(b[1]) & finite(magnitude)
    return bool(both.any()) and not differing(a[1], b[1], n, magnitude)[both].any()


def _reach(start: Formula, steps: Iterable[tuple[Formula, Step]]) -> list[_Reached]:
    """The distinct formulas `steps` reach, the first way each is reached."""
    seen, out = {start}, []
    for formula, step in steps:
        if formula not in seen:
            seen.add(formula)
            out.append(_Reached(formula, (step,), start))
    return out


def search(
    claim: Claim,
    network: Network,
    side: Formula,
    values: OracleValues,
    n: int,
    evaluated: _Values | None = None,
) -> Slip | None:
    """The fewest slips (at most two) that turn the truth into `side`, found from both ends,
    each match confirmed by SymPy where it can be; None when nothing within two steps fits.

    A claim about `∂J/∂Z_l` over a mini-batch that fits no slip of the gradient is searched
    again as the per-example `dZ_l = B ∂J/∂Z_l` that courses name so (Ng's)."""
    if claim.about != "network":
        return None
    evaluated = evaluated or _Values(network, values)
    starts = truths(claim, network)
    # the gradient by jax.grad, or where the oracle has none (∂L/∂a_L) the true formula's value
    target = evaluated(goal(claim)) or evaluated(starts[0])
    if target is None:
        return None
    found = _search(claim, network, side, starts, target, evaluated, n)
    per_example = network.factor != 1 and _wrt(claim).kind in ("z", "a") and claim.wrt_written is not None
    if per_example:  # the course's reading where it needs fewer slips
        lhs = scale(1 / network.factor, goal(claim))  # B ∂J/∂Z_l: the course's dZ_l
        course = [scale(1 / network.factor, f) for f in starts]
        if (course_target := evaluated(lhs)) is not None:
            other = _search(claim, network, side, course, course_target, evaluated, n)
            if other is not None and (found is None or len(other.steps) < len(found.steps)):
                found = replace(other, lhs=lhs)
    return found


def _search(
    claim: Claim,
    network: Network,
    side: Formula,
    starts: list[Formula],
    target: _Value,
    evaluated: _Values,
    n: int,
) -> Slip | None:
    slipped = [r for start in starts for r in _reach(start, neighbours(start, network))]  # one slip
    fixed = _reach(side, fixes(side, network))  # the claim with one slip undone
    twice = [
        _Reached(f, (*r.steps, step), side)
        for r in fixed
        for f, step in fixes(r.formula, network)
        if f != side and f != r.formula
    ]
    claimed = evaluated(side)
    true = starts[0]
    # (steps, slips, slipped truth, fixed claim, the claim as it should read)
    matches: list[tuple[int, tuple[Step, ...], Formula, Formula, Formula]] = []
    for r in fixed:  # one fix makes the claim true
        if _same(evaluated(r.formula), target, n):
            matches.append((1, r.steps, true, r.formula, r.formula))
    for s in slipped:  # one slip of the truth is the claim
        if claimed is not None and _same(evaluated(s.formula), claimed, n):
            matches.append((1, s.steps, s.formula, side, s.start))
    for r in twice:  # two fixes
        if _same(evaluated(r.formula), target, n):
            matches.append((2, _as_written(r.steps), true, r.formula, r.formula))
    by_shape: dict[tuple[int, int], list[tuple[_Reached, _Value]]] = {}
    for s in slipped:
        if (v := evaluated(s.formula)) is not None:
            by_shape.setdefault(v[0], []).append((s, v))
    stacked = {k: _stack([v for _, v in group]) for k, group in by_shape.items()}
    for r in fixed:  # a slip of the truth meets a fix of the claim
        if (v := evaluated(r.formula)) is None or v[0] not in by_shape:
            continue
        group = by_shape[v[0]]
        for (s, _), same in zip(group, _same_as_each(v, stacked[v[0]], n), strict=True):
            # two deletions, one at each end, can make any two formulas meet: no diagnosis
            deletes = s.steps[0].move in DELETIONS and r.steps[0].move in DELETIONS
            if same and not deletes:
                matches.append((2, _met(s.steps[0], r.steps[0]), s.formula, r.formula, s.start))
    wrt = Grad(_wrt(claim))
    matches = [m for m in matches if not _undoes(m[1]) and not _circular(m[3], side, wrt)]
    matches.sort(key=lambda m: (m[0], *_implausible(m[1])))  # stable: the moves' order within that
    kept: list[Slip] = []
    seen: set[tuple[Formula, Formula]] = set()
    for depth, steps, slipped_truth, fixed_claim, corrected in matches:
        if kept and depth > len(kept[0].steps):  # alternatives only as plausible as the best
            break
        moves = sorted(step.move for step in steps)
        same = any(sorted(t.move for t in k.steps) == moves for k in kept)
        if same or (slipped_truth, fixed_claim) in seen:
            continue  # the same slips, reached another way or in another order
        seen.add((slipped_truth, fixed_claim))
        confirmed = _confirm(claim, network, slipped_truth, fixed_claim)
        if confirmed is False:
            continue
        kept.append(_slip(claim, network, steps, side, corrected, confirmed))
        if len(kept) == MATCHES:
            break
    if not kept:
        return None
    return replace(kept[0], alternatives=tuple(kept[1:]))


def _as_written(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """Two fixes of a claim shown as written and as they should read in the end: the first's
    `fix` with the second made in it, the second's `where` without the first (`W2ᵀ δ3 (1 − a2ᵀ a2)`
    where `W2ᵀ δ3 ∘ (1 − a2 ∘ a2)` belongs, never a half-fixed form)."""
    first, second = steps
    fix = rewrite(first.fix, lambda n: second.fix if n == second.where else None)
    where = rewrite(second.where, lambda n: first.where if n == first.fix else None)
    return (replace(first, fix=fix), replace(second, where=where))


def _met(slip: Step, fix: Step) -> tuple[Step, Step]:
    """A slip of the truth that meets a fix of the claim, the slip's place shown as the claim
    writes it (`a1 δ2` where `δ2 a1ᵀ` belongs, not the meeting point `a1ᵀ δ2`)."""
    where = rewrite(slip.where, lambda n: fix.where if n == fix.fix else None)
    return (replace(slip, where=where), fix)


def _circular(fixed: Formula, side: Formula, wrt: Grad) -> bool:
    """A fix that writes the claim's own gradient into it (`∂L/∂z = ∂L/∂z ∘ 1`): true, and no
    diagnosis."""
    return _contains(fixed, wrt) and not _contains(side, wrt)


def _contains(formula: Formula, node: Formula) -> bool:
    found: list[Formula] = []
    rewrite(formula, lambda n: found.append(n) if n == node else None)
    return bool(found)


def _undoes(steps: tuple[Step, ...]) -> bool:
    """One step undoes the kind of another (`∘` for a product, then a product for `∘`): no slip
    a person makes, only a path the search can take."""
    moves = {s.move for s in steps}
    return any(INVERSE[m] in moves and INVERSE[m] != m for m in moves)


def _implausible(steps: tuple[Step, ...]) -> tuple[int, int, int]:
    """What makes a diagnosis less likely among those with as many steps: parts deleted at
    either end, and transposes of whole products (people transpose a factor, `W` for `Wᵀ`)."""
    deletions = sum(s.move in DELETIONS for s in steps)
    # the smaller edit: a factor `a` dropped before a whole error term `(a − y)`
    edited = sum(abs(_size(s.fix) - _size(s.where)) + s.places for s in steps)
    transposes = (Move.EXTRA_TRANSPOSE, Move.MISSING_TRANSPOSE)
    transposed = [
        s.where if s.move == Move.MISSING_TRANSPOSE else s.fix for s in steps if s.move in transposes
    ]
    compound = sum(not isinstance(x, Var | Grad) for x in transposed)
    return deletions, compound, edited


def _size(formula: Formula) -> int:
    nodes: list[Formula] = []
    rewrite(formula, lambda n: nodes.append(n))
    return len(nodes)


def _slip(
    claim: Claim,
    network: Network,
    steps: tuple[Step, ...],
    side: Formula,
    fix: Formula,
    confirmed: bool | None,
) -> Slip:
    """The slip `steps` that make `side` of `fix` (the claim as it should read)."""
    assert claim.wrt is not None
    return Slip(
        SlipKind.FOUND,
        side,
        claim.wrt.layer,
        batch=network.batch,
        steps=steps,
        fix=fix,
        confirmed=confirmed,
    )


def _confirm(claim: Claim, network: Network, slipped_truth: Formula, fixed_claim: Formula) -> bool | None:
    """SymPy's word that the rewritten truth equals the rewritten claim as formulas (with the
    network's own f and loss): True, False, or None when it cannot say in time."""
    assert claim.wrt is not None
    identity = Identity("slip", claim.wrt, fixed_claim, claim.identity.batched if claim.identity else False)
    identity = replace(identity, lhs=slipped_truth)
    try:
        with time_limit(CONFIRM_SECONDS):
            proof = prove(identity, network, generic=False)
    except ProofTimeout:
        return None
    except (TypeError, ValueError, ArithmeticError):  # a rewrite SymPy cannot take: no word from it
        return None
    return {Status.PROVED: True, Status.REFUTED: False}.get(proof.status)
