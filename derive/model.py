"""What a symbolic derivation is about (`Setting`) and the functions it is built from (`Model`).

A `Setting` holds everything a derivation depends on and nothing more, so it is the cache key
of all symbolic work. Activation and loss are registry names or `"generic"`: a generic `f` is
an undefined function with a declared derivative `f'`, a generic loss an undefined `ℓ(z_L)`.
A setting may be a *slice* of a network: layers `first_layer …` only, with a generic loss
standing for everything after its last layer. A network of per-layer activations (`activations`,
one name per layer of the setting) has `activation` its output layer's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import NamedTuple

import sympy as sp

from derive.formula import Function
from derive.generic import f, f_prime, generic_loss
from derive.model_ir import Model as ForwardModel
from derive.model_ir import layered_model
from derive.network import Network
from derive.registry import GENERIC, activation, loss
from derive.registry import function as registry_function


class Setting(NamedTuple):
    """The cache key of symbolic work."""

    sizes: tuple[int, ...]
    activation: str  # registry name or "generic"
    loss: str  # registry name or "generic"
    batch: int = 1
    reduction: str = "mean"
    slope: Fraction | None = None  # the activation's parameter (leaky-relu's α); None without one
    first_layer: int = 1  # the absolute number of this slice's first layer
    layered: bool = False  # weights named with their layer (w1_11), as in networks deeper than 2
    activations: tuple[str, ...] | None = None  # f_l per layer of the setting; None: `activation`
    biases: bool = True  # False: every b_l is 0 (proofs hold at b = 0 only)
    l2: Fraction = Fraction(0)  # the L2 penalty's λ' on the setting's weights (derive/network.py)

    @property
    def layer_activations(self) -> tuple[str, ...]:
        """The activation of each of the setting's layers, by name."""
        return self.activations if self.activations is not None else (self.activation,) * len(self.sizes)

    def activation_of(self, layer: int) -> str:
        """`f_l`'s name, `layer` absolute."""
        return self.layer_activations[layer - self.first_layer]

    @property
    def activation_text(self) -> str:
        """`sigmoid`, or per layer `relu, relu, sigmoid`."""
        return self.activation if self.activations is None else ", ".join(self.activations)

    @property
    def generic(self) -> bool:
        return self.activation == GENERIC and self.loss == GENERIC

    @property
    def layers(self) -> range:
        """Absolute layer numbers of this setting's layers."""
        return range(self.first_layer, self.first_layer + len(self.sizes))

    @property
    def factor(self) -> Fraction:
        return Fraction(1, self.batch) if self.reduction == "mean" else Fraction(1)


def setting(network: Network, generic: bool) -> Setting:
    """The whole network, with generic `f` and `ℓ` or with its own activations and loss."""
    if generic:
        return Setting(
            network.sizes,
            GENERIC,
            GENERIC,
            network.batch,
            network.reduction,
            None,
            1,
            network.depth > 1,
            biases=network.biases,
            l2=network.l2,
        )
    parametric = any(activation(name).parameter for name in network.layer_activations)
    return Setting(
        network.sizes,
        network.activation,
        network.loss,
        network.batch,
        network.reduction,
        network.slope if parametric else None,
        1,
        network.depth > 1,
        network.activations,
        network.biases,
        network.l2,
    )


def slice_setting(network: Network, first: int, last: int, loss_name: str = GENERIC) -> Setting:
    """Layers `first … last` of the network with generic `f` and a generic `ℓ(z_last)`, which
    stands for the loss and every later layer: a proof there holds for every network that
    continues this slice in any way. With `loss_name` (and `last` the last layer) the loss is
    the network's own: a proof there holds for every activation with that loss. The L2 penalty
    of the slice's weights is kept (the later layers' is part of what ℓ stands for)."""
    return Setting(
        network.sizes[first - 1 : last],
        GENERIC,
        loss_name,
        network.batch,
        network.reduction,
        None,
        first,
        network.depth > 1,
        biases=network.biases,
        l2=network.l2,
    )


@cache
def setting_model(key: Setting) -> ForwardModel:
    """The setting's forward equations (`derive/model_ir.py`), a slice `first_layer …` included:
    its activation of each layer (`generic`: the undefined `f`), its loss (`generic`: an
    undefined `ℓ(z_last)` standing for the loss and every later layer)."""
    functions = tuple(function(name, key.slope) for name in key.layer_activations)
    return layered_model(key.sizes, functions, key.loss, key.batch, key.reduction, key.first_layer, key.l2)


def function(name: str, slope: Fraction | None) -> Function:
    """The IR's `Function` for an activation (or `generic`), with its parameter where it takes one."""
    takes = name != GENERIC and activation(name).parameter is not None
    return Function(name, slope if takes else None)


def sympy_activation(fn: Function) -> tuple[type, type]:
    """`f` and `f'` of an IR function in SymPy: the generic undefined pair, or a registry one's."""
    if fn.name == GENERIC:
        return f, f_prime
    return concrete_activation(fn.name, fn.parameter if registry_function(fn.name).parameter else None)


def layer_functions(key: Setting, layer: int) -> tuple[type, type]:
    """`f_l` and `f_l'` of the setting's layer `layer` (absolute) in SymPy."""
    return sympy_activation(function(key.activation_of(layer), key.slope))


@dataclass(frozen=True)
class Model:
    """`f`, `f'` and the loss of a mini-batch as SymPy callables; `scope` says what a proof
    with them covers."""

    scope: str
    f: Callable[[sp.Expr], sp.Expr]
    f_prime: Callable[[sp.Expr], sp.Expr]
    loss: Callable[[sp.ImmutableMatrix, sp.ImmutableMatrix], sp.Expr]  # (z_L, y), columns = examples
    # one column: (output, y, read), the loss of `read` applied to the output (f for z_L, the
    # identity for a_L = f(z_L) when the model computes it, derive/model_ir.py)
    example_loss: ExampleLoss | None = None


ExampleLoss = Callable[[Sequence[sp.Expr], Sequence[sp.Expr], Callable[[sp.Expr], sp.Expr]], sp.Expr]


def _opaque(name: str, tex: str, definition: sp.Expr, x: sp.Dummy, fdiff=None) -> type[sp.Function]:
    """A SymPy function `F` standing for `definition` (an expression in `x`): `F(number)`
    evaluates it, `explicit` writes it out, and otherwise `F(z)` stays whole."""

    def eval_(cls: type, arg: sp.Expr) -> sp.Expr | None:
        return definition.xreplace({x: arg}) if arg.is_Number else None

    body = {
        "nargs": 1,
        "eval": classmethod(eval_),
        "definition": staticmethod(lambda arg: definition.xreplace({x: arg})),
        "_latex": lambda self, printer, exp=None: rf"{tex}\left({printer._print(self.args[0])}\right)",
    }
    if fdiff is not None:
        body["fdiff"] = fdiff
    return type(name, (sp.Function,), body)


@cache
def concrete_activation(name: str, slope: Fraction | None) -> tuple[type[sp.Function], type[sp.Function]]:
    """A registered activation as two SymPy functions, `F` and `F'`, where `F'` is SymPy's
    derivative of `F`'s definition (`sp.diff`, taken once, here) and `dF/dx = F'(x)`.

    Inside a network `F(z_2k)` and `F'(z_2k)` stay whole, as `a_2k` and `f'(z_2k)` do on paper,
    instead of the definitions being multiplied out through every later layer (which takes
    SymPy minutes for gelu-tanh with mse). `explicit` writes the definitions back for lambdify.
    """
    entry = registry_function(name)
    alpha = sp.Rational(slope.numerator, slope.denominator) if slope is not None else None
    x = sp.Dummy("x", real=True)
    definition = entry.sympy(sp, x, alpha)
    derivative = drop_point_masses(sp.diff(definition, x))  # f'(x), by SymPy
    tex = entry.tex
    stem = name.replace("-", "_")
    prime = _opaque(f"{stem}_prime", tex + "'", derivative, x)
    act = _opaque(stem, tex, definition, x, fdiff=lambda self, argindex=1: prime(self.args[0]))
    return act, prime


def drop_point_masses(expr: sp.Expr) -> sp.Expr:
    """`expr` without DiracDelta terms. Valid for continuous activations only (all of the
    registry's): there every δ(x) comes from a step H(x) (elu's `z·H(z) + (eᶻ − 1)(1 − H(z))`)
    and multiplies a factor that is 0 at x = 0, such as `z·δ(z)` or `(eᶻ − 1)·δ(z)`."""
    if not expr.has(sp.DiracDelta):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)


def explicit(expr: sp.Expr) -> sp.Expr:
    """`expr` with every concrete activation written out as its definition (for lambdify)."""
    return expr.replace(
        lambda e: isinstance(e, sp.Function) and hasattr(e.func, "definition"),
        lambda e: e.func.definition(e.args[0]),
    )


@cache
def model(key: Setting) -> Model:
    last = key.layers[-1]
    act_f, act_prime = layer_functions(key, last)  # the output layer's f (mse reads f(z_L))
    act_name = "generic f" if key.activation == GENERIC else key.activation_text
    if key.loss == GENERIC:
        ell, _ = generic_loss(key.sizes[-1])
        example_loss: ExampleLoss = lambda z, y, read: ell(*z)  # noqa: E731
        loss_name = f"generic ℓ(z_{last})"
    else:
        forward = loss(key.loss).sympy
        assert forward is not None  # only the generic loss has no SymPy forward
        example_loss = lambda z, y, read: forward(sp, z, y, read)  # noqa: E731
        loss_name = key.loss
    factor = sp.Rational(key.factor.numerator, key.factor.denominator)

    def batch_loss(z: sp.ImmutableMatrix, y: sp.ImmutableMatrix) -> sp.Expr:
        # L = (1/B) sum_b loss(z^(b), y^(b))  (or without 1/B for reduction "sum")
        return factor * sum(example_loss(list(z[:, b]), list(y[:, b]), act_f) for b in range(z.shape[1]))

    return Model(f"{act_name}, {loss_name}", act_f, act_prime, batch_loss, example_loss)
