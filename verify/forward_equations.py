"""A forward equation of the notes (`z_2 = W_1 a_1 + b_1`, `a_1 = f(z_1)`) against the
network's forward pass: proved with a generic f, then with the network's own, and, for a
mini-batch, also per example (`z_2 = W_1 a_1 + b_1` is how notes write one column of
`Z_2 = W_1 A_1 + b_1 1ᵀ`)."""

from __future__ import annotations

import dataclasses

from derive import Network
from derive.claims import ForwardEquation
from derive.formula import ShapeMismatch, shape
from derive.proof import Status
from verify.results import ForwardResult, ForwardStatus
from verify.verdict import dims, timed_prove


def check_forward_equation(equation: ForwardEquation, network: Network) -> ForwardResult:
    if equation.mismatch:
        return ForwardResult(equation, ForwardStatus.INCONSISTENT, problem=equation.mismatch)
    if equation.problem or equation.identity is None:
        return ForwardResult(equation, ForwardStatus.NOT_READ, problem=equation.problem or "")
    identity = equation.identity
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
