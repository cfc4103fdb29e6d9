"""derive: the symbolic witness (SymPy only). Network spec, registries, identities, proofs."""

from derive.activations import ACTIVATIONS, Activation
from derive.errors import InputError
from derive.evaluate import evaluate
from derive.formula import Formula, ShapeMismatch, Var
from derive.forward import derived_gradient, symbolic_forward
from derive.identities import Identity, network_identities, seed_identities
from derive.losses import GENERIC, LOSSES, Loss
from derive.network import Network, parse_sizes, parse_slope
from derive.proof import Counterexample, Proof, prove
from derive.symbols import network_symbols

__all__ = [
    "ACTIVATIONS",
    "GENERIC",
    "LOSSES",
    "Activation",
    "Counterexample",
    "Formula",
    "Identity",
    "InputError",
    "Loss",
    "Network",
    "Proof",
    "ShapeMismatch",
    "Var",
    "derived_gradient",
    "evaluate",
    "network_identities",
    "network_symbols",
    "parse_sizes",
    "parse_slope",
    "prove",
    "seed_identities",
    "symbolic_forward",
]
