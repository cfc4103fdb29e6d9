"""Algorithm steps: `g \\leftarrow …` (Goodfellow's Alg. 6.4) updates a quantity, it is not an
equality. The steps are read in the order written, keeping what the variable holds:

- `g \\leftarrow \\nabla_{\\hat y} J`: g holds ∇_ŷ J;
- `g \\leftarrow \\nabla_{a^{(k)}} J = g \\odot f'(a^{(k)})`: the claim ∇_{a^{(k)}} J = (what g held)
  ⊙ f'(a^{(k)}), after which g holds ∇_{a^{(k)}} J;
- `g \\leftarrow g \\odot f'(a^{(k)})`: g holds that expression of what it held;
- an equation that uses g (`\\nabla_{W^{(k)}} J = g\\, h^{(k-1)\\top}`) is read with g replaced by
  what it holds there.

A loop over layers (`for k = l, …, 1`) ends by setting g to a gradient one layer down
(`g \\leftarrow \\nabla_{h^{(k-1)}} J`): at the top of the loop g then holds that gradient one
layer up (∇_{h^{(k)}} J), the output's gradient on the first pass. A step whose variable holds
nothing known yet is not read, and says so. Only the text is rewritten (never evaluated): the
rewritten equation is read as any other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from derive.document import Equation

_FONT = r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?"
_ARROW = r"\\leftarrow(?![A-Za-z])|\\gets(?![A-Za-z])|←"
_STEP = re.compile(rf"^\s*(?P<var>{_FONT}(?P<letter>[A-Za-z])\s*\}}?)\s*(?:{_ARROW})\s*(?P<rest>.*)$", re.S)
_GRADIENT = re.compile(r"\s*(\\[dt]?frac\s*\{\s*\\partial|\\partial|\\nabla)")
_LOOP = re.compile(r"[(\[]\s*[a-z]\s*([-+]\s*1\s*)?[)\]]")  # a layer (k), [k-1]: a loop's layer
_DOWN = re.compile(r"(?<![A-Za-z\\])([a-z])\s*-\s*1(?![0-9])")  # k-1: one layer below the loop's k


@dataclass(frozen=True)
class Step:
    """An update step `var ← rest` at `line`: what it states the variable now holds (`holds`, a
    gradient), the expression it assigns (`expression`), either or both."""

    line: int
    letter: str
    holds: str | None
    expression: str | None


def step_of(text: str) -> Step | None:
    """The step of `text` (`g \\leftarrow …`), or None when it is not one."""
    m = _STEP.match(text)
    if m is None:
        return None
    rest = m.group("rest").strip()
    left, equals, right = rest.partition("=")
    if equals and _GRADIENT.match(left):  # g ← ∇_a J = g ⊙ f'(a): holds ∇_a J, assigned g ⊙ f'(a)
        return Step(0, m.group("letter"), left.strip(), right.strip() or None)
    if _GRADIENT.match(rest) and not equals:
        return Step(0, m.group("letter"), rest, None)
    return Step(0, m.group("letter"), None, rest or None)


def _uses(letter: str) -> re.Pattern[str]:
    """`letter` as a quantity: not a function applied (`g(z)`, `g'(z)`, Ng's `g^{[1]}(…)`)."""
    return re.compile(
        rf"{_FONT}(?<![A-Za-z\\]){letter}(?![A-Za-z])(\s*\}})?"
        r"(?!\s*('|\^\s*\{?\s*\\prime|\^\s*\{\s*\[|\(|\\left\s*\(|\\[bB]ig))"
    )


def _replaced(text: str, letter: str, value: str) -> str:
    return _uses(letter).sub(lambda _: f"({value})", text)


def _carried(steps: Sequence[tuple[Equation, Step]], letter: str) -> str | None:
    """What `letter` holds at the top of a loop over k: the gradient the loop's last step sets one
    layer down (∇_{h^{(k-1)}} J), one layer up (∇_{h^{(k)}} J)."""
    for _, step in reversed(steps):
        if step.letter == letter and step.holds is not None and _DOWN.search(step.holds):
            return _DOWN.sub(lambda m: m.group(1), step.holds)
    return None


def read_steps(equations: Sequence[Equation]) -> list[Equation]:
    """The equations with each step rewritten as the claim it makes (or left out when it makes
    none), each use of a stepped variable replaced by what it holds there. A step that cannot be
    read stays as written: its claim says why (`unread_step`)."""
    steps = [(e, s) for e in equations if (s := step_of(e.text)) is not None]
    if not steps:
        return list(equations)
    letters = {s.letter for _, s in steps}
    holds: dict[str, str] = {}  # letter → the LaTeX of what it holds now
    out: list[Equation] = []
    for equation in equations:
        step = step_of(equation.text)
        if step is None:
            used = [x for x in letters if x in holds and _uses(x).search(equation.text)]
            text = equation.text
            for x in used:
                text = _replaced(text, x, holds[x])
            out.append(Equation(equation.line, equation.column, text))
            continue
        letter, before = step.letter, holds.get(step.letter)
        if _LOOP.search(equation.text) and before is not None and not _LOOP.search(before):
            # the loop's first step after g's first value: g holds ∇_{h^{(k)}} J (∇_ŷ J when k = l)
            before = _carried(steps, letter) or before
        expression = step.expression
        if step.holds is not None and expression is not None and not _uses(letter).search(expression):
            expression = None  # g ← ∇_ŷ J = ∇_ŷ L(ŷ, y): names what g holds, in other words
        if expression is not None and _uses(letter).search(expression):
            if before is None:
                out.append(equation)  # read as a claim that says why not (`unread_step`)
                continue
            expression = _replaced(expression, letter, before)
        if step.holds is not None and expression is not None:  # the step's claim: ∇_a J = (g) ⊙ f'(a)
            out.append(Equation(equation.line, equation.column, f"{step.holds} = {expression}"))
        if (value := step.holds or expression) is None:
            out.append(equation)  # `g \\leftarrow` and nothing: `unread_step` says so
            continue
        holds[letter] = value
    return out


def unread_step(text: str) -> str | None:
    """Why a step left as written (`read_steps`) is not read, or None when `text` is no step."""
    step = step_of(text)
    if step is None:
        return None
    g = step.letter
    if step.holds is None and step.expression is None:
        return f"an update step {g} \\leftarrow (a gradient or an expression); received nothing after it"
    return (
        f"an update step (not an equality) whose {g} an earlier step sets, such as "
        f"{g} \\leftarrow \\nabla_{{\\hat y}} J; received {text.strip()}, where {g} holds nothing yet"
    )
