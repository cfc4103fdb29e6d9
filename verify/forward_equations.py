"""A forward equation of the notes (`z_2 = W_1 a_1 + b_1`, `a_1 = f(z_1)`) against the
network's forward pass: proved with a generic f, then with the network's own, and, for a
mini-batch, also per example (`z_2 = W_1 a_1 + b_1` is how notes write one column of
`Z_2 = W_1 A_1 + b_1 1ᵀ`)."""

from __future__ import annotations

import dataclasses

from derive import Network
from derive.claims import ForwardEquation
from derive.formula import Activate, Add, Formula, ShapeMismatch, Var, rewrite, shape
from derive.identities import Identity
from derive.proof import Status
from verify.results import ForwardResult, ForwardStatus
from verify.verdict import dims, timed_prove


def check_forward_equation(equation: ForwardEquation, network: Network) -> ForwardResult:
    if equation.mismatch:
        return ForwardResult(equation, ForwardStatus.INCONSISTENT, problem=equation.mismatch)
    if equation.problem or equation.identity is None:
        return ForwardResult(equation, ForwardStatus.NOT_READ, problem=equation.problem or "")
    result = _check(equation, equation.identity, network)
    unbiased = _with_bias(equation.identity)
    if result.status == ForwardStatus.INCONSISTENT and unbiased is not None:
        # z_{l+1} = W_l a_l, as notes without biases write it: the network's with b_l = 0
        again = _check(equation, unbiased, network)
        if again.status == ForwardStatus.CONSISTENT:
            return dataclasses.replace(again, without_bias=True)
    return result


def _with_bias(identity: Identity) -> Identity | None:
    """`z_{k+1} = rhs + b_k` for an equation `z_{k+1} = rhs` that names no bias (`a_{k+1} =
    f(rhs + b_k)` for `a_{k+1} = f(rhs)`, as index notation writes `o_k = σ(Σ_j w_{jk} o_j)`),
    else None."""
    lhs, formula = identity.lhs, identity.formula
    if not (isinstance(lhs, Var) and lhs.kind in ("z", "a") and lhs.layer > 1):
        return None
    if any(isinstance(node, Var) and node.kind == "b" for node in _nodes(formula)):
        return None
    bias = Var("b", lhs.layer - 1)
    if lhs.kind == "a":
        if not isinstance(formula, Activate):
            return None
        return dataclasses.replace(identity, formula=Activate(Add(formula.operand, bias)))
    return dataclasses.replace(identity, formula=Add(formula, bias))


def _nodes(formula: Formula) -> list[Formula]:
    found: list[Formula] = []
    rewrite(formula, lambda node: found.append(node) or None)
    return found


def _check(equation: ForwardEquation, identity: Identity, network: Network) -> ForwardResult:
    nets = [network] if network.batch == 1 else [network, dataclasses.replace(network, batch=1)]
    problem = ""
    for net in nets:
        try:
            right, left = shape(identity.formula, dims(net)), shape(identity.lhs, dims(net))
        except ShapeMismatch as e:
            problem = str(e)
            continue
        if left != right:
            problem = f"{right[0]}×{right[1]} against {left[0]}×{left[1]}"
            continue
        for generic in (True, False):
            proof = timed_prove(identity, net, generic=generic)
            if proof.status == Status.PROVED:
                return ForwardResult(
                    equation, ForwardStatus.CONSISTENT, proof.method, generic, net.batch != network.batch
                )
        problem = proof.shape or f"{proof.status}: {proof.method}"
    return ForwardResult(equation, ForwardStatus.INCONSISTENT, problem=problem)
