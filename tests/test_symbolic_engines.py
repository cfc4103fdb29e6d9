"""The symbolic witness at size: reverse accumulation (`derive/reverse_mode.py`) with symengine
(`derive/symengine_backend.py`) gives the verdicts `sp.diff` of the whole loss gives, on right and
wrong formulas, for every registry activation and loss; without symengine too; and a slip
planted in a network beyond the old budget is refuted."""

from __future__ import annotations

from fractions import Fraction

import pytest
from conftest import ALL_PAIRS, FAST_PAIRS
from variants import FORMULA_VARIANTS, variant_identity

import derive.budget as budget
import derive.symengine_backend as backend
from derive import Network, network_identities, prove
from derive.formula import FPrime, Hadamard, MatMul, Scale, Transpose, Var
from derive.forward import derived_gradient
from derive.identities import Identity
from derive.model import setting
from derive.proof import Status, _prove
from derive.reverse_mode import tape

ENGINES = ["sympy", "reverse-sympy", "reverse-symengine"]
SYMENGINE = backend.se


def use(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sympy`: `sp.diff` of the whole loss per entry, SymPy's expand; `reverse-*`: reverse
    accumulation at every size, its partials and the atoms' expansion in SymPy or symengine."""
    shared_from = 10**9 if engine == "sympy" else -1
    monkeypatch.setattr(budget, "SHARED_FROM_GENERIC", shared_from)
    monkeypatch.setattr(budget, "SHARED_FROM_CONCRETE", shared_from)
    monkeypatch.setattr(backend, "se", SYMENGINE if engine == "reverse-symengine" else None)
    for cached in (derived_gradient, _prove, tape):
        cached.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_caches():
    yield
    for cached in (derived_gradient, _prove, tape):
        cached.cache_clear()


# right forms, and wrong ones of the seed's catalogue (W for Wᵀ, sign, a factor, missing f', z for
# a): where f' is 1 or a 0/1 step on part of the line (identity, relu, leaky-relu, elu) only the
# slips wrong at every point — one random point that misses them sends the others to SymPy's
# full expansion (70 s for elu's f' applied twice); `f'` applied twice is left out for that too
def wrong(network: Network) -> list[tuple[str, str, object, bool]]:
    kinked = network.activation in ("identity", "relu", "leaky-relu", "elu")
    return [
        v
        for v in FORMULA_VARIANTS
        if v[0] != "dL/dz2"
        and "twice" not in v[1]
        and (not kinked or not v[3] or "sign" in v[1] or "factor" in v[1])
    ]


def verdicts(network: Network, generic: bool) -> list[tuple[str, Status, bool]]:
    identities = list(network_identities(network))
    identities += [variant_identity(name, formula) for name, _, formula, _ in wrong(network)]
    out = []
    for identity in identities:
        proof = prove(identity, network, generic)
        out.append((identity.name, proof.status, proof.counterexample is not None))
    return out


def same_verdicts(network: Network, generic: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    found = {}
    for engine in ENGINES:
        use(engine, monkeypatch)
        found[engine] = verdicts(network, generic)
    assert found["reverse-symengine"] == found["sympy"]
    assert found["reverse-sympy"] == found["sympy"]
    statuses = [status for _, status, _ in found["sympy"]]
    right = len(network_identities(network))
    assert statuses[:right] == [Status.PROVED] * right  # the test can fail: right ones proved,
    assert statuses[right:] == [Status.REFUTED] * len(wrong(network))  # every wrong one refuted


FEW = [("sigmoid", "mse"), ("tanh", "softmax-ce"), ("relu", "bce"), ("gelu-tanh", "sse")]


@pytest.mark.parametrize(("activation", "loss"), FEW, ids=[f"{a}-{b}" for a, b in FEW])
def test_engines_agree(activation, loss, monkeypatch):
    same_verdicts(Network((4, 3), activation, loss), False, monkeypatch)


def test_engines_agree_generic(monkeypatch):
    same_verdicts(Network((4, 3)), True, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize(("activation", "loss"), FAST_PAIRS, ids=[f"{a}-{b}" for a, b in FAST_PAIRS])
def test_engines_agree_on_every_activation_and_loss(activation, loss, monkeypatch):
    assert set(FAST_PAIRS) <= set(ALL_PAIRS)
    same_verdicts(Network((4, 3), activation, loss), False, monkeypatch)


def test_symengine_partials_match_sympy():
    """The local Jacobian of a polynomial equation, through symengine and through SymPy."""
    if SYMENGINE is None:
        pytest.skip("symengine not installed")
    import sympy as sp

    w, a, b, c = sp.symbols("w a b c", real=True)
    expr = w * a**2 + sp.Rational(1, 3) * b * w - c
    got = dict(backend.partials(expr, {w, a, b}))
    assert got == {w: a**2 + b / 3, a: 2 * w * a, b: w / 3}
    # a function application is not polynomial: SymPy differentiates it
    from derive.generic import f, f_prime

    assert dict(backend.partials(f(w) * a, {w})) == {w: f_prime(w) * a}


BIG = Network((6, 5, 4, 3), "tanh", "softmax-ce", batch=8)
W2, d3, z2, a1 = Var("W", 2), Var("delta", 3), Var("z", 2), Var("a", 1)
EIGHTH = Fraction(1, 8)
BIG_WRONG = [  # slips in the 6,5,4,3 network's layer 2, each must be refuted with a counterexample
    ("dL/dz2", Var("z", 2), Scale(EIGHTH, MatMul(Transpose(W2), d3))),  # missing f'
    ("dL/dz2", Var("z", 2), Scale(EIGHTH, Hadamard(MatMul(W2, d3), FPrime(z2)))),  # W for Wᵀ: shape
    ("dL/dW2", W2, MatMul(d3, Transpose(Var("a", 2)))),  # 1/B forgotten
    ("dL/dW2", W2, Scale(-EIGHTH, MatMul(d3, Transpose(Var("a", 2))))),  # sign
    ("dL/dW1", Var("W", 1), Scale(EIGHTH, MatMul(d3, Transpose(a1)))),  # wrong layer's δ: shape
    ("dL/da2", Var("a", 2), Scale(EIGHTH, MatMul(Transpose(Var("W", 3)), Var("delta", 4)))),  # wrong layer
]


def test_beyond_the_old_budget_right_forms_proved_and_slips_refuted():
    """The whole 6,5,4,3 network with a batch of 8 (cost 1,488, beyond the old 384): every
    built-in identity proved with tanh and softmax-ce themselves, every planted slip refuted."""
    key = setting(BIG, generic=False)
    assert budget.shared_derivation(key) and budget.over_budget(key) is None
    for identity in network_identities(BIG):
        assert prove(identity, BIG, generic=False).status == Status.PROVED, identity.name
    for name, target, formula in BIG_WRONG:
        proof = prove(Identity(name, target, formula), BIG, generic=False)
        assert proof.status == Status.REFUTED, (name, proof.method)
        assert proof.counterexample is not None or proof.shape is not None
