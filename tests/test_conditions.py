"""A claim true only under a condition the model states says so: softmax cross-entropy's
`∂L/∂z_L = softmax(z_L) − y` holds when each example's targets sum to 1 (as the loss assumes,
and the sampler draws one-hot targets), with the point where it fails otherwise."""

from __future__ import annotations

from fractions import Fraction

from test_slip_search import claim

from derive.formula import Add, FPrime, Hadamard, Scale, Softmax, Var
from derive.identities import Identity
from derive.network import Network
from derive.proof import Status, prove
from reports.json_report import to_dict, validate
from reports.wording import Words
from verify.results import Verdict
from verify.run import check

z2, y = Var("z", 2), Var("y", 2)
SOFTMAX_ERROR = Add(Softmax(z2), Scale(Fraction(-1), y))  # softmax(z_2) − y


def test_the_softmax_error_holds_when_the_targets_sum_to_one():
    proof = prove(Identity("dL/dz2", z2, SOFTMAX_ERROR), Network((4, 3), loss="softmax-ce"), generic=False)
    assert proof.status == Status.PROVED and proof.condition is not None
    at = dict(proof.condition.assignment)
    total = sum(Fraction(at[f"y_{k}"]) for k in (1, 2, 3))
    assert total != 1 and proof.condition.claimed != proof.condition.derived


def test_a_claim_without_a_condition_has_none():
    """The squared error's output error holds for every target: no condition to state."""
    error = Hadamard(Add(Var("a", 2), Scale(Fraction(-1), y)), FPrime(z2))
    proof = prove(Identity("dL/dz2", z2, error), Network((4, 3), loss="mse"), generic=False)
    assert proof.status == Status.PROVED and proof.condition is None


def test_the_condition_is_said_in_the_scope_and_the_json():
    run = check(Network((4, 3), loss="softmax-ce"), [claim(z2, SOFTMAX_ERROR)], points=40)
    (result,) = run.claims
    assert result.verdict == Verdict.PROVED
    assert Words().claim_scope(result).endswith("when each example's targets sum to 1")
    assert "목표값의 합이 1일 때" in Words("ko").claim_scope(result)
    data = to_dict(run)
    validate(data)
    conditions = [p["condition"] for p in data["claims"][0]["proofs"].values() if p and p["condition"]]
    assert conditions and "sum to 1" in conditions[0]["text"]
