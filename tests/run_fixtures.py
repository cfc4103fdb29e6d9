"""Runs built by hand from verify/results.py's records, for testing the renderers without the
engine: a built-in run (the seed's identities, an implementation under test) and a run of a
user's claims (proved, refuted with a slip and a counterexample, unparsed, a shape error, a
forward equation). The proofs are real (SymPy, cached); the numbers are made up but shaped
as the engine shapes them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from derive import Network, network_identities, prove
from derive.claim_parser import ClaimSyntaxError
from derive.claims import Claim, ForwardEquation
from derive.formula import BroadcastAdd, FPrime, Hadamard, MatMul, Ref, Transpose, Var
from derive.identities import Identity
from derive.slip_search import Move, Step
from derive.slips import Slip, SlipKind
from verify.results import (
    Agreement,
    ClaimResult,
    Counterexample,
    Disagreement,
    ForwardAgreement,
    ForwardResult,
    ForwardStatus,
    Implementation,
    Kinks,
    ReferenceInfo,
    Run,
    Settings,
    Verdict,
    WitnessErrors,
)

POINTS = 64


def _sample(shape: tuple[int, int], offset: float) -> tuple[tuple[float, ...], ...]:
    rows, cols = shape
    return tuple(
        tuple(round(0.1 * (i + 1) - 0.05 * (j + 1) + offset, 6) for j in range(cols)) for i in range(rows)
    )


def agreement(
    shape: tuple[int, int], seed: int, bad: bool = False, blamed: tuple[str, ...] = ("numpy",)
) -> Agreement:
    rng = np.random.default_rng(seed)
    values = _sample(shape, 0.01 * seed)
    witnesses = {
        w: WitnessErrors(
            w,
            vs_oracle=0.0 if w == "jax" else 2.2e-17 * (k + 1),
            sample=values,
            max_abs_vs_ref=1.1e-17 * (k + 1),
            max_rel_vs_ref=3.0e-16,
            max_ulp=0.5 * (k + 1),
            budget_used=0.01,
        )
        for k, w in enumerate(("sympy", "numpy", "jax"))
    }
    pair = {p: np.abs(rng.normal(0, 1e-17, POINTS)) for p in ("sympy–numpy", "sympy–jax", "numpy–jax")}
    pair["sympy–jax"][::7] = 0.0
    disagreement = None
    if bad:
        pair["numpy–jax"] += 0.3
        disagreement = Disagreement(3, (1, 2), {"sympy": 0.25, "numpy": -0.25, "jax": 0.25}, blamed)
    return Agreement(
        points=POINTS,
        compared=POINTS,
        disagreeing=POINTS if bad else 0,
        max_abs_err=0.5 if bad else 4.4e-17,
        worst_ratio=1e6 if bad else 0.012,
        witnesses=witnesses,
        disagreement=disagreement,
        pair_errors=pair,
        allowed=np.full(POINTS, 2 * 8 * 2.0**-52 * 4),
        ulps={w: np.abs(rng.normal(0, 0.4, POINTS * shape[0] * shape[1])) for w in ("sympy", "numpy", "jax")},
    )


def builtin_run(broken: bool = False, network: Network | None = None) -> Run:
    """The seed's identities on `network` (4 → 3 sigmoid, mse), with the hand-written NumPy
    backward as the implementation (wrong in dL/db1 when `broken`)."""
    net = network or Network()
    claims = []
    for k, identity in enumerate(network_identities(net)):
        claim = Claim(
            "built-in",
            0,
            0,
            identity.text,
            "plain",
            wrt=identity.target,
            identity=identity,
            name=identity.name,
        )
        shape = net.shape(identity.target.kind, identity.target.layer)
        claims.append(
            ClaimResult(
                claim,
                Verdict.PROVED,
                generic=prove(identity, net, generic=True),
                concrete=prove(identity, net, generic=False),
                agreement=agreement(shape, k),
            )
        )
    gradients = {
        i.name: agreement(net.shape(i.target.kind, i.target.layer), 10 + k)
        for k, i in enumerate(network_identities(net))
    }
    failures = {}
    if broken:
        gradients["dL/db1"] = agreement(net.shape("b", 1), 20, bad=True, blamed=("numpy",))
        failures["dL/dW1"] = "operands could not be broadcast together with shapes (3,4) (4,3)"
    forward = ForwardAgreement(True, 1.1e-16)
    return Run(
        network=net,
        source=None,
        settings=Settings(POINTS, 0),
        claims=tuple(claims),
        forward=forward,
        reference=ReferenceInfo(50, POINTS, seconds=0.4),
        implementation=Implementation("verify/numpy_backprop.py", forward, gradients, failures),
        kinks=None,
        first_point={"z1": np.array([[0.5], [-0.25], [1.0], [0.125]]), "y": np.array([[0.1], [0.2], [0.3]])},
    )


SOURCE = "notes.md"
NET = Network((3, 3))


def _claim(line: int, written: str, wrt: Var, formula, name: str | None = None) -> Claim:
    identity = Identity(f"dL/d{wrt.kind}{wrt.layer}", wrt, formula)
    return Claim(SOURCE, line, 1, written, "latex", wrt=wrt, identity=identity, name=name)


def claims_run() -> Run:
    """notes.md on a 3 → 3 sigmoid/mse network: a proved claim, a refuted one (W1 for W1ᵀ), an
    unparsed one, a shape error, and the document's forward equations."""
    W1, a1, z1, d2 = Var("W", 1), Var("a", 1), Var("z", 1), Var("delta", 2)
    proved = _claim(5, r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^T", W1, MatMul(d2, Transpose(a1)))
    wrong = _claim(13, r"\delta_1 = W_1 \delta_2 \circ f'(z_1)", z1, Hadamard(MatMul(W1, d2), FPrime(z1)))
    bad_text = r"\frac{\partial L}{\partial W_1} = \delta_2 \circ\circ a_1^T"
    unparsed = Claim(
        SOURCE,
        20,
        1,
        bad_text,
        "latex",
        problem=ClaimSyntaxError(bad_text, bad_text.index(r"\circ a_1"), "unexpected '\\circ'"),
    )
    shape = _claim(
        25, r"\frac{\partial L}{\partial b_1} = \delta_2 a_1^T", Var("b", 1), MatMul(d2, Transpose(a1))
    )
    results = [
        ClaimResult(
            proved,
            Verdict.PROVED,
            generic=prove(proved.identity, NET, True),
            concrete=prove(proved.identity, NET, False),
            agreement=agreement((3, 3), 1),
        ),
        ClaimResult(
            wrong,
            Verdict.REFUTED,
            generic=prove(wrong.identity, NET, True),
            concrete=prove(wrong.identity, NET, False),
            agreement=agreement((3, 1), 2, bad=True, blamed=("sympy", "numpy")),
            slip=Slip(SlipKind.W_FOR_WT, Hadamard(MatMul(W1, d2), FPrime(z1)), 1),
            counterexample=Counterexample(
                point=0,
                inputs={
                    "z1": [[0.5], [-0.25], [1.0]],
                    "W1": [[0.1] * 3] * 3,
                    "b1": [[0.0]] * 3,
                    "y": [[1.0]] * 3,
                },
                entries=((1, 1), (3, 1)),
                claimed_sympy=("0.0123456789", None),
                true_sympy=("0.0234567891", "-0.5"),
                claimed_jax=(0.0123456789, 0.75),
                true_jax=(0.0234567891, -0.5),
            ),
        ),
        ClaimResult(unparsed, Verdict.UNPARSED),
        ClaimResult(
            shape,
            Verdict.SHAPE_ERROR,
            generic=prove(shape.identity, NET, True),
            shape_problem="δ2 a1ᵀ is 3×3 but b1 is 3×1",
        ),
    ]
    forward_eq = ForwardEquation(SOURCE, 3, "z_2 = W_1 a_1 + b_1", Identity("z2", Var("z", 2), Var("z", 2)))
    wrong_eq = ForwardEquation(SOURCE, 4, "a_1 = z_1", Identity("a1", a1, z1))
    unread = ForwardEquation(
        SOURCE, 8, r"a_1 = [a_{11} \dots]^T", problem="not of the form z_l = … or a_l = …"
    )
    definition = Claim(SOURCE, 10, 1, r"\delta_l := \partial L/\partial z_l", "latex", wrt=z1)
    return Run(
        network=NET,
        source=SOURCE,
        settings=Settings(POINTS, 7, "float64"),
        claims=tuple(results),
        forward=ForwardAgreement(
            False, 0.3, quantity="a1", blamed=("numpy",), others=("sympy", "jax"), largest=1.0
        ),
        reference=ReferenceInfo(50, 16, library="mpmath"),
        kinks=Kinks(8, {"sympy": "f'(0) = 1/2", "numpy": "f'(0) = 0", "jax": "f'(0) = 0"}, 0.5, False),
        forward_equations=(
            ForwardResult(forward_eq, ForwardStatus.CONSISTENT, method="identical", generic=True),
            ForwardResult(wrong_eq, ForwardStatus.INCONSISTENT, problem="a_1 = f(z_1) in this network"),
            ForwardResult(unread, ForwardStatus.NOT_READ, problem="not of the form z_l = … or a_l = …"),
        ),
        definitions=(definition,),
        not_claims=((30, r"\partial x / \partial y"),),
        first_point={"z1": np.array([[0.5], [-0.25], [1.0]])},
    )


def slip_of_every_kind(batch: int = 4) -> list[Slip]:
    """One `Slip` of each kind at layer 1 (the wrong layer's f' from layer 2)."""
    z1, steps = Var("z", 1), (Step(Move.LAYER, Var("W", 2), Var("W", 1)),)  # FOUND: by its steps
    # MISSING_PATH: a model file's x left out of h = x + u (its skip connection)
    path = {"path": ("x", "x", "h"), "equation": BroadcastAdd(Ref("x"), Ref("u"))}
    return [
        Slip(
            kind,
            z1,
            1,
            2 if kind == SlipKind.FPRIME_WRONG_LAYER else None,
            batch,
            steps=steps,
            **(path if kind == SlipKind.MISSING_PATH else {}),  # type: ignore[arg-type]
        )
        for kind in SlipKind
    ]


__all__ = ["Fraction", "builtin_run", "claims_run", "slip_of_every_kind"]
