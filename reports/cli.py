"""The `derivcheck` command line: `verify`, `check`, `report`, `derive`.

Every command that checks produces one `Run` (verify/run.py) and renders it; the exit code is
`run.exit_code`: 0 everything proved and agreeing, 1 a finding, 2 bad usage or input (or a claim
that could not be read). Heavy libraries (SymPy, JAX) are imported inside commands, so `--help`
stays fast.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from derive.registry import ACTIVATIONS, CONCRETE_LOSSES, GENERIC, NUMERIC_STAND_IN

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click errors: "Error: Invalid value for '--points' …", exit 2
    help="Check backpropagation derivations three independent ways: SymPy, NumPy, jax.grad.",
)


def _print_version(value: bool) -> None:
    if value:
        from reports.version import version

        typer.echo(f"derivcheck {version()}")
        raise typer.Exit(0)


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Check backpropagation derivations three independent ways: SymPy, NumPy, jax.grad."""
    from reports.encoding import install

    install()  # again: a caller's (a test runner's) own stdout


# --- the network options, declared once: None means "not given" (command line over file over defaults)
DEFAULTS = {
    "sizes": "4,3",
    "activation": "sigmoid",
    "loss": "mse",
    "batch": 1,
    "reduction": "mean",
    "slope": "0.01",
}
Activation = Annotated[
    str | None,
    typer.Option(
        "--activation",
        "-a",
        help=f"Activation f: {', '.join(ACTIVATIONS)} [default: sigmoid].",
        show_default=False,
    ),
]
Loss = Annotated[
    str | None,
    typer.Option(
        "--loss",
        "-l",
        help=f"Loss: {', '.join(CONCRETE_LOSSES)}, or {GENERIC} (symbolic; numbers use {NUMERIC_STAND_IN}) "
        "[default: mse].",
        show_default=False,
    ),
]
Sizes = Annotated[
    str | None,
    typer.Option(
        "--sizes",
        help="Layer widths, first to last, e.g. 4,3 (the seed) or 8,16,16,4 [default: 4,3].",
        show_default=False,
    ),
]
Batch = Annotated[
    int | None,
    typer.Option("--batch", "-B", help="Examples per mini-batch (columns) [default: 1].", show_default=False),
]
Reduction = Annotated[
    str | None,
    typer.Option(
        "--reduction", help="Loss over a batch: mean (1/B) or sum [default: mean].", show_default=False
    ),
]
Slope = Annotated[
    str | None,
    typer.Option(
        "--slope", help="leaky-relu's slope α, e.g. 0.01 or 1/100 [default: 0.01].", show_default=False
    ),
]
L2 = Annotated[
    str | None,
    typer.Option(
        "--l2",
        help="L2 penalty (weight decay) λ of the loss, e.g. 0.1 or 1/10: (λ/2) Σ_l ‖W_l‖_F² added "
        "(notes that write λ/(2m) Σ_l ‖W‖²: their λ) [default: 0, none].",
        show_default=False,
    ),
]
# --- how a run samples and compares


def _points(text: str | int) -> int:
    """`--points`: a whole number written as 1000, 1e6, 10_000 or 1,000 (click's own error would
    take three lines and say only "not a valid integer"); its range is checked with the run's."""
    if isinstance(text, int):  # the default
        return text
    from derive.errors import InputError
    from derive.network import parse_count

    try:
        return parse_count("points", text)
    except InputError as e:
        typer.echo(f"derivcheck: error: {e}", err=True)
        raise typer.Exit(2) from None


def _out_folder(text: str | Path) -> Path:
    """`--out`: a folder's name; an empty one is an error (Path("") would be the current folder)."""
    if isinstance(text, Path):  # the default
        return text
    if not text:
        typer.echo(
            "derivcheck: error: --out: expected a folder's name (e.g. derivcheck-report, or . for the "
            "current folder); received ''",
            err=True,
        )
        raise typer.Exit(2)
    return Path(text)


PointsOpt = Annotated[
    int,
    typer.Option(
        "--points",
        "-n",
        parser=_points,
        metavar="N",
        help="Number of sample points: 1000, 1e6, 10_000, 1,000.",
    ),
]
Seed = Annotated[int, typer.Option("--seed", help="Seed of numpy.random.default_rng.")]
Kinks = Annotated[
    bool,
    typer.Option("--include-kinks", help="Put inputs exactly on relu/leaky-relu's kink; report conventions."),
]
Dtype = Annotated[str, typer.Option("--dtype", help="Floating point of every witness: float64 or float32.")]
Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON object (schema derivcheck.run/1) instead of a table.")
]
Latex = Annotated[bool, typer.Option("--latex", help="Print LaTeX instead of text.")]
Lang = Annotated[
    str, typer.Option("--lang", help="Language of the table and sentences: en or ko (JSON stays as it is).")
]
ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A model file (TOML with a [model] table) whose tensors the document's claims are about "
        "(its forward pass decides the model; the document's own forward equations are not read).",
    ),
]
ClaimsFile = Annotated[
    Path,
    typer.Argument(
        help="A Markdown or LaTeX document (every \\frac{\\partial L}{\\partial X} = … is a claim) "
        "or a TOML claims file.",
        show_default=False,
    ),
]


@contextmanager
def _write_errors(out: Path) -> Iterator[None]:
    """A report that cannot be written (a read-only folder, /sys, a full disk) is one line naming
    the path and the reason, exit 2 — never a PermissionError traceback."""
    try:
        yield
    except OSError as e:
        path = e.filename if e.filename is not None else out
        # a file of the run's private folder is named by the place it was to be published at
        path = re.sub(r"/\.derivcheck-[^/]+\.partial(?=/|$)", "", str(path))
        reason = e.strerror or type(e).__name__
        typer.echo(f"derivcheck: error: could not write the report to {out}: {path}: {reason}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _input_errors() -> Iterator[None]:
    """Bad input becomes one line on stderr and exit 2 — never a traceback."""
    from derive.errors import InputError

    try:
        yield
    except InputError as e:
        typer.echo(f"derivcheck: error: {e}", err=True)
        raise typer.Exit(2) from None


def given_options(**given: object) -> dict:
    """The network options given on the command line (None: not given), parsed."""
    from derive import parse_l2, parse_sizes, parse_slope

    options = {k: v for k, v in given.items() if v is not None}
    if "sizes" in options:
        options["sizes"] = parse_sizes(str(options["sizes"]))
    if "slope" in options:
        options["slope"] = parse_slope(str(options["slope"]))
    if "l2" in options:
        options["l2"] = parse_l2(str(options["l2"]))
    return options


def resolve_network(given: dict, file: dict | None = None):
    """The network: command line over file over defaults (`given`, `file`: parsed options)."""
    from derive import Network

    return Network(**{**given_options(**DEFAULTS), **(file or {}), **given})


def check_run_options(network, points: int, dtype: str) -> None:
    """Points, dtype and the memory a chunk needs, validated before the engine is imported (a run
    holds one chunk of points at a time, so 10⁸ points of the seed's network fit)."""
    from verify.sampling import block, check_dtype, check_points, check_size

    check_points(points)
    check_dtype(dtype)
    check_size(network.numeric, min(points, block(network.numeric)))


@contextmanager
def _progress(points: int) -> Iterator:
    """The bar, opened before the engine is imported: it shows after `DELAY` whatever is slow."""
    from reports.progress import progress_bar

    with progress_bar() as progress:
        progress(0, points)
        yield progress


def run_builtin(given: dict, points: int, seed: int, dtype: str, include_kinks: bool):
    """The built-in identities of the network and the hand-written backward, checked."""
    network = resolve_network(given)  # bad input is an error before the engine is imported
    check_run_options(network, points, dtype)
    with _progress(points) as progress:
        from verify.run import verify_network

        return verify_network(
            network, points=points, seed=seed, dtype=dtype, include_kinks=include_kinks, progress=progress
        )


def run_document(
    file: Path,
    given: dict,
    points: int,
    seed: int,
    dtype: str,
    include_kinks: bool,
    model: Path | None = None,
):
    """The claims of a user's file, checked on its network (the given options win), or on the
    model of a model file (`--model`)."""
    from derive.claims_file import load

    document = load(file, given, model=model)  # bad input is an error before the engine is imported
    check_run_options(document.network, points, dtype)
    with _progress(points) as progress:
        from verify.run import check_document

        return check_document(
            document, points=points, seed=seed, dtype=dtype, include_kinks=include_kinks, progress=progress
        )


def terminal_lang(lang: str) -> str:
    """`lang` for what is printed: a stdout that cannot encode Hangul (PYTHONIOENCODING=latin-1)
    gets the English table, with a note on stderr saying so (the report itself stays Korean)."""
    from reports.encoding import can_show

    if lang == "ko" and not can_show("한글"):
        encoding = getattr(sys.stdout, "encoding", None)
        typer.echo(
            f"derivcheck: note: stdout's encoding ({encoding}) has no Hangul, so this is printed in "
            "English; PYTHONIOENCODING=utf-8 prints it in Korean",
            err=True,
        )
        return "en"
    return lang


def _print(run, json: bool, lang: str = "en") -> None:
    if json:  # one schema, language-neutral: --lang does not change it
        from reports.json_report import render_json

        typer.echo(render_json(run))
    else:
        from reports.terminal import render_run

        typer.echo(render_run(run, terminal_lang(lang)), nl=False)


def _check_lang(lang: str) -> None:
    from reports.i18n import strings

    strings(lang)  # an InputError naming en, ko; before the work


@app.command()
def verify(
    activation: Activation = None,
    loss: Loss = None,
    sizes: Sizes = None,
    batch: Batch = None,
    reduction: Reduction = None,
    slope: Slope = None,
    l2: L2 = None,
    points: PointsOpt = 1000,
    seed: Seed = 0,
    include_kinks: Kinks = False,
    dtype: Dtype = "float64",
    json: Json = False,
    lang: Lang = "en",
) -> None:
    """Prove the seed's identities with SymPy, check them numerically, and test the hand-written backward."""
    with _input_errors():
        _check_lang(lang)
        given = given_options(
            activation=activation,
            loss=loss,
            sizes=sizes,
            batch=batch,
            reduction=reduction,
            slope=slope,
            l2=l2,
        )
        run = run_builtin(given, points, seed, dtype, include_kinks)
    _print(run, json, lang)
    raise typer.Exit(run.exit_code)


@app.command()
def check(
    file: ClaimsFile,
    activation: Activation = None,
    loss: Loss = None,
    sizes: Sizes = None,
    batch: Batch = None,
    reduction: Reduction = None,
    slope: Slope = None,
    l2: L2 = None,
    points: PointsOpt = 1000,
    seed: Seed = 0,
    include_kinks: Kinks = False,
    dtype: Dtype = "float64",
    json: Json = False,
    model: ModelOpt = None,
    lang: Lang = "en",
) -> None:
    """Check your own derivation: every gradient claim in FILE, proved or refuted, with the likely slip.

    Options given here win over a claims file's [network] table; the defaults are the seed's
    network (4,3, sigmoid, mse).
    """
    with _input_errors():
        _check_lang(lang)
        given = given_options(
            activation=activation,
            loss=loss,
            sizes=sizes,
            batch=batch,
            reduction=reduction,
            slope=slope,
            l2=l2,
        )
        run = run_document(file, given, points, seed, dtype, include_kinks, model)
    _print(run, json, lang)
    raise typer.Exit(run.exit_code)


@app.command()
def derive(
    activation: Activation = None,
    loss: Loss = None,
    sizes: Sizes = None,
    batch: Batch = None,
    reduction: Reduction = None,
    slope: Slope = None,
    l2: L2 = None,
    latex: Latex = False,
) -> None:
    """Print the symbolic derivation: each identity entry-wise, SymPy's matrices, the proofs."""
    with _input_errors():
        given = given_options(
            activation=activation,
            loss=loss,
            sizes=sizes,
            batch=batch,
            reduction=reduction,
            slope=slope,
            l2=l2,
        )
        network = resolve_network(given)
        from derive.derivation import derivation

        d = derivation(network)
    if latex:
        from reports.latex_text import render_derivation_latex

        typer.echo(render_derivation_latex(d))
    else:
        from reports.terminal import render_derivation

        typer.echo(render_derivation(d))
    failed = any(p.status in ("refuted", "undecided") for s in d.steps for p in (s.generic, s.concrete))
    raise typer.Exit(1 if failed else 0)


@app.command()
def report(
    activation: Activation = None,
    loss: Loss = None,
    sizes: Sizes = None,
    batch: Batch = None,
    reduction: Reduction = None,
    slope: Slope = None,
    l2: L2 = None,
    points: PointsOpt = 1000,
    seed: Seed = 0,
    include_kinks: Kinks = False,
    dtype: Dtype = "float64",
    out: Annotated[
        Path, typer.Option("--out", "-o", parser=_out_folder, metavar="FOLDER", help="Output folder.")
    ] = Path("derivcheck-report"),
    lang: Annotated[str, typer.Option("--lang", help="Report language: en or ko.")] = "en",
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Write the .tex only.")] = False,
    claims: Annotated[
        Path | None,
        typer.Option(
            "--claims",
            help="Report the claims of this document or claims file (on its network) "
            "instead of the built-in identities.",
        ),
    ] = None,
    model: ModelOpt = None,
) -> None:
    """Check, then write a LaTeX report (report.tex, figures/, report.pdf when TeX is installed)."""
    with _input_errors(), _write_errors(out):
        from reports.i18n import strings
        from reports.output import check_folder, prepare_folder
        from reports.tex import source_date
        from verify.sampling import check_dtype

        strings(lang)  # validate before the work
        check_dtype(dtype)
        check_folder(out)
        date = source_date()  # SOURCE_DATE_EPOCH, read once (matplotlib reads it too)
        given = given_options(
            activation=activation,
            loss=loss,
            sizes=sizes,
            batch=batch,
            reduction=reduction,
            slope=slope,
            l2=l2,
        )
        if claims is not None:
            run = run_document(claims, given, points, seed, dtype, include_kinks, model)
        elif model is not None:
            from derive.errors import InputError

            raise InputError("--model", "--claims FILE, the notes whose claims are about the model", "none")
        else:
            run = run_builtin(given, points, seed, dtype, include_kinks)
        folder = prepare_folder(out)
        from reports.build import build_report
        from reports.output import LatexError

        try:
            built = build_report(run, folder, lang, date, pdf=not no_pdf)
        except LatexError as e:
            typer.echo(f"derivcheck: error: {e}", err=True)
            raise typer.Exit(2) from None
    if built.hint:
        typer.echo(f"derivcheck: {built.hint}", err=True)
    if built.removed:
        typer.echo(
            f"derivcheck: removed {', '.join(map(str, built.removed))}: the earlier PDF (and its "
            "log), built from another report.tex",
            err=True,
        )
    from reports.terminal import render_run
    from reports.wording import Words

    lang = terminal_lang(lang)
    typer.echo(render_run(run, lang), nl=False)
    typer.echo(Words(lang).say("wrote", paths=", ".join(str(p) for p in built.written)))
    raise typer.Exit(run.exit_code)


def _direct(argv: list[str]) -> Callable[[], None] | None:
    """`derivcheck verify` and `derivcheck check FILE` as a student types them after each edit,
    with no option: the command itself, without typer's parser, whose construction imports
    pydantic to coerce the options (a twentieth of a cold run). Anything else goes to typer."""
    if argv == ["verify"]:
        return verify
    if len(argv) == 2 and argv[0] == "check" and argv[1] and not argv[1].startswith("-"):
        return partial(check, Path(argv[1]))
    return None


def _call(command: Callable[[], None]) -> int:
    """Run a command as typer would: its `typer.Exit` is the exit status; a reader that closed the
    pipe (`derivcheck verify | head -1`) ends it with status 1 and no traceback, as click does."""
    try:
        command()
    except typer.Exit as e:
        return e.exit_code
    except BrokenPipeError:
        with contextlib.suppress(OSError):  # nothing left to flush into the closed pipe
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def main() -> None:
    """Console-script entry point. SIGINT and SIGTERM end any command with one line and exit
    130 or 143 (128 + the signal), having written nothing half (`reports.output`)."""
    import signal

    from reports.encoding import install
    from reports.output import SIGNALS, Interrupted, handle_signals

    handle_signals()
    install()  # before anything is printed: any stdout encoding, no UnicodeEncodeError
    try:
        command = _direct(sys.argv[1:])
        sys.exit(app() if command is None else _call(command))
    except Interrupted as e:
        for s in SIGNALS:  # a second Ctrl-C while this one is reported changes nothing
            signal.signal(s, signal.SIG_IGN)
        typer.echo(f"derivcheck: {e.line()}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # no interpreter shutdown: the run was stopped anywhere, and a library it stopped (JAX's
        # C++ runtime) may crash on the way out; what had to be cleaned up was, on the way here
        os._exit(e.exit_code)
