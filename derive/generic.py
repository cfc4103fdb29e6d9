"""A generic activation `f` and a generic loss `ℓ(z_L)`: undefined SymPy functions whose
derivatives are declared as undefined functions too (`f'`, `∂_k ℓ`).

A proof with these holds for every differentiable activation and loss at once. Declaring the
derivatives keeps SymPy's chain rule from producing `Subs(Derivative(...))` objects, so derived
gradients stay readable and compare structurally.
"""

from __future__ import annotations

from functools import cache

import sympy as sp


class f(sp.Function):
    """The generic activation `f`; `d/dx f(x) = f'(x)`."""

    nargs = 1
    generic = True  # undefined: a counterexample may give it any values (derive/proof.py)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return f_prime(self.args[0])


class f_prime(sp.Function):
    """`f'`, the derivative of the generic activation (itself left undefined)."""

    nargs = 1
    generic = True

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: object = None) -> str:
        return rf"f'\!\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return f"f'({printer._print(self.args[0])})"

    def _pretty(self, printer: sp.printing.pretty.pretty.PrettyPrinter) -> object:
        return printer._print_Function(self, func_name="f'")


@cache
def generic_loss(outputs: int) -> tuple[type[sp.Function], tuple[type[sp.Function], ...]]:
    """`(ℓ, (∂_1 ℓ, …, ∂_m ℓ))` for a loss of `outputs` arguments; `∂ℓ/∂x_k = ∂_k ℓ(x)`.

    Cached so one process always sees the same classes (SymPy compares them by identity).
    """
    partials = tuple(
        type(
            f"dl{k}",
            (sp.Function,),
            {
                "nargs": outputs,
                "generic": True,
                "_latex": lambda self, printer, exp=None, k=k: (
                    rf"\partial_{{{k}}}\ell\left({', '.join(map(printer._print, self.args))}\right)"
                ),
                "_sympystr": lambda self, printer, k=k: f"∂{k}ℓ({', '.join(map(printer._print, self.args))})",
            },
        )
        for k in range(1, outputs + 1)
    )

    def fdiff(self: sp.Function, argindex: int = 1) -> sp.Expr:
        return partials[argindex - 1](*self.args)

    ell = type(
        "ell",
        (sp.Function,),
        {
            "nargs": outputs,
            "generic": True,
            "fdiff": fdiff,
            "_latex": lambda self, printer, exp=None: (
                rf"\ell\left({', '.join(map(printer._print, self.args))}\right)"
            ),
        },
    )
    return ell, partials
