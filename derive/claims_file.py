"""Read a user's claims: a TOML claims file, or the equations of a Markdown / LaTeX document.

A claims file:

    [network]                      # optional; command-line options win
    sizes = [4, 3]
    activation = "sigmoid"
    loss = "mse"

    [[claim]]
    name = "delta1"                # optional
    wrt = "z1"                     # W1, b1, a1, z1 (or W_1, \\delta_1, dL/dz1)
    formula = "W1.T @ delta2 * fprime(z1)"   # plain NumPy-style, or LaTeX
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from derive.claim_binding import NeedsLayer, Scalar
from derive.claim_parser import ClaimSyntaxError, guess_syntax, parse
from derive.claims import (
    MAX_CLAIMS,
    Claim,
    ForwardEquation,
    bind,
    bind_sides,
    binding,
    claims_of,
    forward_of,
    is_claim,
    is_definition,
    is_forward,
    link_identity,
    mentions_gradient,
)
from derive.document import MAX_DOCUMENT_CHARS, find_equations
from derive.errors import InputError
from derive.formula import Grad, Var
from derive.network import Network, parse_sizes, parse_slope
from derive.registry import reads_output_activation

NETWORK_KEYS = ("sizes", "activation", "loss", "batch", "reduction", "slope")
CLAIM_KEYS = ("name", "wrt", "formula", "syntax")
SYNTAXES = ("latex", "plain")


@dataclass(frozen=True)
class Document:
    """What a file says: its claims and forward equations, bound to `network`."""

    source: str
    network: Network
    claims: tuple[Claim, ...]
    forward: tuple[ForwardEquation, ...]
    skipped: tuple[tuple[int, str], ...] = ()  # (line, text): mention ∂, ∇ or δ, yet no claim
    definitions: tuple[Claim, ...] = ()  # δ_l = ∂L/∂z_l: read, not checked


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError("FILE", "a readable file", str(path), e.strerror or "") from None
    if len(raw) > MAX_DOCUMENT_CHARS:
        raise InputError("FILE", f"a document of at most {MAX_DOCUMENT_CHARS:,} bytes", f"{len(raw):,} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError("FILE", "UTF-8 text", f"a byte 0x{raw[e.start]:02x} at offset {e.start}") from None


def network_table(path: Path, text: str) -> tuple[dict, list]:
    """([network] as Network keyword arguments, the [[claim]] tables) of a claims file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(path), "a TOML claims file", f"invalid TOML ({e})") from None
    unknown = sorted(set(data) - {"network", "claim"})
    if unknown:
        raise InputError(str(path), "the tables [network] and [[claim]]", ", ".join(unknown))
    table = data.get("network", {})
    if not isinstance(table, dict):
        raise InputError("[network]", "a table", table)
    if extra := sorted(set(table) - set(NETWORK_KEYS)):
        raise InputError("[network]", "keys " + ", ".join(NETWORK_KEYS), ", ".join(extra))
    fields = dict(table)
    if "sizes" in fields:
        sizes = fields["sizes"]
        if not isinstance(sizes, list | str):
            raise InputError("[network] sizes", "a list of layer widths such as [4, 3]", sizes)
        fields["sizes"] = parse_sizes(sizes if isinstance(sizes, str) else ",".join(map(str, sizes)))
    if "slope" in fields:
        fields["slope"] = parse_slope(str(fields["slope"]))
    for key in ("activation", "loss", "reduction"):
        if key in fields and not isinstance(fields[key], str):
            raise InputError(f"[network] {key}", "a string", fields[key])
    claims = data.get("claim", [])
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise InputError("[[claim]]", "an array of tables", claims)
    return fields, claims


_CLAIM_HEADER = re.compile(r"^\s*\[\[\s*claim\s*\]\]", re.M)
_FORMULA_KEY = re.compile(r"^\s*formula\s*=", re.M)


def formula_lines(text: str) -> list[int]:
    """The 1-based line of each [[claim]]'s `formula =` (of its header when it has none)."""
    lines = []
    for header in _CLAIM_HEADER.finditer(text):
        following = _CLAIM_HEADER.search(text, header.end())
        end = following.start() if following else len(text)
        key = _FORMULA_KEY.search(text, header.end(), end)
        lines.append(text.count("\n", 0, (key or header).start()) + 1)
    return lines


def wrt_variable(text: str, network: Network) -> Var:
    """`W1`, `W_1`, `\\delta_1`, `dL/dz1` → the variable (δ_l means z_l)."""
    syntax = guess_syntax(text) if "\\" in text or "_" not in text else "latex"
    sides = parse(text, syntax)
    if len(sides) != 1:
        raise ClaimSyntaxError(text, text.find("="), "one variable, without '='")
    try:
        value = bind(sides[0], text, syntax, binding(network))
    except NeedsLayer:
        raise ClaimSyntaxError(text, 0, "a variable of one layer, such as z1 or W_2 (not z_l)") from None
    if isinstance(value, Grad):
        return value.target
    if isinstance(value, Var):
        if value.kind == "y":
            raise ClaimSyntaxError(text, 0, "a variable with a gradient; the target y is given")
        if (
            value.kind == "a"
            and value.layer == len(network.sizes)
            and not reads_output_activation(network.loss)
        ):
            raise ClaimSyntaxError(
                text,
                0,
                f"a variable with a gradient; the loss ({network.loss}) is a function of z_{value.layer}",
            )
        return Var("z", value.layer) if value.kind == "delta" else value
    got = "a number" if isinstance(value, Scalar) else "an expression"
    raise ClaimSyntaxError(text, 0, f"a variable such as W1, b1, a1, z1 or delta1; received {got}")


def claims_from_file(path: Path, text: str, tables: list, network: Network) -> tuple[Claim, ...]:
    out: list[Claim] = []
    lines = formula_lines(text)
    batched = network.batch > 1
    for number, table in enumerate(tables, start=1):
        if extra := sorted(set(table) - set(CLAIM_KEYS)):
            raise InputError(f"claim {number}", "keys " + ", ".join(CLAIM_KEYS), ", ".join(extra))
        for key in ("wrt", "formula"):
            if not isinstance(table.get(key), str):
                raise InputError(f"claim {number} {key}", "a string", table.get(key))
        formula, syntax = table["formula"], table.get("syntax") or guess_syntax(table["formula"])
        if syntax not in SYNTAXES:
            raise InputError(f"claim {number} syntax", " or ".join(SYNTAXES), syntax)
        line = lines[number - 1] if number <= len(lines) else 0
        name = table.get("name")
        where = {"source": str(path), "line": line, "column": 1, "syntax": syntax, "name": name}
        try:
            wrt = wrt_variable(table["wrt"], network)
        except ClaimSyntaxError as e:
            out.append(Claim(**where, written=table["wrt"], problem=e))
            continue
        try:
            instances = bind_sides(formula, syntax, network)
            if any(layer is not None for layer, _ in instances):
                raise ClaimSyntaxError(
                    formula,
                    0,
                    f"a formula for {wrt.kind}{wrt.layer} alone: wrt names one layer, the formula uses l",
                )
            if any(len(sides) != 1 for _, sides in instances):
                raise ClaimSyntaxError(
                    formula, formula.find("="), "one expression (the claim is ∂L/∂wrt = formula)"
                )
        except ClaimSyntaxError as e:
            out.append(Claim(**where, written=formula, wrt=wrt, problem=e))
            continue
        # the claim: ∂L/∂wrt = formula
        out += [
            Claim(
                **where,
                written=formula,
                wrt=wrt,
                identity=link_identity(wrt, Grad(wrt), sides[0], batched),
                layer=layer,
            )
            for layer, sides in instances
        ]
    return tuple(out)


def load(path: Path, options: dict) -> Document:
    """Read `path` (a `.toml` claims file, or a Markdown / LaTeX document) and bind its equations
    to the network: `options` (from the command line) over the file's [network] over defaults."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        fields, tables = network_table(path, text)
        network = Network(**{**fields, **options})
        claims = claims_from_file(path, text, tables, network)
        forward: tuple[ForwardEquation, ...] = ()
        skipped: tuple[tuple[int, str], ...] = ()
    else:
        network = Network(**options)
        equations = find_equations(text, latex=suffix in (".tex", ".latex"))
        claims = tuple(
            claim for e in equations if is_claim(e.text) for claim in claims_of(e, str(path), network)
        )
        forward = tuple(
            f
            for e in equations
            if not is_claim(e.text) and is_forward(e.text)
            for f in forward_of(e, str(path), network)
        )
        skipped = tuple(
            (e.line, e.text)
            for e in equations
            if not is_claim(e.text) and not is_forward(e.text) and mentions_gradient(e.text)
        )
    definitions = tuple(c for c in claims if is_definition(c, network))
    claims = tuple(c for c in claims if not is_definition(c, network))
    if not claims and not definitions:
        what = (
            "[[claim]] tables"
            if suffix == ".toml"
            else r"equations such as \frac{\partial L}{\partial W_1} = …"
        )
        raise InputError(str(path), f"at least one claim ({what})", "none")
    if len(claims) > MAX_CLAIMS:
        raise InputError(str(path), f"at most {MAX_CLAIMS:,} claims", len(claims))
    return Document(str(path), network, claims, forward, skipped, definitions)
