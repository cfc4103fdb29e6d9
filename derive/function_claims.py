"""Derivatives of a stated function, with no loss on top:
`\\frac{d}{dz}\\sigma(z) = \\sigma(z)(1 - \\sigma(z))`,
`\\frac{\\partial}{\\partial x}\\tanh(x) = 1 - \\tanh^2(x)`, `\\sigma'(z) = …`, `\\frac{d\\sigma(z)}{dz} = …`.

Such a claim is about a registry function F and a scalar variable v; it holds entry by entry, so
it is read as the claim `F'(z_1) = rhs` about the network's input pre-activation `z_1` (v written as
`z_1`): F' is the named function's derivative (`ApplyPrime`), which `jax.grad` computes from F's
forward definition alone, and SymPy and NumPy evaluate the right side as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_D = r"(?:d|\\mathrm\s*\{\s*d\s*\}|\\partial)"
_FUNCTION = (
    r"(?P<name>\\sigma|\\tanh|\\phi|\\varphi|\\operatorname\s*\{[A-Za-z-]+\}|\\(?:text|mathrm|textrm)\s*\{[A-Za-z-]+\}|"
    r"[A-Za-z]{2,}(?=\s*(?:\\left)?\s*\())"
)
_ARGUMENT = r"\s*(?:\\left)?\s*\(\s*(?P<argument>[A-Za-z])\s*(?:\\right)?\s*\)"
# d/dv F(v) = …, \frac{dF(v)}{dv} = …, F'(v) = …
_FORMS = (
    re.compile(
        rf"^\s*\\[dt]?frac\s*\{{\s*{_D}\s*\}}\s*\{{\s*{_D}\s*(?P<var>[A-Za-z])\s*\}}\s*{_FUNCTION}{_ARGUMENT}\s*=(?P<rhs>.+)$",
        re.S,
    ),
    re.compile(
        rf"^\s*\\[dt]?frac\s*\{{\s*{_D}\s*{_FUNCTION}{_ARGUMENT}\s*\}}\s*\{{\s*{_D}\s*(?P<var>[A-Za-z])\s*\}}\s*=(?P<rhs>.+)$",
        re.S,
    ),
    re.compile(rf"^\s*{_FUNCTION}\s*(?:'|\^\s*\{{?\s*\\prime\s*\}}?){_ARGUMENT}\s*=(?P<rhs>.+)$", re.S),
)
# d/dx …, ∂/∂x …: the derivative of something stated inline (read, or said why not)
OPERATOR = re.compile(rf"^\s*\\[dt]?frac\s*\{{\s*{_D}\s*\}}\s*\{{\s*{_D}\s*[A-Za-z]\s*\}}")
NETWORK_NAME = "z_1"  # the variable, as a quantity of the network (its input pre-activation)


@dataclass(frozen=True)
class FunctionClaim:
    """`F'(v) = rhs` as written, and as the network claim `F'(z_1) = rhs[v := z_1]`."""

    function: str  # F as written (`\\sigma`, `\\text{ReLU}`)
    variable: str  # v
    text: str  # the claim about z_1, in LaTeX


def unread_derivative(text: str) -> str | None:
    """Why an inline derivative `\\frac{d}{dx} …` whose `function_claim` is None is not read (its
    function is not one of the registry's, or it is an expression); None when it is not one."""
    if OPERATOR.match(text) is None:
        return None
    return (
        "the derivative of one activation of the registry (σ, tanh, softplus, relu, …) applied to the "
        "variable, as \\frac{d}{dx}\\operatorname{softplus}(x) (write ln(1 + e^x) as softplus)"
    )


def function_claim(text: str) -> FunctionClaim | None:
    """The derivative of a stated function that `text` claims, or None (also when the function's
    argument is not the variable differentiated by)."""
    for form in _FORMS:
        m = form.match(text)
        if m is None:
            continue
        variable = m.groupdict().get("var") or m.group("argument")
        if m.group("argument") != variable:
            return None
        rhs = re.sub(rf"(?<![\\A-Za-z]){variable}(?![A-Za-z])", NETWORK_NAME, m.group("rhs"))
        return FunctionClaim(m.group("name"), variable, f"{m.group('name')}'({NETWORK_NAME}) = {rhs}")
    return None
