"""The `derivcheck` command line: `verify`, `derive`, `report`, `check`.

Exit codes: 0 everything agrees, 1 a check disagrees (a finding), 2 bad usage or input.
Heavy libraries (SymPy, JAX) are imported inside commands, so `--help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from derive.registry import ACTIVATIONS, CONCRETE_LOSSES, GENERIC, NUMERIC_STAND_IN

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click errors: "Error: Invalid value for '--points' …", exit 2
    help="Check backpropagation derivations three independent ways: SymPy, hand-written NumPy, jax.grad.",
)

Activation = Annotated[
    str,
    typer.Option(
        "--activation",
        "-a",
        help=f"Activation f: {', '.join(ACTIVATIONS)}.",
    ),
]
Loss = Annotated[
    str,
    typer.Option(
        "--loss",
        "-l",
        help=f"Loss: {', '.join(CONCRETE_LOSSES)}, or {GENERIC} (symbolic; numbers use {NUMERIC_STAND_IN}).",
    ),
]
Sizes = Annotated[
    str, typer.Option("--sizes", help="Layer widths, first to last, e.g. 4,3 (the seed) or 8,16,16,4.")
]
Batch = Annotated[int, typer.Option("--batch", "-B", help="Examples per mini-batch (columns).")]
Reduction = Annotated[str, typer.Option("--reduction", help="Loss over a batch: mean (1/B) or sum.")]
_PARAMETERS = [(name, a.parameter) for name, a in ACTIVATIONS.items() if a.parameter is not None]
Slope = Annotated[
    str,
    typer.Option(
        "--slope",
        help="; ".join(f"{n}'s {p.symbol}, {p.meaning}" for n, p in _PARAMETERS) + ", e.g. 0.01 or 1/100.",
    ),
]
PointsOpt = Annotated[int, typer.Option("--points", "-n", help="Number of sample points.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of numpy.random.default_rng.")]
Kinks = Annotated[
    bool,
    typer.Option(
        "--include-kinks",
        help=f"Put inputs exactly on {'/'.join(n for n, a in ACTIVATIONS.items() if a.kinks)}'s kink; "
        "report conventions.",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]
Dtype = Annotated[str, typer.Option("--dtype", help="Floating point of every witness: float64 or float32.")]
Latex = Annotated[bool, typer.Option("--latex", help="Print LaTeX instead of text.")]


@contextmanager
def _input_errors() -> Iterator[None]:
    """Bad input becomes one line on stderr and exit 2 — never a traceback."""
    from derive.errors import InputError

    try:
        yield
    except InputError as e:
        typer.echo(f"derivcheck: error: {e}", err=True)
        raise typer.Exit(2) from None


def _network(
    sizes: str, activation: str, loss: str, batch: int = 1, reduction: str = "mean", slope: str = "0.01"
):
    from derive import Network, parse_sizes, parse_slope

    return Network(parse_sizes(sizes), activation, loss, batch, reduction, parse_slope(slope))


def _verify(network, points: int, seed: int, include_kinks: bool, dtype: str = "float64"):
    from reports.progress import progress_bar
    from verify import verify as run_verify

    with progress_bar() as progress:
        return run_verify(network, points, seed, include_kinks=include_kinks, dtype=dtype, progress=progress)


NETWORK_OPTIONS = ("activation", "loss", "sizes", "batch", "reduction", "slope")


def _options(**given: object) -> dict:
    """The network options given on the command line (None: not given), parsed."""
    from derive import parse_sizes, parse_slope

    options = {k: v for k, v in given.items() if v is not None}
    if "sizes" in options:
        options["sizes"] = parse_sizes(options["sizes"])
    if "slope" in options:
        options["slope"] = parse_slope(options["slope"])
    return options


def _check(file: Path, options: dict, points: int, seed: int):
    from verify.claim_check import check_document

    from derive.claims_file import load
    from verify.sampling import check_size

    document = load(file, options)
    check_size(document.network.numeric, points)
    return check_document(document, points, seed)


@app.command()
def verify(
    activation: Activation = "sigmoid",
    loss: Loss = "mse",
    sizes: Sizes = "4,3",
    batch: Batch = 1,
    reduction: Reduction = "mean",
    slope: Slope = "0.01",
    points: PointsOpt = 1000,
    seed: Seed = 0,
    include_kinks: Kinks = False,
    dtype: Dtype = "float64",
    json: Json = False,
) -> None:
    """Prove the seed's identities with SymPy and check them numerically against NumPy and jax.grad."""
    with _input_errors():
        network = _network(sizes, activation, loss, batch, reduction, slope)
        run = _verify(network, points, seed, include_kinks, dtype)
    if json:
        from reports.json_report import render_json

        typer.echo(render_json(run))
    else:
        from reports.terminal import render_verify

        typer.echo(render_verify(run), nl=False)
    raise typer.Exit(0 if run.passed else 1)


@app.command()
def derive(
    activation: Activation = "sigmoid",
    loss: Loss = "mse",
    sizes: Sizes = "4,3",
    batch: Batch = 1,
    reduction: Reduction = "mean",
    slope: Slope = "0.01",
    latex: Latex = False,
) -> None:
    """Print the symbolic derivation: each identity entry-wise, SymPy's matrices, the proofs."""
    with _input_errors():
        network = _network(sizes, activation, loss, batch, reduction, slope)
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
    ctx: typer.Context,  # which options were given: they win over a claims file's [network]
    activation: Activation = "sigmoid",
    loss: Loss = "mse",
    sizes: Sizes = "4,3",
    batch: Batch = 1,
    reduction: Reduction = "mean",
    slope: Slope = "0.01",
    points: PointsOpt = 1000,
    seed: Seed = 0,
    include_kinks: Kinks = False,
    dtype: Dtype = "float64",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("derivcheck-report"),
    lang: Annotated[str, typer.Option("--lang", help="Report language: en or ko.")] = "en",
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Write the .tex only.")] = False,
    claims: Annotated[
        Path | None,
        typer.Option(
            "--claims", help="Also check the claims in this document or claims file, and report them."
        ),
    ] = None,
) -> None:
    """Verify, then write a LaTeX report (report.tex, figures/, report.pdf when TeX is installed)."""
    with _input_errors():
        from reports.i18n import strings
        from reports.latex import report_date
        from reports.output import prepare_folder
        from verify.sampling import check_dtype

        strings(lang)  # validate before the work
        check_dtype(dtype)
        report_date()  # SOURCE_DATE_EPOCH, read by matplotlib too
        checked = None
        if claims is not None:
            given = {
                name: ctx.params[name]
                for name in NETWORK_OPTIONS
                if ctx.get_parameter_source(name).name == "COMMANDLINE"
            }
            checked = _check(claims, _options(**given), points, seed)
            network = checked.network
        else:
            network = _network(sizes, activation, loss, batch, reduction, slope)
        folder = prepare_folder(out)
        run = _verify(network, points, seed, include_kinks, dtype)
        from reports.figures import agreement_figure, ulp_figure
        from reports.latex import ReportInput, render_report
        from reports.output import LatexError, compile_pdf, missing_tex, write_atomically

        figure = agreement_figure(run, folder / "figures" / "agreement.pdf")
        ulps = ulp_figure(run, folder / "figures" / "ulp.pdf")
        relative = {p: p.relative_to(folder).as_posix() if p else None for p in (figure, ulps)}
        tex_text = render_report(ReportInput(run, lang, relative[figure], relative[ulps], checked))
        tex_path = write_atomically(folder / "report.tex", tex_text)
    written = [tex_path, figure, *([ulps] if ulps else [])]
    if not no_pdf:
        hint = missing_tex(lang)
        if hint:
            typer.echo(f"derivcheck: {hint}", err=True)
        else:
            try:
                written.append(compile_pdf(folder))
            except LatexError as e:
                typer.echo(f"derivcheck: error: {e}", err=True)
                raise typer.Exit(2) from None
    from reports.terminal import render_verify

    typer.echo(render_verify(run), nl=False)
    if checked is not None:
        from reports.claims_terminal import render_check

        typer.echo(render_check(checked), nl=False)
    typer.echo("wrote: " + ", ".join(str(p) for p in written))
    if checked is not None and checked.exit_code != 0:
        raise typer.Exit(checked.exit_code)
    raise typer.Exit(0 if run.passed else 1)


ClaimsFile = Annotated[
    Path,
    typer.Argument(
        help="A Markdown or LaTeX document (every \\frac{\\partial L}{\\partial X} = … is a claim) "
        "or a TOML claims file.",
        show_default=False,
    ),
]


@app.command()
def check(
    file: ClaimsFile,
    activation: Annotated[str | None, Activation.__metadata__[0]] = None,
    loss: Annotated[str | None, Loss.__metadata__[0]] = None,
    sizes: Annotated[str | None, Sizes.__metadata__[0]] = None,
    batch: Annotated[int | None, Batch.__metadata__[0]] = None,
    reduction: Annotated[str | None, Reduction.__metadata__[0]] = None,
    slope: Annotated[str | None, Slope.__metadata__[0]] = None,
    points: PointsOpt = 1000,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """Check your own derivation: every gradient claim in FILE, proved or refuted, with the likely slip.

    Options given here win over a claims file's [network] table; the defaults are the seed's
    network (4,3, sigmoid, mse).
    """
    with _input_errors():
        options = _options(
            activation=activation, loss=loss, sizes=sizes, batch=batch, reduction=reduction, slope=slope
        )
        run = _check(file, options, points, seed)
    if json:
        from reports.claims_json import render_check_json

        typer.echo(render_check_json(run))
    else:
        from reports.claims_terminal import render_check

        typer.echo(render_check(run), nl=False)
    raise typer.Exit(run.exit_code)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
