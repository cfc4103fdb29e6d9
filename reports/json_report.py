"""`--json`: one schema for every run (`verify`, `check`), versioned by its `"schema"` field.

`SCHEMA` below is the documentation and the test: every object `to_dict` makes is checked
against it by `validate`. Numbers are numbers (NaN and ±inf become null); verdicts and other
vocabularies are their stable English values (`"refuted"`, `"W for W^T"`); every `"text"` is
the English sentence the terminal prints.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from derive import Network
from derive.formula import Formula, to_text
from derive.proof import Proof
from derive.reading import Reading
from derive.slips import Slip
from reports.terminal import max_ulp
from reports.wording import Words
from verify.results import Agreement, ClaimResult, ForwardAgreement, Run

SCHEMA_VERSION = "derivcheck.run/1"


@dataclass(frozen=True)
class Opt:
    """The value may be null."""

    spec: Any


@dataclass(frozen=True)
class ListOf:
    spec: Any


@dataclass(frozen=True)
class MapOf:
    """An object with any string keys, each value of `spec`."""

    spec: Any


@dataclass(frozen=True)
class Absent:
    """The key may be missing (a field only some runs have: the L2 penalty)."""

    spec: Any


NUM = Opt(float)  # a number, or null where it is NaN or infinite
MATRIX = Opt(ListOf(ListOf(NUM)))

NETWORK = {
    "sizes": ListOf(int),
    "activation": str,  # the output layer's f_L (every layer's unless `activations` differ)
    "activations": ListOf(str),  # f_1 … f_L, one per layer
    "loss": str,
    "batch": int,
    "reduction": str,
    "slope": Opt(str),
    "numeric_loss": str,
    "l2": Absent(float),  # the L2 penalty's λ' of (λ'/2) Σ_l ‖W_l‖_F², only where it is not 0
    "l2_text": Absent(str),  # the penalty as the loss writes it: `(λ/2) Σ_l ‖W_l‖², λ = 1/10`
}
SETTINGS = {"points": int, "seed": int, "dtype": str, "include_kinks": bool, "chunks": int, "tolerance": str}
REFERENCE = {
    "digits": int,
    "points": int,
    "library": str,
    "skipped": Opt(str),
    "seconds": float,
    "max_ulp": MapOf(NUM),
}
FORWARD = {
    "agree": bool,
    "max_abs_err": NUM,
    "quantity": Opt(str),
    "blamed": ListOf(str),
    "others": ListOf(str),
    "largest": NUM,
    "text": str,
}
WITNESS = {
    "vs_oracle": NUM,
    "failure": Opt(str),
    "max_abs_vs_ref": NUM,
    "max_rel_vs_ref": NUM,
    "max_ulp": NUM,
    "budget_used": NUM,
    "sample": MATRIX,
    "max_ulp_per_entry": MATRIX,
}
DISAGREEMENT = {"point": int, "entry": ListOf(int), "values": MapOf(NUM), "blamed": ListOf(str)}
AGREEMENT = {
    "agree": bool,
    "points": int,
    "compared": int,
    "disagreeing": int,
    "max_abs_err": NUM,
    "worst_ratio": NUM,
    "at_kinks": NUM,
    "witnesses": MapOf(WITNESS),
    "disagreement": Opt(DISAGREEMENT),
    "text": str,
}
BUDGET = {"weights": int, "batch": int, "depth": int, "cost": int, "limit": int, "generic": bool}
PROOF = {
    "scope": str,
    "status": str,
    "method": str,
    "entries": int,
    "left": int,
    "shape": Opt(str),
    "budget": Opt(BUDGET),
    "counterexample": Opt(
        {"entry": ListOf(int), "formula": str, "derivative": str, "exact": bool, "at": MapOf(str)}
    ),
    # proved only as the loss assumes its targets (Σ_k y_k = 1): where they do not, it fails here
    "condition": Opt(
        {"entry": ListOf(int), "formula": str, "derivative": str, "at": MapOf(str), "text": str}
    ),
    "text": str,
}
# one slip at its place: what is written (`where`) where what belongs (`fix`), derive/slip_search.py
STEP = {"slip": str, "where": str, "fix": str}
_SLIP = {
    "kind": str,
    "layer": int,
    "other": Opt(int),
    "batch": int,
    "formula": str,
    "text": str,
    "steps": ListOf(STEP),  # the slips that make the claim of the truth, the first first
    "fix": Opt(str),  # the claim as it should read
    "confirmed": Opt(bool),  # SymPy's word that the slips are exact (null: matched by value only)
}
SLIP = {**_SLIP, "alternatives": ListOf(_SLIP)}  # other slips that fit as well
SIDES = {"sympy": ListOf(Opt(str)), "jax": ListOf(NUM)}
COUNTEREXAMPLE = {
    "point": int,
    "inputs": MapOf(list),
    "entries": ListOf(ListOf(int)),
    "claimed": SIDES,
    "true": SIDES,
}
PROBLEM = {"position": int, "message": str, "caret": str}
NUMBERING = {"weights": str, "first": int, "index": Opt(str)}
# a `depends on convention` claim: the reading under which it holds, the one under which it fails
READINGS = {"holds": str, "fails": str, "slip": Opt(SLIP), "text": str}
# how a claims file was read: its layout (and why), its layer numbers (derive/course.py)
READING = {"layout": str, "basis": str, "numbering": str, "text": ListOf(str)}
CLAIM = {
    "source": str,
    "line": int,
    "column": int,
    "name": Opt(str),
    "written": str,
    "syntax": str,
    "wrt": Opt(str),
    "layer": Opt(int),
    "parsed": Opt(str),
    "notes": ListOf({"kind": str, "text": str}),
    "verdict": str,
    "reason": str,
    "scope": Opt(str),
    "slip": Opt(SLIP),
    "problem": Opt(PROBLEM),
    "shape_problem": Opt(str),
    "readings": Opt(READINGS),
    "proofs": {"generic": Opt(PROOF), "concrete": Opt(PROOF)},
    "agreement": Opt(AGREEMENT),
    "counterexample": Opt(COUNTEREXAMPLE),
    # "depends on convention": the verdict in each reading of the notes' layer numbering
    "numberings": ListOf({"reading": NUMBERING, "verdict": str, "text": str}),
    # what a proof covers (network, function, scalar, matrix); a matrix identity's letters as checked
    "about": str,
    "shapes": ListOf({"letter": str, "rows": int, "cols": int}),
    "symmetric": ListOf(str),
    "invertible": ListOf(str),
}
IMPLEMENTATION = {
    "name": str,
    "agree": bool,
    "forward": FORWARD,
    "gradients": MapOf(AGREEMENT),
    "failures": MapOf(str),
}
KINKS = {"points": int, "conventions": MapOf(str), "max_abs_err": NUM, "agree": bool}
FORWARD_EQUATION = {
    "line": int,
    "written": str,
    "status": str,
    "method": str,
    "generic": bool,
    "per_example": bool,
    "without_bias": bool,
    "problem": str,
}
MODEL = {  # a model file's model (derive/model_file.py): the network above is then unused
    "tensors": ListOf({"name": str, "role": str, "rows": int, "cols": int, "drawn": Opt(str)}),
    "equations": ListOf(str),
    "read_from": str,  # "model file", or "notes": their forward equations (derive/notes_model.py)
    "notes_lines": ListOf(int),  # the notes' lines of those forward equations
    "examples": Opt(int),  # the notes' m, where they divide by it
    "model_file": Opt(str),  # the model file a document's claims are about (--model)
}
SCHEMA = {
    "schema": str,  # SCHEMA_VERSION
    "source": Opt(str),  # null: the built-in identities
    "network": NETWORK,
    "model": Opt(MODEL),
    # how the document numbers its layers, why ("default", "forward equations", "layers exist"),
    # and whether the sizes were given (False: a small default)
    # and the layers whose activation the notes do not name (per-layer activations: a neighbour's)
    "notation": {
        "reading": NUMBERING,
        "basis": str,
        "text": str,
        "sizes": str,
        # the notes' declarations that the given sizes contradict
        "conflicts": ListOf({"line": int, "written": str, "layer": int, "declared": int, "given": int}),
        "unnamed_activations": ListOf(int),
        "loss_line": Opt(int),  # the document's line that defines the loss (a squared error)
        "batch_from_notes": bool,  # the notes write a mini-batch and --batch was not given
    },
    "settings": SETTINGS,
    "reference": REFERENCE,
    "forward": FORWARD,
    "implementation": Opt(IMPLEMENTATION),
    "kinks": Opt(KINKS),
    "skipped_witnesses": MapOf(str),
    "claims": ListOf(CLAIM),
    # where the derivation goes wrong: the first wrong claim in the notes' order, its slip
    "first_wrong": Opt({"line": int, "column": int, "written": str, "slip": Opt(SLIP)}),
    "forward_equations": ListOf(FORWARD_EQUATION),
    "definitions": ListOf({"line": int, "written": str, "wrt": Opt(str)}),
    "not_claims": ListOf({"line": int, "written": str}),
    "code": Opt(READING),  # a claims file's layout and layer numbers
    "passed": bool,
    "exit_code": int,
    "result": str,
}


def validate(value: Any, spec: Any = SCHEMA, path: str = "$") -> None:
    """Raise `ValueError` naming the first place where `value` does not follow `spec`."""
    if isinstance(spec, Opt):
        if value is not None:
            validate(value, spec.spec, path)
        return
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            raise ValueError(f"{path}: expected a list, received {type(value).__name__}")
        for k, item in enumerate(value):
            validate(item, spec.spec, f"{path}[{k}]")
        return
    if isinstance(spec, MapOf):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"{path}: expected an object, received {type(value).__name__}")
        for k, item in value.items():
            validate(item, spec.spec, f"{path}.{k}")
        return
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{path}: expected an object, received {type(value).__name__}")
        required = {k for k, v in spec.items() if not isinstance(v, Absent)}
        if not required <= set(value) <= set(spec):
            raise ValueError(f"{path}: expected keys {sorted(spec)}, received {sorted(value)}")
        for k, item_spec in spec.items():
            if k in value:
                validate(
                    value[k], item_spec.spec if isinstance(item_spec, Absent) else item_spec, f"{path}.{k}"
                )
        return
    ok = (
        isinstance(value, (int, float)) and not isinstance(value, bool)
        if spec is float
        else isinstance(value, int) and not isinstance(value, bool)
        if spec is int
        else isinstance(value, spec)
    )
    if not ok:
        raise ValueError(f"{path}: expected {spec.__name__}, received {value!r}")


def _number(x: float | None) -> float | None:
    """NaN and ±inf (e.g. ULPs of a wrong value where the truth is 0) become null."""
    return None if x is None or not math.isfinite(x) else float(x)


def _matrix(m) -> list | None:
    return None if m is None else [[_number(u) for u in row] for row in m]


def network_dict(net: Network) -> dict:
    text = Words("en").penalty_text(net)
    penalty = {"l2": float(net.l2), "l2_text": text} if net.l2 else {}  # none: no key
    return {
        "sizes": list(net.sizes),
        "activation": net.activation,
        "activations": list(net.layer_activations),  # f_1 … f_L (all `activation` unless mixed)
        "loss": net.loss,
        "batch": net.batch,
        "reduction": net.reduction,
        "slope": str(net.slope) if "leaky-relu" in net.layer_activations else None,
        "numeric_loss": net.numeric.loss,
        **penalty,
    }


def _forward(f: ForwardAgreement, w: Words) -> dict:
    return {
        "agree": f.agree,
        "max_abs_err": _number(f.max_abs_err),
        "quantity": f.quantity,
        "blamed": list(f.blamed),
        "others": list(f.others),
        "largest": _number(f.largest),
        "text": w.forward(f),
    }


def _agreement(a: Agreement | None, w: Words) -> dict | None:
    if a is None:
        return None
    d = a.disagreement
    return {
        "agree": a.agree,
        "points": a.points,
        "compared": a.compared,
        "disagreeing": a.disagreeing,
        "max_abs_err": _number(a.max_abs_err),
        "worst_ratio": _number(a.worst_ratio),
        "at_kinks": _number(a.at_kinks),
        "witnesses": {
            name: {
                "vs_oracle": _number(e.vs_oracle),
                "failure": e.failure,
                "max_abs_vs_ref": _number(e.max_abs_vs_ref),
                "max_rel_vs_ref": _number(e.max_rel_vs_ref),
                "max_ulp": _number(e.max_ulp),
                "budget_used": _number(e.budget_used),
                "sample": _matrix(e.sample),
                "max_ulp_per_entry": _matrix(e.ulp_per_entry),
            }
            for name, e in a.witnesses.items()
        },
        "disagreement": None
        if d is None
        else {
            "point": d.point,
            "entry": list(d.entry),
            "values": {k: _number(v) for k, v in d.values.items()},
            "blamed": list(d.blamed),
        },
        "text": w.agreement(a),
    }


def _proof(proof: Proof | None, w: Words) -> dict | None:
    if proof is None:
        return None
    cx, b = proof.counterexample, proof.budget
    return {
        "scope": w.scope(proof),
        "status": str(proof.status),
        "method": str(proof.method),
        "entries": proof.entries,
        "left": proof.left,
        "shape": proof.shape,
        "budget": None
        if b is None
        else {
            "weights": b.weights,
            "batch": b.batch,
            "depth": b.depth,
            "cost": b.cost,
            "limit": b.limit,
            "generic": b.generic,
        },
        "condition": None
        if proof.condition is None
        else {
            "entry": list(proof.condition.entry),
            "formula": proof.condition.claimed,
            "derivative": proof.condition.derived,
            "at": dict(proof.condition.assignment),
            "text": w.condition(proof),
        },
        "counterexample": None
        if cx is None
        else {
            "entry": list(cx.entry),
            "formula": cx.claimed,
            "derivative": cx.derived,
            "exact": cx.exact,
            "at": dict(cx.assignment),
        },
        "text": w.why(proof),
    }


def _numbering(r: Reading) -> dict:
    return {"weights": r.weights, "first": r.first, "index": r.index}


def _slip(s: Slip, w: Words, batched: bool, alternatives: bool = True) -> dict:
    def text(formula: Formula) -> str:  # in the notes' layer numbers, or the claim's entries
        return w.math(formula, batched, notes=True)

    # a catalogue slip is one step over the whole formula: the claim where the truth belongs
    steps = [(str(t.move), t.where, t.fix) for t in s.steps] or (
        [(str(s.kind), s.formula, s.fix)] if s.fix is not None else []
    )
    out = {
        "kind": str(s.kind),
        "layer": s.layer,
        "other": s.other,
        "batch": s.batch,
        "formula": text(s.formula),
        "text": w.slip(s),
        "steps": [{"slip": kind, "where": text(where), "fix": text(fix)} for kind, where, fix in steps],
        "fix": None if s.fix is None else text(s.fix),
        "confirmed": s.confirmed,
    }
    if alternatives:
        out["alternatives"] = [_slip(a, w, batched, alternatives=False) for a in s.alternatives]
    return out


def _claim(r: ClaimResult, w: Words) -> dict:
    claim, c, s = r.claim, r.counterexample, r.slip
    identity = claim.identity
    batched = bool(identity and identity.batched)
    return {
        "source": claim.source,
        "line": claim.line,
        "column": claim.column,
        "name": claim.name,
        "written": claim.written,
        "syntax": claim.syntax,
        "about": claim.about,
        "shapes": [{"letter": x, "rows": r, "cols": c} for x, (r, c) in claim.shapes],
        "symmetric": list(claim.symmetric),
        "invertible": list(claim.invertible),
        "wrt": claim.wrt_name,
        "layer": claim.layer,
        "parsed": None if identity is None else identity.text,
        "notes": [{"kind": str(n), "text": w.claim_note(n, claim)} for n in claim.notes],
        "verdict": str(r.verdict),
        "reason": str(r.reason),
        "scope": w.claim_scope(r) or None,
        "numberings": [
            {"reading": _numbering(reading), "verdict": str(v), "text": w.numbering(reading)}
            for reading, v in r.numberings
        ],
        "slip": None if s is None else _slip(s, w.about(claim), batched),
        "problem": None
        if claim.problem is None
        else {
            "position": claim.problem.position,
            "message": claim.problem.message,
            "caret": claim.problem.caret,
        },
        "shape_problem": None if r.shape_problem is None else w.shape_problem(r),
        "readings": None
        if r.readings is None
        else {
            "holds": str(r.readings.holds),
            "fails": str(r.readings.fails),
            "slip": None if r.readings.slip is None else _slip(r.readings.slip, w, batched),
            "text": w.readings(r),
        },
        "proofs": {"generic": _proof(r.generic, w), "concrete": _proof(r.concrete, w)},
        "agreement": _agreement(r.agreement, w),
        "counterexample": None
        if c is None
        else {
            "point": c.point,
            "inputs": c.inputs,
            "entries": [list(e) for e in c.entries],
            "claimed": {"sympy": list(c.claimed_sympy), "jax": [_number(v) for v in c.claimed_jax]},
            "true": {"sympy": list(c.true_sympy), "jax": [_number(v) for v in c.true_jax]},
        },
    }


def _first_wrong(run: Run, w: Words) -> dict | None:
    if (r := run.first_wrong) is None:
        return None
    batched = bool(r.claim.identity and r.claim.identity.batched)
    slip = None if r.slip is None else _slip(r.slip, w.about(r.claim), batched)
    return {"line": r.claim.line, "column": r.claim.column, "written": r.claim.written, "slip": slip}


def _model(run: Run) -> dict | None:
    if run.model is None:
        return None
    drawn = dict(run.model.drawn)
    m = run.model.model
    return {
        "tensors": [
            {
                "name": t.name,
                "role": t.role.value,
                "rows": t.shape[0],
                "cols": t.shape[1],
                "drawn": drawn[t.name].value if t.name in drawn else None,
            }
            for t in m.tensors
        ],
        "equations": [f"{e.target} = {to_text(e.expr)}" for e in m.equations],
        "read_from": "notes" if run.model.notes_lines else "model file",
        "notes_lines": list(run.model.notes_lines),
        "examples": run.model.examples,
        "model_file": run.model.model_file,
    }


def to_dict(run: Run) -> dict:
    """The run as one JSON-ready object that follows `SCHEMA`."""
    w = Words("en").reading(run)
    s, ref, k, impl = run.settings, run.reference, run.kinks, run.implementation
    return {
        "schema": SCHEMA_VERSION,
        "source": run.source,
        "network": network_dict(run.network),
        "model": _model(run),
        "notation": {
            "reading": _numbering(run.reading),
            "basis": run.basis or "default",
            "text": w.numbering(run.reading),
            "sizes": run.sizes,  # "given", "declared" (in the notes) or "default"
            "conflicts": [
                {
                    "line": c.declaration.line,
                    "written": c.declaration.written,
                    "layer": c.layer,
                    "declared": c.declared,
                    "given": c.given,
                }
                for c in run.conflicts
            ],
            "unnamed_activations": list(run.unnamed_activations),
            "loss_line": run.loss_line,
            "batch_from_notes": run.batch_from_notes,
        },
        "settings": {
            "points": s.points,
            "seed": s.seed,
            "dtype": s.dtype,
            "include_kinks": s.include_kinks,
            "chunks": s.chunks,
            "tolerance": w.policy(s.dtype, run),
        },
        "reference": {
            "digits": ref.digits,
            "points": ref.points,
            "library": ref.library,
            "skipped": None if ref.skipped is None else str(ref.skipped),
            "seconds": float(ref.seconds),
            "max_ulp": {name: _number(u) for name, u in max_ulp(run).items()},
        },
        "forward": _forward(run.forward, w),
        "implementation": None
        if impl is None
        else {
            "name": impl.name,
            "agree": impl.agree,
            "forward": _forward(impl.forward, w),
            "gradients": {var: _agreement(a, w) for var, a in impl.gradients.items()},
            "failures": dict(impl.failures),
        },
        "kinks": None
        if k is None
        else {
            "points": k.points,
            "conventions": dict(k.conventions),
            "max_abs_err": _number(k.max_abs_err),
            "agree": k.agree,
        },
        "skipped_witnesses": {name: str(why) for name, why in run.skipped_witnesses.items()},
        "claims": [_claim(r, w) for r in run.claims],
        "first_wrong": _first_wrong(run, w),
        "forward_equations": [
            {
                "line": f.equation.line,
                "written": f.equation.written,
                "status": str(f.status),
                "method": f.method,
                "generic": f.generic,
                "per_example": f.per_example,
                "without_bias": f.without_bias,
                "problem": f.problem,
            }
            for f in run.forward_equations
        ],
        "definitions": [{"line": d.line, "written": d.written, "wrt": d.wrt_name} for d in run.definitions],
        "not_claims": [{"line": line, "written": text} for line, text in run.not_claims],
        "code": None
        if run.code is None
        else {
            "layout": str(run.code.layout),
            "basis": str(run.code.basis),
            "numbering": run.code.numbering.key,  # "out/1" ours, "in/0" the courses' (X is layer 0)
            "text": w.file_reading(run.code),
        },
        "passed": run.passed,
        "exit_code": run.exit_code,
        "result": w.result(run, data=True),
    }


def render_json(run: Run) -> str:
    return json.dumps(to_dict(run), indent=2, ensure_ascii=False)
