"""The seed's four backpropagation identities, for every layer boundary of a network."""

from __future__ import annotations

from dataclasses import dataclass

from derive.formula import Formula, FPrime, Hadamard, MatMul, Transpose, Var, to_latex, to_text

_TEX_VAR = {"a": "a", "z": "z", "W": "W", "b": "b"}


@dataclass(frozen=True)
class Identity:
    """A claim `dL/d<target> = <formula>`, e.g. `dL/dW1 = δ2 a1ᵀ`."""

    name: str
    target: Var
    formula: Formula

    @property
    def latex(self) -> str:
        t = self.target
        lhs = rf"\frac{{\partial L}}{{\partial {_TEX_VAR[t.kind]}_{{{t.layer}}}}}"
        return f"{lhs} = {to_latex(self.formula)}"

    @property
    def text(self) -> str:
        return f"{self.name} = {to_text(self.formula)}"


def identity_name(kind: str, layer: int) -> str:
    return f"dL/d{kind}{layer}"


def layer_identities(layer: int) -> tuple[Identity, ...]:
    """The seed's identities at the boundary between layer l and l+1."""
    W, a, z, delta_next = Var("W", layer), Var("a", layer), Var("z", layer), Var("delta", layer + 1)
    back = MatMul(Transpose(W), delta_next)
    return (
        # dL/da_l = W_l^T delta_{l+1}
        Identity(identity_name("a", layer), a, back),
        # delta_l = dL/dz_l = W_l^T delta_{l+1} ∘ f'(z_l)
        Identity(identity_name("z", layer), z, Hadamard(back, FPrime(z))),
        # dL/dW_l = delta_{l+1} a_l^T
        Identity(identity_name("W", layer), W, MatMul(delta_next, Transpose(a))),
        # dL/db_l = delta_{l+1}
        Identity(identity_name("b", layer), Var("b", layer), delta_next),
    )


def seed_identities(depth: int = 1) -> tuple[Identity, ...]:
    """All four identities for each of the `depth` weight layers, layer 1 first."""
    return tuple(i for layer in range(1, depth + 1) for i in layer_identities(layer))
