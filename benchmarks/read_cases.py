"""How well derivcheck reads real notes: `derivcheck check --json` over a folder of cases with
their right verdicts (an `expected.toml` as in tests/cases/), counted as correct, wrong (a
verdict that is not the right one: the harmful kind) and refused (unparsed, or no verdict).

    .venv/bin/python -m benchmarks.read_cases [FOLDER]     (default: tests/cases)

Verdict kinds as in expected.toml: "proved"; "wrong" = refuted or shape error (a line holding a
chain is wrong when one of its links is); "convention" = depends on convention.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {
    "proved": "proved",
    "refuted": "wrong",
    "shape-error": "wrong",
    "depends on convention": "convention",
}


def line_kind(verdicts: list[str]) -> str:
    kinds = [KINDS.get(v, "refused") for v in verdicts]
    if "wrong" in kinds:
        return "wrong"
    if kinds and all(k == "proved" for k in kinds):
        return "proved"
    return next((k for k in kinds if k != "proved"), "refused")


def run_case(folder: Path, case: dict) -> list[tuple[str, str, str]]:
    """(where, right kind, got kind) for every expectation of one case."""
    entry = "from reports.cli import main; main()"
    command = [sys.executable, "-c", entry, "check", str(folder / case["file"]), "--json"]
    done = subprocess.run([*command, *case.get("options", [])], capture_output=True, text=True, cwd=ROOT)
    try:
        claims = json.loads(done.stdout)["claims"]
    except (json.JSONDecodeError, KeyError):
        claims = []
    if "lines" in case:
        found: dict[int, list[str]] = {}
        for c in claims:
            found.setdefault(c["line"], []).append(c["verdict"])
        return [(f"line {n}", want, line_kind(found.get(int(n), []))) for n, want in case["lines"].items()]
    return [
        (f"claim {k}", want, line_kind([claims[k - 1]["verdict"]] if k <= len(claims) else []))
        for k, want in enumerate(case["claims"], start=1)
    ]


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "cases"
    cases = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))["case"]
    counts: Counter[str] = Counter()
    start = time.perf_counter()
    for case in cases:
        for where, want, got in run_case(folder, case):
            outcome = "correct" if got == want else "refused" if got == "refused" else "wrong"
            counts[outcome] += 1
            if outcome != "correct":
                options = " ".join(case.get("options", []))
                print(
                    f"{outcome:>8}: {case['file']} {options} {where}: want {want}, got {got}".replace(
                        "  ", " "
                    )
                )
    total = sum(counts.values())
    seconds = time.perf_counter() - start
    print(
        f"{total} verdicts in {len(cases)} cases: {counts['correct']} correct, {counts['wrong']} wrong, "
        f"{counts['refused']} refused ({seconds:.0f} s)"
    )


if __name__ == "__main__":
    main()
