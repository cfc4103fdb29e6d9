"""The slip catalogue is tested by generating it: every slip of every built-in identity must be
refuted by the generic proof and named by `matching`.

`derive.slips.slips` writes each usual mistake once, as a rewrite of the true formula; here it
runs on three networks (one example; a mini-batch; two layers with softmax-ce) so that the
hand-written variants of tests/variants.py need only cover what the catalogue lacks.
"""

from __future__ import annotations

import pytest

from derive import Identity, Network, network_identities, prove
from derive.evaluate import dims
from derive.formula import Formula, Grad, ShapeMismatch, shape
from derive.model import setting
from derive.slips import matching, slips

NETWORKS = {
    "4→3 sigmoid mse": Network(sizes=(4, 3), activation="sigmoid", loss="mse"),
    "3→3 batch 2 tanh mse": Network(sizes=(3, 3), activation="tanh", loss="mse", batch=2),
    "3→4→2 sigmoid softmax-ce": Network(sizes=(3, 4, 2), activation="sigmoid", loss="softmax-ce"),
}

CASES = [
    pytest.param(network, identity, id=f"{label}: {identity.name}")
    for label, network in NETWORKS.items()
    for identity in network_identities(network)
]


def _fits(identity: Identity, formula: Formula, network: Network) -> bool:
    """The formula's shapes fit together and give the target's shape."""
    sizes = dims(setting(network, generic=True))
    try:
        return shape(formula, sizes) == shape(Grad(identity.target), sizes)
    except ShapeMismatch:
        return False


@pytest.mark.parametrize(("network", "identity"), CASES)
def test_every_slip_is_refuted_and_named(network: Network, identity: Identity):
    catalogue = slips(identity.target, network)
    assert catalogue, f"no slips for {identity.name}"
    # a slip is named by its kind, the layer it confused and, for another loss's output error, that loss
    names = [(s.kind, s.other, s.loss) for s in catalogue]
    assert len(set(names)) == len(names), f"a slip name twice: {names}"
    for slip in catalogue:
        assert slip.formula != identity.formula, slip.kind
        named = [(s.kind, s.other, s.loss) for s in matching(slip.formula, catalogue, network.factor)]
        assert (slip.kind, slip.other, slip.loss) in named, f"{slip.kind}: matching names {named}"
        wrong = Identity(identity.name, identity.target, slip.formula, identity.batched)
        proof = prove(wrong, network, generic=True)
        assert proof.status == "refuted", f"{identity.name}, {slip.kind}: {proof.status} ({proof.method})"
        # a slip that keeps the shape must be refuted by value, not by its shape
        assert (proof.method == "shape") != _fits(identity, slip.formula, network), proof.method


def test_the_catalogue_has_slips_that_fit():
    """Most slips keep the shape (a sign, a factor, a missing f'): the proofs above are not vacuous."""
    fitting = [
        slip
        for network in NETWORKS.values()
        for identity in network_identities(network)
        for slip in slips(identity.target, network)
        if _fits(identity, slip.formula, network)
    ]
    assert len(fitting) >= 60
