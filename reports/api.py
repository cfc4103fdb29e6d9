"""derivcheck as a library: what `import derivcheck` gives.

    >>> import derivcheck
    >>> run = derivcheck.check("notes.md")            # a path, or the notes' text itself
    >>> run.passed, [r.verdict for r in run.claims]
    >>> print(run)                                    # the terminal summary (a notebook shows it)
    >>> derivcheck.check_backward(my_backward, model={"sizes": (4, 3), "batch": 8})
    >>> derivcheck.testing.assert_backward(my_backward, loss=my_loss, params=…, x=…, y=…)

- `check(source, …) -> Run`: the claims of notes (Markdown or LaTeX) or a TOML claims file,
  each proved or refuted with evidence and, when wrong, the likely slip;
- `verify(…) -> Run`: the built-in network's identities and the hand-written NumPy backward;
- `report(run, out, …) -> list[Path]`: the LaTeX report (and its PDF when TeX is installed);
- `check_backward(backward, …) -> BackwardCheck`: your own NumPy backward against `jax.grad`;
- `summary(x) -> str`: the terminal text of a `Run` or a `BackwardCheck` (also `str(x)`).

Bad input (an unknown activation, a file that is not there, a result that is not a dict of
gradients) raises `InputError` (a `ValueError`) saying what was expected and what was received.
Heavy libraries (JAX, SymPy) load on the first check, not on `import derivcheck`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from derive.errors import InputError
from reports.version import version

if TYPE_CHECKING:
    from derive.network import Network
    from verify.backward_check import BackwardCheck
    from verify.results import Run

__version__ = version()

__all__ = [
    "BackwardCheck",
    "InputError",
    "Run",
    "__version__",
    "check",
    "check_backward",
    "report",
    "summary",
    "verify",
]

Syntax = Literal["markdown", "latex", "toml"]
_SUFFIX = {"markdown": ".md", "latex": ".tex", "toml": ".toml"}
_FILE_SUFFIXES = (".md", ".markdown", ".tex", ".latex", ".toml", ".txt")
_OPTIONS = ("sizes", "activation", "loss", "batch", "reduction", "slope", "l2")


def __getattr__(name: str) -> object:  # the result types, loaded on use (they import NumPy)
    if name == "Run":
        from verify.results import Run

        return Run
    if name == "BackwardCheck":
        from verify.backward_check import BackwardCheck

        return BackwardCheck
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _register_text() -> None:
    """`str(run)` and `str(backward_check)`: the terminal summaries (verify/results.py's hook)."""
    from reports.backward_text import summary as backward_summary
    from reports.terminal import render_run
    from verify.backward_check import BackwardCheck
    from verify.results import TEXT, Run

    TEXT[Run] = render_run
    TEXT[BackwardCheck] = backward_summary


def _given(**options: object) -> dict:
    """The network options given (None: not given), parsed as the command line parses them:
    `sizes` as "4,3" or (4, 3); `slope` and `l2` (the L2 penalty λ) as 0.01 or "1/100"."""
    from derive import parse_l2, parse_sizes, parse_slope

    given = {k: v for k, v in options.items() if v is not None}
    if "sizes" in given:
        sizes = given["sizes"]
        given["sizes"] = parse_sizes(sizes if isinstance(sizes, str) else ",".join(map(str, sizes)))  # type: ignore[arg-type]
    if "slope" in given:
        given["slope"] = parse_slope(str(given["slope"]))
    if "l2" in given:
        given["l2"] = parse_l2(str(given["l2"]))
    return given


def network(**options: object) -> Network:
    """The built-in network from options (sizes, activation, loss, batch, reduction, slope, l2);
    the defaults are the seed's: 4,3, sigmoid, mse, batch 1, mean. Raises `InputError`."""
    from derive import Network

    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise InputError("model", "options among: " + ", ".join(_OPTIONS), unknown[0])
    return Network(**_given(**options))


def _validated(points: object, seed: object, dtype: str, network: Network | None = None) -> None:
    from verify.sampling import check_dtype, check_points, check_size

    check_points(points)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InputError("seed", "an integer from 0 to 2^63 − 1", seed)
    check_dtype(dtype)
    if network is not None:
        check_size(network.numeric, points)  # type: ignore[arg-type]


def _syntax_of(text: str) -> Syntax:
    """TOML when a line opens a `[[claim]]` or `[network]` table; LaTeX for a whole LaTeX
    document; otherwise Markdown (whose math may be LaTeX)."""
    lines = [line.strip() for line in text.splitlines()]
    if any(line.startswith(("[[claim]]", "[network]")) for line in lines):
        return "toml"
    if "\\documentclass" in text or "\\begin{document}" in text:
        return "latex"
    return "markdown"


def _source_file(source: str | Path, syntax: Syntax | None, folder: Path) -> tuple[Path, bool]:
    """(the file to read, whether it holds the given text). A `Path`, or a one-line string that
    names an existing file or ends in a notes suffix, is a file; any other string is the text."""
    if syntax is not None and syntax not in _SUFFIX:
        raise InputError("syntax", "one of: " + ", ".join(_SUFFIX), syntax)
    is_path = isinstance(source, Path) or (
        "\n" not in source
        and len(source) < 4096
        and (Path(source).is_file() or source.lower().endswith(_FILE_SUFFIXES))
    )
    if is_path:
        path = Path(source)
        if not path.is_file():
            raise InputError("source", "an existing file, or the text of notes or claims", str(source))
        return path, False
    if not isinstance(source, str) or not source.strip():
        raise InputError("source", "a path, or the text of notes or claims", source)
    file = folder / ("notes" + _SUFFIX[syntax or _syntax_of(source)])
    file.write_text(source, encoding="utf-8")
    return file, True


def check(
    source: str | Path,
    *,
    sizes: str | tuple[int, ...] | None = None,
    activation: str | None = None,
    loss: str | None = None,
    batch: int | None = None,
    reduction: str | None = None,
    slope: float | str | None = None,
    l2: float | str | None = None,
    points: int = 1000,
    seed: int = 0,
    dtype: str = "float64",
    include_kinks: bool = False,
    syntax: Syntax | None = None,
    model: str | Path | None = None,
) -> Run:
    """Check every gradient claim of notes or a claims file: `derivcheck check` as a function.

    `source`: a path (a `pathlib.Path`, or a one-line string naming a file: `.md`, `.tex`, `.toml`
    …), or the text itself (Markdown, LaTeX, or TOML — detected, or say `syntax=`). The network
    options win over what the file states; unset, the file's or the seed's (4,3, sigmoid, mse).
    Points are seeded (`numpy.random.default_rng(seed)`) in `dtype` (float64 or float32).

    Returns the `Run`: `run.claims[i].verdict` (proved, refuted, shape-error, …), `.slip`,
    `.counterexample`, `.agreement` (points, max error, worst entry); `run.passed`,
    `run.exit_code` (the CLI's). Raises `InputError` for bad options, a missing file, or text
    with nothing to check. `model`: a model file (`"model.toml"`) whose tensors the notes'
    claims are about (`derivcheck check notes.md --model model.toml`).
    """
    from derive.claims_file import load

    _validated(points, seed, dtype)
    given = _given(
        sizes=sizes, activation=activation, loss=loss, batch=batch, reduction=reduction, slope=slope, l2=l2
    )
    with tempfile.TemporaryDirectory(prefix="derivcheck-") as folder:
        path, is_text = _source_file(source, syntax, Path(folder))
        document = load(path, given, model=None if model is None else Path(model))
        from verify.run import check_document
        from verify.sampling import check_size

        check_size(document.network.numeric, points)
        run = check_document(document, points=points, seed=seed, dtype=dtype, include_kinks=include_kinks)
    _register_text()
    return replace(run, source="<text>") if is_text else run


def verify(
    *,
    sizes: str | tuple[int, ...] | None = None,
    activation: str | None = None,
    loss: str | None = None,
    batch: int | None = None,
    reduction: str | None = None,
    slope: float | str | None = None,
    l2: float | str | None = None,
    points: int = 1000,
    seed: int = 0,
    dtype: str = "float64",
    include_kinks: bool = False,
) -> Run:
    """The built-in network's identities (the output layer's δ_L, the seed's four per layer),
    proved by SymPy and checked at `points` seeded points, and the hand-written NumPy backward
    against `jax.grad`:
    `derivcheck verify` as a function. Returns the `Run`; raises `InputError` for bad options."""
    net = network(
        sizes=sizes, activation=activation, loss=loss, batch=batch, reduction=reduction, slope=slope, l2=l2
    )
    _validated(points, seed, dtype, net)
    from verify.run import verify_network

    run = verify_network(net, points=points, seed=seed, dtype=dtype, include_kinks=include_kinks)
    _register_text()
    return run


def report(
    run: Run, out: str | Path = "derivcheck-report", *, lang: str = "en", pdf: bool = True
) -> list[Path]:
    """Write the LaTeX report of `run` into the folder `out` (created): `report.tex`, its
    figures, and `report.pdf` when `pdf` and TeX is installed (without TeX there is no PDF in
    the returned list of written files). `lang`: "en" or "ko". Raises `InputError` for a bad
    language or an `out` that is a file, `reports.output.LatexError` when LaTeX fails."""
    from reports.build import build_report
    from reports.i18n import strings
    from reports.output import prepare_folder
    from reports.tex import source_date

    strings(lang)
    folder = prepare_folder(Path(out))
    return list(build_report(run, folder, lang, source_date(), pdf=pdf).written)


def check_backward(
    backward: Callable[..., Mapping[str, Any]],
    *,
    model: Network | Mapping[str, object] | str | Path | None = None,
    loss: Callable[..., Any] | None = None,
    params: Mapping[str, Any] | None = None,
    x: Any = None,
    y: Any = None,
    points: int = 200,
    seed: int = 0,
    dtype: str = "float64",
) -> BackwardCheck:
    """Check your own NumPy backward against `jax.grad`, gradient by gradient, at `points`
    seeded points; a loss your function returns is compared first.

    `backward(params, x, y) -> dict` gets fresh NumPy arrays of one point and returns the
    gradients keyed like `params` ("W1", or "dW1" / "dL/dW1"), plus optionally "loss" (a scalar).

    Against the built-in network (`model`: a dict of sizes, activation, loss, batch, reduction,
    slope, or a `Network`; the seed's 4,3 sigmoid mse when nothing is given): `params` is
    {"W1": (n2, n1), "b1": (n2, 1), …}, `x` is z_1 (n1, B) — the network computes a_1 = f(z_1),
    z_{l+1} = W_l a_l + b_l — and `y` (nL, B); the loss is the mean (or sum) over the B columns.
    The run is the one `derivcheck verify` makes, with SymPy's 50-digit truth where in budget.

    Against a model file (`model="model.toml"` or a `Path`; derive/model_file.py): jax.grad of
    the file's forward (its claims are ignored). `params` maps each of its `parameters` to an
    array; `x` is its one input as an array, or a dict of its inputs by name when it has several;
    `y` likewise for its targets; points drawn as `derivcheck check` draws them (one-hot and
    positive tensors as the file says). See verify/user_model.py.

    Against your own forward (`loss(xp, params, x, y) -> scalar`, written with `xp.` for the
    array functions): `params` maps names to shapes (drawn N(0, 1)), arrays (kept) or functions
    `rng -> array`; `x` and `y` likewise. `loss(jax.numpy, …)` is the oracle and
    `loss(numpy, …)` is compared with it first.

    Returns a `BackwardCheck`: `.passed`, `.gradients` (per gradient: points that differ, the
    worst entry with its point and both values, the likely slip — transposed, sign, factor 2 or
    ½, missing or extra 1/B, zero), `.losses`, and `.run` for the built-in network. Raises
    `InputError` for bad arguments, a loss jax cannot run, or a result that is not a dict of the
    parameters' gradients; a gradient that is missing, mis-shaped, or raises is a failure."""
    if not callable(backward):
        raise InputError("backward", "a function backward(params, x, y) -> dict of gradients", backward)
    if loss is not None:
        if model is not None:
            raise InputError("model", "either model= (the built-in network) or loss=, not both", model)
        if params is None or x is None or y is None:
            raise InputError("loss", "params=, x= and y= with it (shapes or arrays)", "some missing")
        from verify.user_loss import check_loss

        found = check_loss(backward, loss, params=params, x=x, y=y, points=points, seed=seed, dtype=dtype)
    elif isinstance(model, (str, Path)):
        if params is not None or x is not None or y is not None:
            raise InputError("params", "params=, x=, y= only with loss= (the model file fixes them)", "given")
        _validated(points, seed, dtype)
        from verify.user_model import check_model_backward

        path = _model_file(model)
        found = check_model_backward(backward, path[1], path[0], points=points, seed=seed, dtype=dtype)
    else:
        if params is not None or x is not None or y is not None:
            raise InputError("params", "params=, x=, y= only with loss= (the model fixes them)", "given")
        net = _model(model)
        _validated(points, seed, dtype, net)
        from verify.user_backward import check_builtin

        found = check_builtin(backward, net, points=points, seed=seed, dtype=dtype)
    _register_text()
    return found


def _model_file(model: str | Path):
    """(path, ModelFile) of a model file's path. Raises `InputError` for a missing file or a
    TOML file without a [model] table."""
    from derive.claims_file import read_text
    from derive.model_file import is_model_file, read_model

    path = Path(model)
    if not path.is_file():
        raise InputError(
            "model", "a model file (.toml with a [model] table), or a dict of options", str(model)
        )
    text = read_text(path)
    if not is_model_file(text):
        raise InputError(str(path), "a model file with a [model] table (derive/model_file.py)", "none")
    return path, read_model(path, text)


def _model(model: Network | Mapping[str, object] | None) -> Network:
    from derive import Network

    if model is None:
        return network()
    if isinstance(model, Network):
        return model
    if isinstance(model, Mapping):
        return network(**{str(k): v for k, v in model.items()})
    raise InputError(
        "model", "a dict of network options (sizes, activation, …), a Network, or a model file", model
    )


def summary(result: Run | BackwardCheck) -> str:
    """The terminal text of a `Run` (what `derivcheck check` prints) or a `BackwardCheck`."""
    _register_text()
    return str(result)
