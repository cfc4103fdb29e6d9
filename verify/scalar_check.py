"""Scalar notes over a mini-batch (derive/scalar_model.py) through the three witnesses, as
`ClaimResult`s of one `Run`.

- SymPy: the graph with m = `PROOF_M` and a generic ℓ proves claim − truth ≡ 0 (or refutes it);
  its right side, the forward equations substituted, is also evaluated at the points.
- NumPy: the claim's right side as written, from the oracle's forward values and its ∂ℓ/∂p.
- jax.grad (the oracle): the notes' forward equations with a zero tap on every node and a fixed
  random smooth stand-in for ℓ of the last quantities; ∂ℓ/∂q is the gradient w.r.t. q's tap
  (the total derivative through every path). It never sees a claim.
"""

from __future__ import annotations

from dataclasses import replace

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after enabling float64)
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from derive.claims import ClaimNote  # noqa: E402
from derive.scalar_model import (  # noqa: E402
    POSITIVE,
    PROOF_M,
    Add,
    Div,
    Mul,
    Neg,
    Node,
    Num,
    Partial,
    Pow,
    ProofStatus,
    ScalarClaim,
    ScalarModel,
    ScalarProof,
    Sqrt,
    Sum,
    Sym,
    Symbolic,
    prove,
)
from verify import agreement as agree  # noqa: E402
from verify import reference as high_precision  # noqa: E402
from verify.results import (  # noqa: E402
    ORACLE,
    ClaimResult,
    Counterexample,
    ForwardAgreement,
    Reason,
    ReferenceInfo,
    Run,
    Settings,
    Verdict,
)
from verify.sampling import check_dtype  # noqa: E402
from verify.time_limit import ProofTimeout, time_limit  # noqa: E402
from verify.verdict import PROOF_SECONDS  # noqa: E402

STAND_IN_SEED = 20150211  # the stand-in ℓ's coefficients: fixed, whatever the run's seed


def evaluate(node: Node, values: dict, env: dict[str, int], xp, m: int):
    """`node` over arrays whose last axis is the example (indexed names) — NumPy or jax.numpy;
    `values[("d", name)]` is ∂ℓ/∂name."""

    def ev(n: Node, env: dict[str, int]):
        match n:
            case Num(v):
                return float(v)
            case Sym("m", None):
                return float(m)
            case Sym(name, index):
                v = values[name]
                return v[..., _entry(index, env)] if index is not None else v
            case Add(a, b):
                return ev(a, env) + ev(b, env)
            case Mul(a, b):
                return ev(a, env) * ev(b, env)
            case Div(a, b):
                return ev(a, env) / ev(b, env)
            case Neg(a):
                return -ev(a, env)
            case Pow(a, e):
                return ev(a, env) ** float(e)
            case Sqrt(a):
                return xp.sqrt(ev(a, env))
            case Sum(i, body):
                return sum(ev(body, {**env, i: k}) for k in range(m))
            case Partial(Sym(name, index)):
                v = values[("d", name)]
                return v[..., _entry(index, env)] if index is not None else v
        raise TypeError(f"no value for {type(n).__name__}")

    return ev(node, env)


def _entry(index: str, env: dict[str, int]) -> int:
    """`x_i` → the example i is bound to; `x_1` → the first."""
    return int(index) - 1 if index.isdigit() else env[index]


def _stand_in(width: int):
    """ℓ(u) = Σ a_k sin(u_k + c_k) + ½(Σ b_k u_k)²: smooth, every entry and pair matters."""
    rng = np.random.default_rng(STAND_IN_SEED)
    a, b, c = rng.normal(size=width), rng.normal(size=width), rng.normal(size=width)
    return lambda u: jnp.sum(a * jnp.sin(u + c)) + 0.5 * jnp.sum(b * u) ** 2


def oracle(model: ScalarModel, inputs: dict[str, np.ndarray], m: int) -> tuple[dict, dict]:
    """(forward values, ∂ℓ/∂node for every node) at every point, by jax.grad through zero taps."""
    nodes = list(model.inputs) + list(model.parameters) + [d.name for d in model.definitions]
    width = sum(m if model.indexed(n) else 1 for n in model.last)
    loss = _stand_in(width)

    def forward(taps, given):
        values = {n: given[n] + taps[n] for n in list(model.inputs) + list(model.parameters)}
        for d in model.definitions:
            if d.indexed:
                v = jnp.stack(
                    [evaluate(d.expr, values, {d.index: k} if d.index else {}, jnp, m) for k in range(m)]
                )
            else:
                v = evaluate(d.expr, values, {}, jnp, m)
            values[d.name] = v + taps[d.name]
        u = jnp.concatenate([jnp.atleast_1d(values[n]) for n in model.last])
        return loss(u), values

    grad = jax.jit(jax.vmap(jax.grad(forward, has_aux=True)))
    points = next(iter(inputs.values())).shape[0]
    dtype = next(iter(inputs.values())).dtype
    taps = {n: jnp.zeros((points, m) if model.indexed(n) else (points,), dtype) for n in nodes}
    grads, values = grad(taps, {k: jnp.asarray(v) for k, v in inputs.items()})
    return {k: np.asarray(v) for k, v in values.items()}, {k: np.asarray(v) for k, v in grads.items()}


def sample(model: ScalarModel, points: int, seed: int, dtype: str, m: int) -> dict[str, np.ndarray]:
    """Inputs (P, m) and parameters (P,), each from its own stream `default_rng([seed, i])`, so
    point p is the same whatever `points` is."""
    rng = (np.random.default_rng([seed, i]) for i in range(len(model.inputs) + len(model.parameters)))
    out = {}
    for name in model.inputs:
        out[name] = next(rng).normal(size=(points, m))
    for name in model.parameters:
        g = next(rng)
        out[name] = g.uniform(0.1, 1.0, size=points) if name in POSITIVE else g.normal(size=points)
    return {k: v.astype(dtype) for k, v in out.items()}


def _sympy_values(symbolic: Symbolic, claim: ScalarClaim, given: dict, grads: dict) -> np.ndarray:
    """The claim's right side by SymPy (forward equations substituted) at every point."""
    model = symbolic.model
    columns = []
    arguments = []
    values = []
    for (name, k), s in symbolic.free.items():
        if model.kind(name) is not None and name in given:
            arguments.append(s)
            values.append(given[name][:, k] if k is not None else given[name])
    for (name, k), s in symbolic.g.items():
        arguments.append(s)
        values.append(grads[name][:, k] if k is not None else grads[name])
    for claimed, _ in symbolic.sides(claim):
        f = sp.lambdify(arguments, symbolic.substituted(claimed), modules="numpy")
        columns.append(np.broadcast_to(np.asarray(f(*values), dtype=float), values[0].shape))
    return np.stack(columns, axis=-1)


def _column(a: np.ndarray, indexed: bool) -> np.ndarray:
    """(P, rows, 1), as agreement compares."""
    return a[:, :, None] if indexed else a[:, None, None]


def check_scalar(document, *, points: int, seed: int, dtype: str) -> Run:
    """Every claim of a document read as scalar notes (`Document.scalar`)."""
    check_dtype(dtype)
    notes = document.scalar
    model = notes.model
    m = PROOF_M
    results = []
    symbolic = Symbolic(model, m) if model is not None else None
    values = grads = given = None
    if model is not None and any(c is not None for c in notes.claims):
        given = sample(model, points, seed, dtype, m)
        values, grads = oracle(model, given, m)
    for claim, scalar in zip(document.claims, notes.claims, strict=True):
        claim = replace(claim, about="scalar")
        if scalar is None or symbolic is None or values is None or grads is None or given is None:
            results.append(ClaimResult(claim, Verdict.UNPARSED))
            continue
        try:
            with time_limit(PROOF_SECONDS):
                proof = prove(symbolic, scalar)
        except ProofTimeout:
            proof = None
        indexed = symbolic.model.indexed(scalar.target.name)
        env_values = {**values, **{("d", k): v for k, v in grads.items()}}
        if indexed:
            index = scalar.target.index
            right = np.stack(
                [evaluate(scalar.right, env_values, {index: k} if index else {}, np, m) for k in range(m)],
                axis=-1,
            )
        else:
            right = np.broadcast_to(np.asarray(evaluate(scalar.right, env_values, {}, np, m)), (points,))
        left = grads[scalar.target.name]
        arrays = {
            "sympy": _sympy_values(symbolic, scalar, given, grads)[:, :, None],
            "numpy": _column(np.asarray(right, dtype=float), indexed),
            ORACLE: _column(left, indexed),
        }
        found = agree.compare(arrays, 4 * m, dtype)
        verdict, reason = _verdict(proof, found.agree, found.disagreeing)
        if proof is not None and proof.vanishing:
            claim = replace(claim, notes=(*claim.notes, ClaimNote.VANISHING_TERMS))
        results.append(
            ClaimResult(
                claim,
                verdict,
                reason,
                agreement=found,
                counterexample=_counterexample(found, given, arrays) if verdict == Verdict.REFUTED else None,
            )
        )
    return Run(
        network=document.network,
        source=document.source,
        settings=Settings(points, seed, dtype, False, 1),  # type: ignore[arg-type]
        claims=tuple(results),
        forward=ForwardAgreement(True, 0.0),
        reference=ReferenceInfo(high_precision.DIGITS, 0, Reason.UNAVAILABLE),
        definitions=document.definitions,
        not_claims=document.skipped,
        basis=str(document.basis),
        sizes=str(document.sizes),
        scalar=None if model is None else _summary(model),
    )


def _summary(model: ScalarModel) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The scalar graph as the header shows it: (inputs, parameters, computed quantities)."""
    return model.inputs, model.parameters, tuple(d.name for d in model.definitions)


def _verdict(proof: ScalarProof | None, agrees: bool, disagreeing: int) -> tuple[Verdict, Reason]:
    if proof is None:
        return (Verdict.REFUTED, Reason.TIME) if disagreeing >= 2 else (Verdict.UNDECIDED, Reason.TIME)
    if proof.status == ProofStatus.PROVED:
        return (Verdict.PROVED, Reason.NONE) if agrees else (Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE)
    if proof.status == ProofStatus.REFUTED:
        return (
            (Verdict.REFUTED, Reason.NONE) if not agrees else (Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE)
        )
    if agrees:
        return Verdict.UNDECIDED, Reason.SAMPLED
    return (Verdict.REFUTED, Reason.NONE) if disagreeing >= 2 else (Verdict.UNDECIDED, Reason.ONE_POINT)


def _counterexample(
    found, given: dict[str, np.ndarray], arrays: dict[str, np.ndarray]
) -> Counterexample | None:
    where = found.disagreement
    if where is None:
        return None
    p, (row, col) = where.point, where.entry
    return Counterexample(
        point=p,
        inputs={k: np.atleast_1d(v[p]).tolist() for k, v in given.items()},
        entries=((row, col),),
        claimed_sympy=(None,),
        true_sympy=(None,),
        claimed_jax=(float(arrays["numpy"][p, row - 1, col - 1]),),
        true_jax=(float(arrays[ORACLE][p, row - 1, col - 1]),),
    )
