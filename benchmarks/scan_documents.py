"""How fast `derivcheck check` reads large documents: scanning for equations, then parsing and
binding every claim, on generated notes of 1,000 to 40,000 lines (a tenth of them math).

Printed side by side in one run: the time of one regular-expression pass over the same text
(`re.findall(r"\\$[^$]*\\$")`, the floor for any scanner), derivcheck's scan, and the scan with
every claim parsed and bound in the reading of the notes' layer numbering (`derive/notes.py`), as
a ratio to the regex pass. Every equation's text is unique.
Checking the claims (SymPy, jax.grad) is not timed here: it is per claim, not per line.

    .venv/bin/python benchmarks/scan_documents.py
"""

from __future__ import annotations

import re
import time

from derive import Network
from derive.claim_parser import parse
from derive.claims import claims_of
from derive.declarations import find_declarations
from derive.document import find_equations
from derive.notes import interpret

BLOCK = [
    "Some prose about backpropagation, with a mention of $a_l$ and $W_l$ in passing.",
    r"$$\frac{\partial L}{\partial W_1} = \frac{K}{K} \delta_2 a_1^T$$",
    "More prose: the chain rule, written out term by term, and a footnote.",
    r"The hidden layer: $\delta_1 = W_1^T \delta_2 \circ f'(z_1) K / K$, as before.",
    r"- $z_2 = W_1 a_1 + b_1$",
    "```python",
    "grad_W = delta @ a.T  # $not math$",
    "```",
    r"\begin{align} \nabla_{b_1} L &= \delta_2 \\ \partial L/\partial a_1 &= W_1^T\delta_2 \end{align}",
    "",
]


def document(lines: int) -> str:
    """Notes of `lines` lines; K makes every equation's text different (no cache helps)."""
    return "\n".join(BLOCK[k % len(BLOCK)].replace("K", str(k + 1)) for k in range(lines))


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    network = Network()
    find_equations(document(100))  # warm the grammars
    for equation in find_equations(document(10)):
        claims_of(equation, "warm-up", network)
    print(f"{'lines':>7} {'claims':>7} {'regex pass':>11} {'scan':>8} {'scan+parse+bind':>16} {'ratio':>6}")
    for lines in (1_000, 5_000, 10_000, 40_000):
        text = document(lines)
        floor = best_of(5, lambda text=text: re.findall(r"\$[^$]*\$", text))
        scan = best_of(5, lambda text=text: find_equations(text))

        def read(text=text):
            """What `derivcheck check` does before checking: scan, read the declarations, and
            bind every equation in the reading the notes' forward equations settle."""
            parse.cache_clear()  # cold: no equation parsed before
            equations = find_equations(text)
            (primary, _, _), _ = interpret(equations, "doc.md", {}, find_declarations(text))
            return primary.claims, primary.forward

        total = best_of(3, read)
        count = len(read()[0])
        times = f"{floor * 1e3:>9.1f}ms {scan * 1e3:>6.1f}ms {total * 1e3:>14.1f}ms"
        print(f"{lines:>7,} {count:>7,} {times} {total / floor:>5.0f}×")


def adversarial() -> None:
    """Unclosed delimiters: each looks for its closer once, so the scan stays linear."""
    print(f"\n{'unclosed delimiters':>28} {'regex pass':>11} {'scan':>8} {'ratio':>6}")
    for opener in (r"\[ x ", r"\begin{equation} x ", "$$ x "):
        text = opener * (400_000 // len(opener))
        floor = best_of(3, lambda text=text: re.findall(r"\$[^$]*\$", text))
        scan = best_of(3, lambda text=text: find_equations(text))
        label = f"{opener.strip()!s} × {400_000 // len(opener):,}"
        print(f"{label:>28} {floor * 1e3:>9.1f}ms {scan * 1e3:>6.1f}ms {scan / floor:>5.0f}×")


if __name__ == "__main__":
    main()
    adversarial()
