"""The cases from the field (tests/cases/, copied from ../shared/cases/): every verdict of
expected.toml, as `derivcheck check` gives it. A miss the project knows of is listed in
`KNOWN_GAPS` with its reason and marked xfail(strict): when it starts to pass, the list must shrink.

Verdict kinds as in expected.toml: "proved", "wrong" (refuted or a shape error; a line holding a
chain is wrong when one of its links is), "convention" (depends on convention).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from derive.claims_file import load
from reports.cli import given_options
from verify import Verdict, check_document

CASES = Path(__file__).parent / "cases"
EXPECTED = tomllib.loads((CASES / "expected.toml").read_text(encoding="utf-8"))["case"]
POINTS = 200

KIND = {
    Verdict.PROVED: "proved",
    Verdict.REFUTED: "wrong",
    Verdict.SHAPE_ERROR: "wrong",
    Verdict.CONVENTION: "convention",
}
# (file, options, line or claim number) → why it is not read yet
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


def _expectations() -> list:
    out = []
    for case in EXPECTED:
        options = " ".join(case.get("options", []))
        items = (
            [(f"line {n}", want) for n, want in case["lines"].items()]
            if "lines" in case
            else [(f"claim {k}", want) for k, want in enumerate(case["claims"], start=1)]
        )
        for where, want in items:
            key = (case["file"], options, where)
            marks = [pytest.mark.xfail(reason=KNOWN_GAPS[key], strict=True)] if key in KNOWN_GAPS else []
            out.append(pytest.param(case["file"], tuple(case.get("options", [])), where, want, marks=marks,
                                    id=f"{case['file']} {options} {where}".replace("  ", " ")))  # fmt: skip
    return out


_RUNS: dict[tuple[str, tuple[str, ...]], list] = {}


def _claims(file: str, options: tuple[str, ...]) -> list:
    """The claim results of one case (each file and option set checked once)."""
    key = (file, options)
    if key not in _RUNS:
        pairs = zip(options[::2], options[1::2], strict=True)
        given = given_options(**{name.removeprefix("--"): value for name, value in pairs})
        run = check_document(load(CASES / file, given), points=POINTS, seed=0)
        _RUNS[key] = list(run.claims)
    return _RUNS[key]


def _kind(verdicts: list[Verdict]) -> str:
    kinds = [KIND.get(v, str(v)) for v in verdicts]
    if "wrong" in kinds:
        return "wrong"
    if kinds and all(k == "proved" for k in kinds):
        return "proved"
    return next((k for k in kinds if k != "proved"), "not found")


@pytest.mark.parametrize(("file", "options", "where", "want"), _expectations())
def test_field_case_verdict(file, options, where, want):
    results = _claims(file, options)
    what, number = where.split()
    if what == "line":
        got = _kind([r.verdict for r in results if r.claim.line == int(number)])
    else:
        got = _kind([results[int(number) - 1].verdict]) if int(number) <= len(results) else "not found"
    assert got == want, f"{file} {' '.join(options)} {where}: want {want}, got {got}"
