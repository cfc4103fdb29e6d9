"""The data of a run, worded: one `Words` per language and medium (terminal text or LaTeX).

Renderers never build a sentence themselves: they ask `Words` for one. Every sentence comes from
`reports/i18n.py`; the values put into it (symbols, formulas, numbers, a user's text) are
rendered for the medium first, so the same key serves the terminal (`W1ᵀ`) and the report
(`$W_{1}^{T}$`, the rest of the sentence escaped).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from copy import copy
from dataclasses import replace
from fractions import Fraction

from derive.budget import Budget
from derive.claim_parser import ClaimSyntaxError
from derive.claims import Claim, ClaimNote
from derive.course import Basis, CodeReading, Layout
from derive.formula import (
    Activate,
    Apply,
    Formula,
    FPrime,
    Grad,
    MatMul,
    MaxAxis,
    MaxPool,
    Ref,
    Transpose,
    Var,
    Written,
    rewrite,
    to_latex,
    to_text,
)
from derive.function_claims import function_claim
from derive.identities import Identity, output_error
from derive.model_ir import Role
from derive.network import Network
from derive.proof import Method, Proof, Status
from derive.reading import NG, Reading
from derive.registry import GENERIC, LOSSES
from derive.registry import function as registry_function
from derive.roles import Naming, entry_naming, names_every_tensor, naming
from derive.scalar_model import PROOF_M, ModelNotStated
from derive.slip_search import Move, Step
from derive.slips import Slip, SlipKind
from reports.i18n import LATEX, strings
from reports.tex import code_tex, fill, tex
from verify.results import (
    Agreement,
    ClaimResult,
    Draw,
    ForwardAgreement,
    ForwardStatus,
    Implementation,
    Kinks,
    ModelRun,
    Reason,
    ReferenceInfo,
    Run,
    Verdict,
)
from verify.tolerance import K, eps


def number(x: float | None, digits: int = 2) -> str:
    """`1.1e-16`, `0`, or `—` for None/NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.1e}"


def _applied(formula: Formula) -> list[Apply]:
    """The registry functions `formula` applies elementwise."""
    found: list[Apply] = []
    rewrite(formula, lambda n: found.append(n) if isinstance(n, Apply) else None)
    return found


def _maxima(model) -> tuple[str, ...]:
    """The maxima a model's forward pass takes (`max`, `maxpool2d`), as written, in order."""
    found: dict[str, None] = {}

    def visit(n: Formula) -> None:
        if isinstance(n, MaxAxis):
            found["max"] = None
        elif isinstance(n, MaxPool):
            found["maxpool1d" if n.axis is not None else "maxpool2d"] = None

    for eq in model.equations:
        rewrite(eq.expr, visit)
    return tuple(found)


def entry(e: tuple[int, int]) -> str:
    return f"({e[0]}, {e[1]})"


# the batch's letter as the notes write it: Ng's 1/m, \frac{1}{m}; CS231n's \frac{1}{N}
_BATCH_LETTER = re.compile(r"\\frac\s*\{?\s*1\s*\}?\s*\{?\s*([mN])\b|/\s*([mN])\b")


def _seed_layers(kind: str, layer: int) -> int:
    return layer


def _tensors(formula: Formula) -> list[tuple[str, int]]:
    """(kind, layer) of every tensor `formula` reads."""
    found: list[tuple[str, int]] = []
    rewrite(formula, lambda n: found.append((n.kind, n.layer)) if isinstance(n, Var) else None)
    return found


_SIZE = r"[0-9]+×[0-9]+"
_SHAPE_MESSAGES = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        ("shape_matmul", rf"(?:a )?matrix product of (?P<a>{_SIZE}) and (?P<b>{_SIZE})"),
        ("shape_broadcast", rf"'(?P<op>[^']+)' \(broadcast\) of (?P<a>{_SIZE}) and (?P<b>{_SIZE})"),
        ("shape_elementwise", rf"'(?P<op>[^']+)' of (?P<a>{_SIZE}) and (?P<b>{_SIZE})"),
        ("shape_against", rf"(?P<a>{_SIZE}) against (?P<b>{_SIZE})"),
        ("shape_dimension", r"a dimension of size (?P<a>[0-9]+) against one of size (?P<b>[0-9]+)"),
        ("shape_loss", r"loss of (?P<a>.+)"),
    )
)

_GRADIENT_KEY = re.compile(r"dL/d(?P<kind>[A-Za-z]+)(?P<layer>[0-9]+)")

# the placeholders that hold counts: printed with thousands separators (1,000 entries, a budget of
# 5,376), where a seed, a line, a layer or a point's index stays as it is
COUNTS = frozenset(
    ("bad", "compared", "cost", "count", "entries", "left", "limit", "points", "total", "weights", "shown")
)


class Words:
    """Sentences in `lang` for the terminal (`latex=False`) or the LaTeX report."""

    def __init__(self, lang: str = "en", latex: bool = False) -> None:
        self.t = strings(lang)
        self.lang = lang
        self.latex = latex
        self.written: Written | None = None  # the notes' layer numbers, where a run's reading has its own
        self.input_is_x = False  # the notes' layer 1 is the input x (W^l feeds layer l)
        self.rows = False  # the notes' rows are examples: every matrix is the transpose of ours
        self.entries: Naming | None = None  # a claim in index notation's names (`about`)
        self.batch = "B"  # the letter for the batch size: Ng's notes and courses write m
        self.penalty = ""  # the L2 penalty's term of ∂L/∂W_l (`λ W_l = 1/10 W_l`), where a run has one
        self.drawn: tuple[tuple[str, Draw], ...] = ()  # a model file's given tensors, as drawn
        self.maxima: tuple[str, ...] = ()  # a model file's max and max-pooling, as written

    def reading(self, run: Run) -> Words:
        """These words in the layer numbers of `run`'s notes (slips say `W^(3)` as Nielsen does)."""
        written = None if run.reading.is_seed and not run.symbols else run.reading.written
        last, seed = len(run.network.sizes), run.reading.is_seed
        self.written = None if written is None else naming(written, run.symbols, last, superscripts=not seed)
        self.input_is_x = run.reading.weights == "in"
        self.rows = run.code is not None and run.code.layout == Layout.ROWS
        ng = run.reading == NG or (run.code is not None and run.code.numbering == NG)
        written = [m for r in run.claims if (m := _BATCH_LETTER.search(r.claim.written))]
        if written:
            self.batch = next(x for x in written[0].groups() if x)
        elif ng:
            self.batch = "m"
        self.penalty = self.penalty_gradient(run.network) if run.network.l2 else ""
        if ng and run.network.batch > 1 and isinstance(self.written, Naming):
            # Ng's own names: X for the input, dZ for the per-example errors, m for the batch
            ng_letters = (("X", "a", 1), ("dZ", "delta", None))
            self.written = replace(
                self.written, letters=ng_letters + self.written.letters, batch=(self.batch, run.network.batch)
            )
        elif self.batch != "B" and isinstance(self.written, Naming):
            self.written = replace(self.written, batch=(self.batch, run.network.batch))
        self.drawn = run.model.drawn if run.model is not None else ()
        self.maxima = _maxima(run.model.model) if run.model is not None else ()
        return self

    def penalty_text(self, net: Network) -> str:
        """The L2 penalty as the loss writes it: `(λ/2) Σ_l ‖W_l‖², λ = 1/10` (Ng's `λ/(2m)`)."""
        if not net.l2:
            return ""
        over = f"λ/(2{self.batch})" if net.l2_batch and net.batch > 1 else "(λ/2)"
        return f"{over} Σ_l ‖W_l‖², λ = {net.written_l2}"

    def penalty_gradient(self, net: Network) -> str:
        """The penalty's term of `∂L/∂W_l`: `(λ/m) W_l = 1/30 W_l` (Ng's) or `λ W_l = 1/10 W_l`."""
        b = self.batch
        if net.l2_batch and net.batch > 1:
            return f"(λ/{b}) W_l = {net.l2} W_l, λ = {net.written_l2}, {b} = {net.batch}"
        return f"λ W_l = {net.l2} W_l"

    def about(self, claim: Claim) -> Words:
        """These words for one claim: one written in index notation names its vectors as it
        writes their entries (`2(t_k − o_k)` where `−2(t_k − o_k)` belongs), where a formula has
        no other tensor."""
        if not claim.letters:
            return self
        other = copy(self)
        base = self.written if isinstance(self.written, Naming) else None
        other.entries = entry_naming(base, self.written or _seed_layers, claim.letters, self.latex)
        return other

    # --- the medium ---
    def esc(self, text: object) -> str:
        """Plain text (ours or a user's) for the medium."""
        return tex(text, self.lang == "ko") if self.latex else str(text)

    def quote(self, text: object) -> str:
        """A user's own words (a claim's name in their file): set apart, never translated."""
        return r"\usertext{" + self.esc(text) + "}" if self.latex else str(text)

    def code(self, text: object) -> str:
        """A user's or a library's text shown as it is (typewriter in LaTeX)."""
        return r"\texttt{" + code_tex(text, self.lang == "ko") + "}" if self.latex else str(text)

    def say(self, key: str, **values: object) -> str:
        """The sentence `key` with `values` (already rendered for the medium) put in."""
        template = self.t[key]
        values = {"b": self.batch, **values}  # the batch's letter: ours B, Ng's m
        values = {k: f"{v:,}" if k in COUNTS and type(v) is int else v for k, v in values.items()}
        if key in LATEX or not self.latex:
            return template.format(**values)
        return fill(template, self.esc, values)

    def math(self, formula: Formula, batched: bool = False, notes: bool = False) -> str:
        """`formula` for the medium; `notes`: in the notes' own layer numbers (`written`), or in
        the claim's entries where it names every tensor of `formula` (`about`)."""
        written = self.written if notes else None
        if notes and self.entries is not None and names_every_tensor(self.entries, _tensors(formula)):
            written = self.entries
        if self.latex:
            return f"${to_latex(formula, batched, written)}$"
        return to_text(formula, batched, written)

    def join(self, items: Iterable[str]) -> str:
        return ", ".join(items)

    # --- vocabularies ---
    def verdict(self, v: Verdict) -> str:
        return self.say(f"verdict_{v.name.lower()}")

    def reason(self, r: Reason) -> str:
        return self.say(f"reason_{r.name.lower()}")

    def status(self, s: Status) -> str:
        return self.say(f"status_{s.name.lower()}")

    def method(self, m: Method) -> str:
        return self.say(f"method_{m.name.lower()}")

    def budget(self, b: Budget) -> str:
        values = {"weights": b.weights, "batch": b.batch, "depth": b.depth, "cost": b.cost, "limit": b.limit}
        return self.say("budget_generic" if b.generic else "budget_concrete", **values)

    def scope(self, proof: Proof) -> str:
        """What a proof covers: `generic f, generic ℓ(z_2)` or `sigmoid, mse`."""
        key = proof.setting
        if key is None:
            return ""
        last = key.layers[-1]
        f = "$f$" if self.latex else "f"
        if key.activation == GENERIC and key.loss == GENERIC:
            ell = f"$\\ell(z_{{{last}}})$" if self.latex else f"ℓ(z_{last})"
            return self.say("scope_generic", f=f, ell=ell)
        if key.activation == GENERIC:  # a claim that reads the loss: generic f, the network's loss
            return self.say("scope_generic_f", f=f, loss=self.esc(key.loss))
        activation = key.activation_text
        if self.input_is_x and key.activations is not None and key.first_layer == 1:
            # W^l feeds layer l (Ng, Nielsen): layer 1 is the input x, with no activation of its own
            activation = ", ".join(key.activations[1:])
        return self.say(
            "scope_pair", activation=self.esc(self.activations(activation)), loss=self.esc(key.loss)
        )

    def why(self, proof: Proof) -> str:
        """What settled a proof, or why there is none."""
        method = self.method(proof.method)
        if proof.status == Status.PROVED:
            return self.say("proof_proved", entries=proof.entries, method=method)
        if proof.status == Status.SKIPPED:
            b = proof.budget
            return self.say("proof_skipped", budget=self.budget(b) if b else method)
        if proof.method == Method.TIME:
            return self.say("proof_time", seconds=number(proof.seconds))
        if proof.shape is not None:
            return self.say("proof_shape", shape=self.shape_text(proof.shape))
        if proof.counterexample is not None:
            return self.say("proof_refuted_at", entry=entry(proof.counterexample.entry), method=method)
        if proof.status == Status.UNDECIDED and proof.left:
            return self.say("proof_undecided", left=proof.left, entries=proof.entries, method=method)
        return method

    def proof(self, proof: Proof) -> str:
        return self.say(
            "proof_line", scope=self.scope(proof), status=self.status(proof.status), why=self.why(proof)
        )

    def verdict_note(self, result: ClaimResult, run: Run | None = None) -> str:
        """The verdict table's last column (terminal and report): the scope of a proof, or the
        diagnosis."""
        if result.verdict == Verdict.PROVED:
            return self.claim_scope(result)
        if result.numberings:
            return self.numberings(result)
        if result.verdict == Verdict.UNPARSED and result.claim.problem is not None:
            return self.problem(result.claim.problem)
        if result.claim.about == "matrix" and result.slip is None:
            return self.matrix_note(result)
        if result.readings is not None:
            return self.readings(result)
        if result.slip is not None:
            return self.about(result.claim).slip(result.slip, alternatives=False)  # the others in its details
        if result.reason:
            return self.reason(result.reason)
        if result.shape_problem:
            return self.shape_problem(result, run)
        return ""

    def claim_scope(self, result: ClaimResult) -> str:
        """What a proved claim covers: every f and ℓ, or the network's own pair only; a function's
        derivative every real value of its variable, scalar notes every input with ε > 0."""
        claim = result.claim
        if claim.about == "function":
            if result.verdict != Verdict.PROVED:
                return ""
            stated = function_claim(claim.written)
            return self.say("scope_function", variable=self.esc(stated.variable if stated else "z"))
        if claim.about == "scalar":
            return self.say("scope_scalar", m=PROOF_M) if result.verdict == Verdict.PROVED else ""
        if claim.about == "model":  # for every real value of the given tensors (and conditions)
            return self.model_scope() if result.verdict == Verdict.PROVED else ""
        if claim.about == "matrix":  # the shapes checked: A 3×2, X 2×4, B 4×3
            proved = claim.shapes and result.verdict == Verdict.PROVED
            if not proved:
                return ""
            scope = self.say("scope_matrix", shapes=self.esc(self.shapes(claim)))
            for letter in claim.symmetric:  # the Cookbook's "if B is symmetric"
                scope = self.say("scope_symmetric", scope=scope, letter=self.esc(letter))
            for letter in claim.invertible:  # under det, ln|det| or an inverse
                scope = self.say("scope_invertible", scope=scope, letter=self.esc(letter))
            return scope
        scope = self._network_scope(result)
        proofs = (result.generic, result.concrete)
        if scope and any(p is not None and p.condition is not None for p in proofs):
            return self.say("scope_condition", scope=scope)  # softmax-ce's targets: Σ_k y_k = 1
        return scope

    def matrix_note(self, result: ClaimResult) -> str:
        """A matrix identity that is not proved: its layout where that is all that differs, else
        the shapes it was checked with (and where its shapes break)."""
        claim = result.claim
        if ClaimNote.OTHER_LAYOUT in claim.notes:  # the whole sentence in the claim's details
            return self.say("matrix_other_layout")
        if ClaimNote.SYMMETRIC in claim.notes:  # right for a symmetric letter only (or letters)
            key = "matrix_symmetric_all" if len(claim.symmetric) > 1 else "matrix_symmetric"
            return self.say(key, letter=self.join(self.esc(x) for x in claim.symmetric))
        shown = self.say("matrix_shapes", shapes=self.esc(self.shapes(claim))) if claim.shapes else ""
        if result.shape_problem:
            problem = self.shape_text(result.shape_problem)
            return f"{shown}: {problem}" if shown else problem
        if result.reason:
            return f"{shown}; {self.reason(result.reason)}" if shown else self.reason(result.reason)
        return shown

    def model_scope(self) -> str:
        """What a proof about a model file covers: every real point, one-hot targets' columns
        summing to 1 and positive tensors positive (as SymPy's symbols were)."""
        conditions = [f"Σ_i {n}_ij = 1" for n, d in self.drawn if d == Draw.ONE_HOT]
        conditions += [f"{n} > 0" for n, d in self.drawn if d == Draw.POSITIVE]
        if self.maxima:  # the argmax is constant off ties: the proof holds where there are none
            conditions.append(self.say("scope_no_ties"))
        condition = f" ({', '.join(conditions)})" if conditions else ""
        return self.say("scope_model", condition=self.esc(condition))

    def model_lines(self, model: ModelRun) -> list[str]:
        """A model file's model: the given tensors by role with their shapes, the forward
        equations, and how each given tensor was drawn."""
        m = model.model
        given = "; ".join(
            self.say(
                f"model_role_{role.value}",
                tensors=", ".join(f"{t.name} {t.shape[0]}×{t.shape[1]}" for t in ts),
            )
            for role in (Role.INPUT, Role.TARGET, Role.PARAMETER)
            if (ts := [t for t in m.tensors if t.role == role])
        )
        equations = "; ".join(f"{self.esc(e.target)} = {self.math(e.expr)}" for e in m.equations)
        drawn = "; ".join(
            self.say(f"draw_{d.name.lower()}", names=", ".join(n for n, x in model.drawn if x == d))
            for d in Draw
            if any(x == d for _, x in model.drawn)
        )
        lines = [
            self.say("model_line", given=self.esc(given), equations=equations),
            self.say("model_drawn", drawn=self.esc(drawn)),
        ]
        if model.notes_lines:  # read from notes: the shapes were chosen, not written
            numbers = list(dict.fromkeys(model.notes_lines))
            where = self.say(
                "notes_lines" if len(numbers) > 1 else "notes_line", lines=", ".join(map(str, numbers))
            )
            lines.insert(0, self.say("model_from_notes", where=where))
        if model.model_file is not None:
            lines.insert(0, self.say("model_from_file", file=self.esc(model.model_file)))
        if model.examples is not None:
            lines.insert(1, self.say("model_examples", m=model.examples))
        kinked = sorted(
            {
                e.function.name
                for eq in m.equations
                for e in _applied(eq.expr)
                if registry_function(e.function.name).kinks
            }
        )
        if kinked:
            lines.append(self.say("model_kinks", functions=", ".join(kinked)))
        if maxima := _maxima(m):
            lines.append(self.say("model_ties", functions=", ".join(maxima)))
        return lines

    @staticmethod
    def shapes(claim: Claim) -> str:
        """A matrix identity's letters as checked: `A 3×2, X 2×4, B 4×3`."""
        return ", ".join(f"{name} {r}×{c}" for name, (r, c) in claim.shapes)

    def condition(self, proof: Proof) -> str:
        """Where a proved claim's condition fails: the entry that differs, and the point."""
        cx = proof.condition
        assert cx is not None
        at = ", ".join(f"{name} = {v}" for name, v in cx.assignment)
        return self.say("condition_fails", entry=cx.entry, claimed=cx.claimed, derived=cx.derived, at=at)

    def _network_scope(self, result: ClaimResult) -> str:
        if result.proved_for_every_f:
            key = result.generic.setting if result.generic is not None else None
            f, ell = ("$f$", r"$\ell$") if self.latex else ("f", "ℓ")
            if key is not None and key.loss != GENERIC:  # every f with the network's own loss
                return self.say("scope_every_f", f=f, loss=self.esc(key.loss))
            return self.say("scope_every", f=f, ell=ell)
        if result.concrete is not None and result.concrete.setting is not None:
            return self.say("scope_only", pair=self.scope(result.concrete))
        return ""

    def slip(self, s: Slip, alternatives: bool = True) -> str:
        """The slip in the notes' notation: `W1 where W1ᵀ belongs`; with the other slips that fit
        as well (`alternatives`)."""
        first = self._slip(s)
        if not s.alternatives or not alternatives:
            return first
        return self.say("slip_or", first=first, others="; ".join(self._slip(a) for a in s.alternatives))

    def step(self, step: Step, batched: bool) -> str:
        """One slip at its place: `transpose missing: W2 where W2ᵀ belongs` (in rows, as the notes
        write it: each of our matrices is the transpose of theirs)."""
        move, where, fix = step.move, self._view(step.where), self._view(step.fix)
        if isinstance(where, Transpose) and isinstance(fix, Transpose):  # the same ᵀ on both: drop it
            where, fix = where.operand, fix.operand
        if move in (Move.EXTRA_TRANSPOSE, Move.MISSING_TRANSPOSE):  # which side shows the ᵀ now
            move = Move.EXTRA_TRANSPOSE if isinstance(where, Transpose) else Move.MISSING_TRANSPOSE
        math = (self.math(x, batched, True) for x in (where, fix))
        named = dict(zip(("where", "fix"), math, strict=True))
        return self.say(f"step_{move.name.lower()}", **named, penalty=self.esc(self.penalty))

    def _view(self, formula: Formula) -> Formula:
        """`formula` as the notes write it: in rows, each of our matrices X is their Xᵀ."""
        if not self.rows:
            return formula
        flipped = rewrite(formula, lambda n: Transpose(n) if isinstance(n, Var | Grad) else None)
        return rewrite(
            flipped,
            lambda n: (
                n.operand.operand if isinstance(n, Transpose) and isinstance(n.operand, Transpose) else None
            ),
        )

    def identity(self, identity: Identity, rhs: Formula | None = None, lhs: Formula | None = None) -> str:
        """`lhs = rhs` as the notes write it: their layer numbers, letters and orientation (bare
        math in LaTeX)."""
        render = to_latex if self.latex else to_text
        sides = [self._view(side) for side in (lhs or identity.lhs, rhs or identity.formula)]
        written = self.written
        if self.entries is not None and all(names_every_tensor(self.entries, _tensors(x)) for x in sides):
            written = self.entries  # every tensor named as the claim writes its entries
        return " = ".join(render(side, identity.batched, written) for side in sides)

    def corrected(self, r: ClaimResult, s: Slip) -> str:
        """The claim as it should read without the slip, in the notes' numbering: `lhs = fix`
        (bare math in LaTeX, for the report to set)."""
        if r.claim.about in ("model", "matrix") and s.fix is not None:  # a model's: its tensors by name
            f = "f" if r.claim.about == "matrix" else "L"  # a matrix identity's objective is f
            lhs = f"d{f}/d{r.claim.wrt_written}"
            if self.latex:
                wrt = self.esc(r.claim.wrt_written)
                return rf"\frac{{\partial {f}}}{{\partial {wrt}}} = {to_latex(s.fix)}"
            return f"{lhs} = {to_text(s.fix)}"
        identity = r.claim.identity
        assert identity is not None and s.fix is not None
        return self.identity(identity, s.fix, s.lhs)

    def _slip(self, s: Slip) -> str:
        if s.kind == SlipKind.FOUND:
            batched = s.batch > 1
            steps = [self.step(step, batched) for step in s.steps]
            if len(steps) == 1:
                return steps[0]
            first, second = s.steps
            if first.move == second.move:  # the same slip at two places: its name once
                where, fix = self.math(second.where, batched, True), self.math(second.fix, batched, True)
                return self.say(
                    "slip_again", first=steps[0], second=self.say("step_place", where=where, fix=fix)
                )
            return self.say("slip_then", first=steps[0], second=steps[1])
        if s.kind == SlipKind.MISSING_PATH:  # a model file's: one use of a tensor left out
            wrt, tensor, target = s.path
            assert s.equation is not None
            render = to_latex if self.latex else to_text
            equation = f"{render(Ref(target))} = {render(s.equation)}"  # as the model file's forward line
            return self.say(
                "slip_missing_path",
                wrt=self.esc(wrt),
                tensor=self.math(Ref(tensor)),
                equation=f"${equation}$" if self.latex else equation,
            )
        l, o, batched = s.layer, s.other, s.batch > 1  # noqa: E741

        def math(formula: Formula) -> str:  # in the notes' own layer numbers
            return self.math(formula, batched, notes=True)

        W, z, a, delta = Var("W", l), Var("z", l), Var("a", l), Var("delta", l + 1)
        values = {
            "W": math(W),
            "WT": math(Transpose(W)),
            "fp": math(FPrime(z)),
            "fpo": math(FPrime(Var("z", o))) if o is not None else "",
            "f": math(Activate(z)),
            "outer": math(MatMul(delta, Transpose(a))),
            "swapped": math(MatMul(a, Transpose(delta))),
            "inner": math(MatMul(Transpose(a), delta)),
            "B": s.batch,
            "axis": 0 if s.rows else 1,  # the examples' axis: rows or (ours) columns
            # another layer's activation: its name, the own one's, and where
            "used": self.esc(s.used),
            "own": self.esc(s.own),
            "z": math(z),
            "o": o if o is None or self.written is None else self.written("z", o),
            "loss": self.esc(s.loss),
            "error": math(error) if s.loss in LOSSES and (error := output_error(s.loss, l)) else "",
        }
        if s.kind == SlipKind.OTHER_GRADIENT:  # the right side is the other quantity's gradient
            target = s.formula.target if isinstance(s.formula, Grad) else None
            other = target if isinstance(target, Var) else Var("z", l)
            values |= {
                "other": math(s.formula),
                "claimed": math(Grad(Var("a" if other.kind == "z" else "z", other.layer))),
                "why": self.say("why_z_for_a" if other.kind == "z" else "why_a_for_z"),
            }
        return self.say(f"slip_{s.kind.name.lower()}", **values)

    def problem(self, problem: ClaimSyntaxError) -> str:
        """Why a claim was not read: the model the notes leave unstated (`ModelNotStated`),
        worded here; any other reader's message as it is."""
        if isinstance(problem, ModelNotStated):
            return self.say(
                "model_not_stated",
                missing=", ".join(self.code(m) for m in problem.missing),
                add=", ".join(self.code(a) for a in problem.add),
            )
        return self.code(problem.message) if self.latex else problem.message

    def claim_note(self, note: ClaimNote, claim: Claim) -> str:
        """How a claim was read (`ClaimNote`), with the formula as read."""
        identity = claim.identity
        formula = self.math(identity.formula, identity.batched) if identity is not None else ""
        letters = self.join(self.esc(x) for x in claim.symmetric)
        many = "_all" if note == ClaimNote.SYMMETRIC and len(claim.symmetric) > 1 else ""
        return self.say(f"note_{note.name.lower()}{many}", formula=formula, letter=letters)

    # --- evidence ---
    def values(self, values: dict[str, float]) -> str:
        return self.esc(", ".join(f"{k} {v:.17g}" for k, v in values.items()))

    def blamed(self, names: Iterable[str]) -> str:
        return self.esc(", ".join(names) or "?")

    def agreement(self, a: Agreement) -> str:
        if a.compared == 0:
            return self.say("agreement_none")
        if a.agree:
            return self.say("agreement_agree", compared=f"{a.compared:,}", ratio=number(a.worst_ratio))
        d = a.disagreement
        if d is None:
            return self.say("agreement_differ_short", bad=f"{a.disagreeing:,}", compared=f"{a.compared:,}")
        return self.say(
            "agreement_differ",
            bad=f"{a.disagreeing:,}",
            compared=f"{a.compared:,}",
            point=d.point,
            entry=entry(d.entry),
            values=self.values(d.values),
            blamed=self.blamed(d.blamed),
        )

    def forward(self, f: ForwardAgreement) -> str:
        err = number(f.max_abs_err)
        if f.agree:
            return self.say("forward_agree", err=err)
        if f.quantity and f.blamed:
            return self.say(
                "forward_blamed",
                quantity=self.esc(f.quantity),
                blamed=self.blamed(f.blamed),
                others=self.blamed(f.others),
                err=err,
            )
        return self.say("forward_disagree", err=err)

    def gradient_name(self, name: str) -> str:
        """A gradient's key (`dL/dW1`, verify/numpy_backprop.py's) for the medium: typeset as
        `∂L/∂W_1` in a report, as it is in the terminal."""
        m = _GRADIENT_KEY.fullmatch(name)
        if not self.latex or m is None:
            return self.esc(name)
        return rf"$\partial L/\partial {m['kind']}_{{{m['layer']}}}$"

    def implementation(self, impl: Implementation, points: int) -> list[str]:
        """The implementation's verdict, then one line per variable."""
        name = self.code(impl.name)
        worst = max((a.max_abs_err for a in impl.gradients.values()), default=0.0)
        head = (
            self.say("impl_agree", name=name, err=number(worst))
            if impl.agree
            else self.say("impl_fail", name=name)
        )
        lines = [head]
        if not impl.forward.agree:
            lines.append(self.forward(impl.forward))
        for var, a in impl.gradients.items():
            d = a.disagreement
            if a.agree or d is None:
                lines.append(
                    self.say(
                        "impl_var_agree",
                        var=self.gradient_name(var),
                        points=f"{a.compared:,}",
                        err=number(a.max_abs_err),
                    )
                )
            else:
                lines.append(
                    self.say(
                        "impl_var_differs",
                        var=self.gradient_name(var),
                        bad=f"{a.disagreeing:,}",
                        points=f"{a.compared:,}",
                        point=d.point,
                        entry=entry(d.entry),
                        values=self.values(d.values),
                        blamed=self.blamed(d.blamed),
                    )
                )
        for var, why in impl.failures.items():
            lines.append(self.say("impl_var_failed", var=self.gradient_name(var), why=self.code(why)))
        return lines

    def kinks(self, k: Kinks, activation: str) -> str:
        conventions = self.esc(", ".join(f"{w} {c}" for w, c in k.conventions.items()))
        head = self.say(
            "kinks_text", points=f"{k.points:,}", activation=self.esc(activation), conventions=conventions
        )
        tail = self.say("kinks_agree") if k.agree else self.say("kinks_convention", err=number(k.max_abs_err))
        return f"{head}; {tail}"

    def subset(self, ref: ReferenceInfo, points: int) -> str:
        if ref.points == points:
            return self.say("subset_all", points=f"{ref.points:,}")
        return self.say("subset_first", points=f"{ref.points:,}", total=f"{points:,}")

    def policy(self, dtype: str, run: Run | None = None) -> str:
        """The error budget, its n said for what `run` checks (a network, matrix identities,
        scalar notes)."""
        exponent = round(math.log2(eps(dtype)))
        if self.latex:
            network = run is None or not (run.matrix or run.scalar or self.drawn or run.model is not None)
            key = "tolerance_latex" if network else "tolerance_latex_entries"
            return self.say(key, K=K, eps=f"2^{{{exponent}}}")
        kind = "network" if run is None else "matrix" if run.matrix else "scalar" if run.scalar else "network"
        kind = "model" if self.drawn else kind  # a model file's n
        n = self.say(f"terms_{kind}")
        return self.say("tolerance_policy", K=K, eps=f"2^{exponent}", dtype=dtype, n=n)

    def skipped_why(self, run: Run, why: object) -> str:
        """Why a witness did not run: worded from the run's or the proofs' `Budget` where there is
        one, else from its `Reason`."""
        if run.budget is not None:
            return self.budget(run.budget)
        if isinstance(why, Reason):
            return self.say(f"reason_{why.name.lower()}")
        for r in run.claims:
            for proof in (r.concrete, r.generic):
                if proof is not None and proof.budget is not None and not proof.budget.generic:
                    return self.budget(proof.budget)
        return self.code(why)

    # --- readings ---
    def file_reading(self, reading: CodeReading | None) -> list[str]:
        """How a claims file was read, where it is not our layout and numbering."""
        if reading is None:
            return []
        lines = []
        if reading.layout == Layout.ROWS:
            basis = {Basis.SHAPES: "shapes", Basis.FORWARD: "forward"}.get(reading.basis, "stated")
            lines.append(self.say(f"file_rows_{basis}"))
        if reading.numbering == NG:
            lines.append(self.say("file_input_zero"))
        return lines

    def readings(self, result: ClaimResult) -> str:
        """Under which reading a `depends on convention` claim holds, and under which it fails."""
        r = result.readings
        if r is None:
            return ""
        claim = result.claim
        name = claim.wrt_written or claim.wrt_name or ""
        holds = self.say(f"reading_{r.holds.name.lower()}", name=name)
        fails = self.say(f"reading_{r.fails.name.lower()}", name=name)
        slip = self.slip(r.slip) if r.slip is not None else self.say("slip_missing_mean", B="B")
        return self.say("readings_line", holds=holds, fails=fails, slip=slip)

    def result(self, run: Run, data: bool = False) -> str:
        """The run's one-line verdict; `data`: for JSON, where nothing is "above"."""
        if not run.passed:
            return self.say("result_failed_data" if data else "result_failed")
        budget = run.skipped_witnesses or any(r.verdict != Verdict.PROVED for r in run.claims)
        return self.say("result_passed_budget" if budget else "result_passed")

    def forward_status(self, s: ForwardStatus) -> str:
        return self.say(f"fwd_{s.name.lower()}")

    def notation(self, run: Run) -> list[str]:
        """How the document numbers its layers (when it is not as the seed does), the readings it
        leaves open, where its sizes come from and where they differ from the given ones."""
        lines = []
        if run.reading.single:
            lines.append(self.say("reading_single"))
        elif run.basis and run.basis != "default":
            basis = self.say("basis_" + run.basis.replace(" ", "_"))
            lines.append(self.say("reading_line", reading=self.numbering(run.reading), basis=basis))
        elif run.reading.index is not None:  # the layers as the seed numbers them: say how w_jk reads
            lines.append(self.say("index_line", reading=self.say(f"reading_index_{run.reading.index}")))
        if run.symbols:
            lines.append(self.say("symbols_line", letters="; ".join(self.symbol(*s) for s in run.symbols)))
        if run.loss_line is not None:
            lines.append(self.say(f"loss_notes_{run.network.loss}", line=run.loss_line))
        if run.penalty_line is not None:
            lines.append(self.say("penalty_notes", line=run.penalty_line))
        if run.l2_chosen:
            lines.append(self.say("penalty_chosen", lam=run.network.written_l2))
        others = sorted({r for c in run.claims for r, _ in c.numberings if r != run.reading}, key=str)
        if others:
            lines.append(self.say("reading_open", others="; ".join(self.numbering(r) for r in others)))
        if run.batch_from_notes:
            lines.append(self.say("batch_from_notes", B=run.network.batch))
        if run.sizes != "given":
            lines.append(self.say(f"sizes_{run.sizes}"))
        for c in run.conflicts:
            d, numbers = c.declaration, {"declared": c.declared, "layer": c.layer, "given": c.given}
            lines.append(self.say("size_conflict", line=d.line, written=self.code(d.written), **numbers))
        net = run.network
        if net.mixed and run.basis:  # the notes' forward equations named the activations
            # the input x has no activation where W^l feeds layer l (Ng's a^{[0]}, Nielsen's a^1)
            layers = range(1 if run.reading.is_seed else 2, len(net.sizes) + 1)
            written = {k: run.reading.written("a", k) for k in layers}  # as the notes number them
            named = ", ".join(
                f"{net.activation_of(k)} ({written[k]})" for k in layers if k not in run.unnamed_activations
            )
            if named:  # none named: only the lines below, each layer's
                lines.append(self.say("activations_named", named=self.esc(named)))
            for k in run.unnamed_activations:
                activation = self.esc(net.activation_of(k))
                lines.append(self.say("activation_unnamed", layer=written[k], activation=activation))
        return lines

    def symbol(self, letter: str, kind: str, below_last: int | None) -> str:
        """`a the pre-activation z`: what a letter of the notes was read as (derive/roles.py)."""
        role = self.say(f"symbol_{kind}", letter=self.esc(letter))
        if below_last is None:
            return role
        return self.say("symbol_layer", role=role, offset=f"−{below_last}" if below_last else "")

    def numbering(self, r: Reading) -> str:
        """`W^(l) feeds layer l, the input is layer 0` (Ng's), in words."""
        text = f"{self.say(f'reading_{r.weights}')}, {self.say('reading_first', first=r.first)}"
        return text if r.index is None else f"{text}, {self.say(f'reading_index_{r.index}')}"

    def shape_problem(self, result: ClaimResult, run: Run | None = None) -> str:
        """Where the shapes break, the subexpression in the notes' own layer numbers."""
        problem, node = result.shape_problem or "", result.shape_node
        if node is None:
            return self.shape_text(problem)
        identity = result.claim.identity
        batched = bool(identity and identity.batched)
        written = run.reading.written if run is not None and not run.reading.is_seed else None
        # the subexpression typeset from its tree (math in a report, text in the terminal)
        node_text = f"${to_latex(node, batched, written)}$" if self.latex else to_text(node, batched, written)
        return self.say("shape_in", problem=self.shape_text(problem), node=node_text)

    def shape_text(self, problem: str) -> str:
        """A reader's shape message (`matrix product of 3×2 and 3×1`, derive/formula.py,
        derive/proof.py, derive/latex_model.py) in this language; one of another form as it is."""
        for key, pattern in _SHAPE_MESSAGES:
            if m := pattern.fullmatch(problem):
                return self.say(key, **{k: self.esc(v) for k, v in m.groupdict().items()})
        return self.esc(problem)

    def activations(self, text: str) -> str:
        """`relu then sigmoid` (derive/network.py's `activation_text`) in this language."""
        return text.replace(" then ", self.say("activation_then", first=" ", then=" ").replace("  ", " "))

    def describe(self, network: Network) -> str:
        """The table's title: `4 → 3, sigmoid, mse` plus the batch, no biases, the L2 penalty."""
        plain = replace(network, batch=1, biases=True, l2=Fraction(0))
        text = self.activations(plain.describe())
        if network.batch > 1:
            reduction = self.say(f"reduction_{network.reduction}")
            text = self.say("describe_batch", text=text, B=network.batch, reduction=reduction)
        if not network.biases:
            text = self.say("describe_no_biases", text=text)
        if network.l2:
            text = self.say("describe_l2", text=text, lam=network.written_l2)
        return text

    def numberings(self, result: ClaimResult) -> str:
        """A claim's verdict in each reading: `proved if W^(l) feeds layer l; shape error if …`
        (the input layer's number and the order of w_jk's indices said only where the verdict
        depends on them)."""
        groups: dict[tuple[Verdict, str, str | None], list[Reading]] = {}
        for r, v in result.numberings:
            groups.setdefault((v, r.weights, r.index), []).append(r)
        seen = [r for r, _ in result.numberings]
        orders_differ = len({r.index for r in seen}) > 1
        weights_differ = len({r.weights for r in seen}) > 1
        parts = []
        for (v, weights, index), readings in groups.items():
            if len({r.first for r in readings}) == 1 < len({r.first for r in seen}):
                reading = self.numbering(readings[0])
            elif orders_differ and index is not None:  # w_jk from j to k, or into j from k
                order = self.say(f"reading_index_{index}")
                reading = f"{self.say(f'reading_{weights}')}, {order}" if weights_differ else order
            else:
                reading = self.say(f"reading_{weights}")
            parts.append(self.say("in_reading", verdict=self.verdict(v), reading=reading))
        return "; ".join(parts)
