"""Walks over expressions that share subtrees, each distinct subtree visited once.

A gradient derived at size (`derive/reverse_mode.py`) is a DAG: `∂L/∂a_1` of 6,5,4,3 with a
batch of 8 refers to each later layer's δ and forward entries hundreds of times. SymPy's
`xreplace`, `replace`, `atoms` and `lambdify`'s look for implemented functions walk it as a
tree — 42 million nodes for that one matrix — where these walk each distinct node once, with
the same results. `cse` (inside `lambdify_shared`) already works on the DAG.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import sympy as sp


def substitute(e: sp.Expr, mapping: dict, memo: dict[sp.Expr, sp.Expr]) -> sp.Expr:
    """`e.xreplace(mapping)`, each distinct subtree once (`memo` may be shared across calls with
    the same `mapping`)."""
    done = memo.get(e)
    if done is not None:
        return done
    if e in mapping:
        out = mapping[e]
    elif not e.args:
        out = e
    else:
        args = tuple(substitute(a, mapping, memo) for a in e.args)
        out = e if args == e.args else e.func(*args)
    memo[e] = out
    return out


def rewrite(e: sp.Expr, rule: Callable[[sp.Expr], sp.Expr | None], memo: dict[sp.Expr, sp.Expr]) -> sp.Expr:
    """`e` rebuilt bottom-up, each node (its arguments rewritten first) replaced by `rule(node)`
    where that is not None — as `e.replace(query, value)` does, each distinct subtree once."""
    done = memo.get(e)
    if done is not None:
        return done
    out = e
    if e.args:
        args = tuple(rewrite(a, rule, memo) for a in e.args)
        if args != e.args:
            out = e.func(*args)
    new = rule(out)
    out = out if new is None else new
    memo[e] = out
    return out


def applications(exprs: Iterable[sp.Expr]) -> set[sp.Expr]:
    """Every function application in `exprs` (`expr.atoms(sp.Function)` of each)."""
    seen: set[sp.Expr] = set()
    found: set[sp.Expr] = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if isinstance(e, sp.Function):
            found.add(e)
        stack.extend(e.args)
    return found


def lambdify_shared(
    args: Sequence[sp.Symbol], exprs: list[sp.Expr], modules, canonical: bool = False
) -> Callable:
    """`sp.lambdify(args, exprs, modules, cse=True)` without its tree walks: none for implemented
    functions (none are used here), and `cse` keeps each node's arguments in their order
    (`order="none"`): its canonical order sorts them by node count, counted down the tree
    (360 s of 366 for the 6,5,4,3 B8 reference). The printer then sees the reduced DAG.
    `canonical`: `cse`'s own order, for expressions small enough (the same code as before, so
    the same float64 roundings)."""

    def shared(e: list[sp.Expr]):
        return sp.cse(e, order="canonical" if canonical else "none", list=False)

    return sp.lambdify(args, exprs, modules=modules, cse=shared, use_imps=False)
