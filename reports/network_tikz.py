"""A TikZ drawing of the network: one column of neurons per layer, every connection drawn."""

from __future__ import annotations

from itertools import pairwise

MAX_DRAWN = 6  # neurons drawn per layer; wider layers show the first and last with dots between


def _shown(n: int) -> list[int | None]:
    """Neuron indices (1-based) to draw; None marks the dots."""
    if n <= MAX_DRAWN:
        return list(range(1, n + 1))
    return [*range(1, MAX_DRAWN - 1), None, n]


def network_tikz(sizes: tuple[int, ...]) -> str:
    """`z_{l+1} = W_l a_l + b_l` as a picture: hidden neurons show `a_{l,j} = f(z_{l,j})`, the
    last layer shows `z_{L,i}`, which the loss reads."""
    dx, dy = 3.4, 1.05
    lines = [
        r"\begin{tikzpicture}[x=1cm, y=1cm,",
        r"  neuron/.style={circle, draw, thick, minimum size=9mm, inner sep=0pt, font=\small},",
        r"  edge/.style={-latex, gray!70}]",
    ]
    columns: list[list[tuple[str, int | None]]] = []
    for layer, n in enumerate(sizes, start=1):
        shown = _shown(n)
        top = (len(shown) - 1) * dy / 2
        column = []
        for row, index in enumerate(shown):
            name = f"n{layer}_{index or 'dots'}"
            y = top - row * dy
            x = (layer - 1) * dx
            if index is None:
                lines.append(rf"  \node at ({x:.2f},{y:.2f}) {{$\vdots$}};")
            else:
                quantity = "z" if layer == len(sizes) else "a"  # the loss reads z_L
                lines.append(
                    rf"  \node[neuron] ({name}) at ({x:.2f},{y:.2f}) {{${quantity}_{{{layer},{index}}}$}};"
                )
                column.append((name, index))
        top_y = top + 0.85
        lines.append(
            rf"  \node[font=\footnotesize, align=center] at ({(layer - 1) * dx:.2f},{top_y:.2f}) "
            rf"{{layer {layer}\\$n_{{{layer}}} = {n}$}};"
        )
        columns.append(column)
    below = -(max(len(c) for c in columns) * dy / 2 + 0.45)
    for layer, (left, right) in enumerate(pairwise(columns), start=1):
        for a, _ in left:
            for b, _ in right:
                lines.append(rf"  \draw[edge] ({a}) -- ({b});")
        # label one connection and the layer's matrix
        (a, j), (b, i) = left[0], right[0]
        lines.append(
            rf"  \path ({a}) -- ({b}) node[midway, above, sloped, font=\scriptsize] {{$w_{{{i}{j}}}$}};"
        )
        mid = (layer - 0.5) * dx
        lines.append(
            rf"  \node[font=\footnotesize] at ({mid:.2f},{below:.2f}) "
            rf"{{$W_{{{layer}}}: {sizes[layer]}\times{sizes[layer - 1]}$}};"
        )
    last = (len(sizes) - 1) * dx
    lines.append(rf"  \node[draw, rounded corners, font=\small] (loss) at ({last + 2.2:.2f},0) {{$L$}};")
    for name, _ in columns[-1]:
        lines.append(rf"  \draw[edge] ({name}) -- (loss);")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
