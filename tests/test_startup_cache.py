"""The disk cache (derive/disk_cache.py) and the CLI's direct path: what a rerun reads instead of
computing, and that nothing read from a stale, corrupt or missing cache changes an answer.

Every assertion is on what was computed or read (a builder patched to raise, JAX's own cache
events, the output), never on time: timing lives in benchmarks/startup.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from derive import disk_cache
from derive.proof import Method, Status

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from reports.cli import main; sys.argv[0] = 'derivcheck'; main()"
LATEX = files("derive").joinpath("grammars", "latex.lark").read_text(encoding="utf-8")
OPTIONS = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False}
CLAIM = r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^T"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(disk_cache.ENV, str(folder))
    return folder


def _derivcheck(args: list[str], cache_dir: str | Path, prelude: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, disk_cache.ENV: str(cache_dir)}
    return subprocess.run(
        [sys.executable, "-c", prelude + CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


# --- where ------------------------------------------------------------------------------------
def test_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(disk_cache.ENV, str(tmp_path / "mine"))
    assert disk_cache.location() == tmp_path / "mine"
    monkeypatch.setenv(disk_cache.ENV, "")
    assert disk_cache.location() is None  # set and empty: no cache
    assert disk_cache.folder("proof") is None
    monkeypatch.delenv(disk_cache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert disk_cache.location() == tmp_path / "xdg" / "derivcheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert disk_cache.location() == tmp_path / "home" / ".cache" / "derivcheck"


def test_no_home_folder_means_no_cache(monkeypatch):
    def homeless(*args):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(disk_cache.ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", homeless)
    assert disk_cache.location() is None
    monkeypatch.setenv(disk_cache.ENV, "~/cache")
    monkeypatch.setattr(Path, "expanduser", homeless)
    assert disk_cache.folder("proof") is None
    disk_cache.store("proof", "claim A", {"x": 1})  # no error


def test_the_folder_is_user_private(cache):
    folder = disk_cache.folder("proof")
    assert folder is not None
    assert (cache.stat().st_mode & 0o777, folder.stat().st_mode & 0o777) == (0o700, 0o700)


def test_the_suite_does_not_use_the_users_cache():
    """conftest.py points every test, and every derivcheck a test starts, at a folder of its own."""
    given = os.environ.get(disk_cache.ENV)
    assert given and Path(given).parent.name.startswith("derivcheck-test-cache-")
    assert not list(Path(given).iterdir())  # and a test's own, empty


# --- entries ----------------------------------------------------------------------------------
VALUE = {"status": "proved", "entries": 12, "pair": (1, 2), "by_int": {3: ("a", None)}, "x": 0.5}


def test_an_entry_is_read_back_as_written(cache):
    assert disk_cache.load("proof", "claim A") is None
    disk_cache.store("proof", "claim A", VALUE)
    assert disk_cache.load("proof", "claim A") == VALUE
    assert disk_cache.load("proof", "claim B") is None
    (entry,) = (cache / "proof").iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600


def test_an_entry_of_another_fingerprint_is_not_used(cache, monkeypatch):
    """Editing derive/ or verify/ (or another SymPy) changes the fingerprint: the old entry is unseen."""
    disk_cache.store("proof", "claim A", VALUE)
    monkeypatch.setattr(disk_cache, "fingerprint", lambda: "another derivcheck")
    assert disk_cache.load("proof", "claim A") is None


def test_the_fingerprint_covers_the_source(tmp_path, monkeypatch):
    source = tmp_path / "derive"
    source.mkdir()
    (source / "proof.py").write_text("PROBES = 8\n")
    monkeypatch.setattr(disk_cache, "_SOURCES", (source,))
    disk_cache.fingerprint.cache_clear()
    try:
        before = disk_cache.fingerprint()
        (source / "proof.py").write_text("PROBES = 9\n")
        disk_cache.fingerprint.cache_clear()
        assert disk_cache.fingerprint() != before
    finally:
        disk_cache.fingerprint.cache_clear()


def test_an_entry_holding_other_content_is_not_used(cache):
    """The file names a hash; the content inside decides (a collision, a file copied over)."""
    disk_cache.store("proof", "claim A", VALUE)
    (entry,) = (cache / "proof").iterdir()
    data = json.loads(entry.read_text())
    data["content"] = "claim B"
    entry.write_text(json.dumps(data))
    assert disk_cache.load("proof", "claim A") is None


@pytest.mark.parametrize("damage", ["", "{", '{"content": "claim A"}', "[1, 2]", "\x00\xff"])
def test_a_corrupt_or_truncated_entry_is_ignored_and_replaced(cache, damage):
    disk_cache.store("proof", "claim A", VALUE)
    (entry,) = (cache / "proof").iterdir()
    entry.write_text(damage, encoding="latin-1")
    assert disk_cache.load("proof", "claim A") is None
    disk_cache.store("proof", "claim A", VALUE)
    assert disk_cache.load("proof", "claim A") == VALUE


def test_an_unusable_folder_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(disk_cache.ENV, str(blocker / "cache"))
    disk_cache.store("proof", "claim A", VALUE)  # no error
    assert disk_cache.load("proof", "claim A") is None


def test_a_value_json_cannot_hold_is_not_kept(cache):
    disk_cache.store("proof", "claim A", {"a set": {1, 2}})
    assert disk_cache.load("proof", "claim A") is None
    assert not list((cache / "proof").iterdir())


# --- lark's tables ----------------------------------------------------------------------------
def test_lark_tables_are_read_back_not_rebuilt(cache, monkeypatch):
    from lark.parsers import lalr_analysis

    built = disk_cache.lark_parser(LATEX, **OPTIONS)

    def no_building(*args, **kwargs):
        raise AssertionError("the LALR tables were built again")

    monkeypatch.setattr(lalr_analysis.LALR_Analyzer, "compute_lalr", no_building)
    read = disk_cache.lark_parser(LATEX, **OPTIONS)
    assert read is not built
    assert read.parse(CLAIM) == built.parse(CLAIM)
    assert read.options.propagate_positions and read.options.parser == "lalr"
    with pytest.raises(AssertionError, match="built again"):  # the patch bites without the cache
        disk_cache.lark_parser(LATEX + "\n// another grammar\n", **OPTIONS)


def test_a_corrupt_lark_entry_is_rebuilt(cache):
    disk_cache.lark_parser(LATEX, **OPTIONS)
    (entry,) = (cache / "lalr").iterdir()
    data = json.loads(entry.read_text())
    data["value"]["data"] = {"not": "lark's tables"}
    entry.write_text(json.dumps(data))
    parser = disk_cache.lark_parser(LATEX, **OPTIONS)
    assert parser.parse(CLAIM).data


def test_lark_without_a_cache(monkeypatch):
    monkeypatch.setenv(disk_cache.ENV, "")
    assert disk_cache.lark_parser(LATEX, **OPTIONS).parse(CLAIM).data


# --- JAX's compilation cache, and whole runs --------------------------------------------------
JAX_EVENTS = (
    "import jax.monitoring, atexit, sys; events = []; "
    "jax.monitoring.register_event_listener(lambda name, **kw: events.append(name)); "
    "atexit.register(lambda: print('hits', events.count('/jax/compilation_cache/cache_hits'), "
    "'misses', events.count('/jax/compilation_cache/cache_misses'), file=sys.stderr)); "
)


def _events(stderr: str) -> tuple[int, int]:
    line = next(line for line in stderr.splitlines() if line.startswith("hits "))
    _, hits, _, misses = line.split()
    return int(hits), int(misses)


def test_a_rerun_reads_the_compiled_oracle(tmp_path):
    first = _derivcheck(["verify"], tmp_path / "cache", JAX_EVENTS)
    assert first.returncode == 0, first.stderr
    hits, misses = _events(first.stderr)
    assert hits == 0 and misses > 0
    assert list((tmp_path / "cache" / "jax").iterdir())
    second = _derivcheck(["verify"], tmp_path / "cache", JAX_EVENTS)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert _events(second.stderr) == (misses, 0)  # every program read, none compiled


def test_damaged_compiled_programs_are_compiled_again(tmp_path):
    """JAX writes its entries in place: a reader may find one half written (or a disk's error)."""
    first = _derivcheck(["verify"], tmp_path / "cache", JAX_EVENTS)
    entries = list((tmp_path / "cache" / "jax").iterdir())
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    second = _derivcheck(["verify"], tmp_path / "cache", JAX_EVENTS)
    assert (second.returncode, second.stdout) == (0, first.stdout)
    assert second.stderr.startswith("hits ") and len(second.stderr.splitlines()) == 1  # no warning


def test_without_a_usable_folder_a_run_is_the_same(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cached = _derivcheck(["check", "examples/seed-notes.md"], tmp_path / "cache")
    for where in (blocker / "cache", ""):
        run = _derivcheck(["check", "examples/seed-notes.md"], where, JAX_EVENTS)
        assert (run.returncode, run.stdout) == (0, cached.stdout)
        assert _events(run.stderr) == (0, 0)  # JAX's cache off
        assert run.stderr.startswith("hits ")  # nothing else on stderr: no warning, no traceback


# --- the CLI's direct path --------------------------------------------------------------------
PYDANTIC = "import atexit, sys; atexit.register(lambda: print('pydantic' in sys.modules, file=sys.stderr)); "


@pytest.mark.parametrize(
    "direct, through_typer",
    [
        (["check", "examples/seed-notes.md"], ["check", "examples/seed-notes.md", "--seed", "0"]),
        (["check", "examples/mistakes.md"], ["check", "examples/mistakes.md", "--points", "1000"]),
        (["check", "no-such-notes.md"], ["check", "no-such-notes.md", "--seed", "0"]),
    ],
)
def test_the_direct_path_answers_as_typer_does(tmp_path, direct, through_typer):
    fast = _derivcheck(direct, tmp_path / "cache", PYDANTIC)
    slow = _derivcheck(through_typer, tmp_path / "cache", PYDANTIC)
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
    assert fast.stderr.replace("False\n", "") == slow.stderr.replace("True\n", "")
    assert fast.stderr.endswith("False\n") and slow.stderr.endswith("True\n")  # typer's parser: pydantic


# --- SymPy's proofs ---------------------------------------------------------------------------
def _seed_proofs(network=None) -> list:
    from derive import Network
    from derive.claims import builtin_claims
    from verify.verdict import prepare

    network = network or Network()
    return [prepare(claim, network) for claim in builtin_claims(network)]


def _no_proving(monkeypatch):
    from verify import verdict

    def refuse(*args, **kwargs):
        raise AssertionError("SymPy was asked to prove again")

    monkeypatch.setattr(verdict, "prove", refuse)
    monkeypatch.setattr(verdict, "_PROOFS", {})  # a new process: nothing proved in memory


def test_a_kept_proof_is_read_back_equal(cache, monkeypatch):
    from verify import verdict

    monkeypatch.setattr(verdict, "_PROOFS", {})
    proved = _seed_proofs()
    assert len(list((cache / "proof").iterdir())) == len(verdict._PROOFS) > 0
    _no_proving(monkeypatch)
    read = _seed_proofs()
    assert [(p.generic, p.concrete) for p in read] == [(p.generic, p.concrete) for p in proved]
    assert all(p.generic.derived is not None for p in read)
    assert all(type(p.generic.status) is Status and type(p.generic.method) is Method for p in read)


def test_a_proof_of_another_fingerprint_is_proved_again(cache, monkeypatch):
    from verify import verdict

    monkeypatch.setattr(verdict, "_PROOFS", {})
    _seed_proofs()
    monkeypatch.setattr(disk_cache, "fingerprint", lambda: "derive/proof.py edited")
    _no_proving(monkeypatch)
    with pytest.raises(AssertionError, match="prove again"):
        _seed_proofs()


@pytest.mark.parametrize(
    "nodes",
    [
        [["a", "__import__", []]],  # not a SymPy class: refused, never called
        [["a", "sympify", []]],  # a SymPy function, not a class
        [["a", "Add", [7]]],  # an argument that is no earlier node
        [["g", ["layer", 99, 0], []]],  # a layer the setting does not have
        [["s", "x", {"real": "yes"}]],
        "not a list",
    ],
)
def test_a_forged_or_damaged_proof_entry_is_proved_again(cache, monkeypatch, nodes):
    from verify import verdict

    monkeypatch.setattr(verdict, "_PROOFS", {})
    proved = _seed_proofs()
    for entry in (cache / "proof").iterdir():
        data = json.loads(entry.read_text())
        data["value"]["nodes"] = nodes
        entry.write_text(json.dumps(data))
    monkeypatch.setattr(verdict, "_PROOFS", {})
    again = _seed_proofs()  # proved afresh, the same
    assert [(p.generic, p.concrete) for p in again] == [(p.generic, p.concrete) for p in proved]


def test_a_time_limit_reached_is_not_kept(cache, monkeypatch):
    from verify import verdict
    from verify.time_limit import ProofTimeout

    def slow(*args, **kwargs):
        raise ProofTimeout

    monkeypatch.setattr(verdict, "_PROOFS", {})
    monkeypatch.setattr(verdict, "prove", slow)
    (first, *_) = _seed_proofs()
    assert first.generic.method == "time limit"
    assert not (cache / "proof").exists() or not list((cache / "proof").iterdir())


def test_no_proof_is_kept_with_the_cache_off(monkeypatch, tmp_path):
    from verify import verdict

    monkeypatch.setenv(disk_cache.ENV, "")
    monkeypatch.setattr(verdict, "_PROOFS", {})
    assert _seed_proofs()[0].generic.status == "proved"
    assert not list(tmp_path.iterdir())


def test_every_pair_s_proofs_are_written_and_read_back(pair, monkeypatch):
    from derive import Network, proof_json
    from verify import verdict

    monkeypatch.setattr(verdict, "_PROOFS", {})
    activation, loss = pair
    _seed_proofs(Network(activation=activation, loss=loss))
    for (identity, setting, _), proof in verdict._PROOFS.items():
        read = proof_json.from_data(proof_json.to_data(proof), identity, setting)
        assert read == proof and proof_json._same(read, proof)  # the fields' types too


def test_a_rerun_in_a_new_process_proves_nothing(tmp_path):
    first = _derivcheck(["check", "examples/seed-notes.md"], tmp_path / "cache")
    assert first.returncode == 0, first.stderr
    refuse = (
        "import verify.verdict as v; "
        "v.prove = lambda *a, **k: (_ for _ in ()).throw(AssertionError('proved again')); "
    )
    second = _derivcheck(["check", "examples/seed-notes.md"], tmp_path / "cache", refuse)
    assert (second.returncode, second.stdout, second.stderr) == (0, first.stdout, "")
    empty = _derivcheck(["check", "examples/seed-notes.md"], tmp_path / "empty", refuse)
    assert empty.returncode != 0 and "proved again" in empty.stderr  # the patch bites without the cache


def test_a_report_from_kept_proofs_is_the_same_report(tmp_path):
    """The LaTeX report shows the proofs' matrices and counterexamples: from the disk it is
    byte for byte the report SymPy's fresh proofs give (mistakes.md: refuted claims too)."""
    args = ["report", "--no-pdf", "--claims", "examples/mistakes.md", "--out"]
    first = _derivcheck([*args, str(tmp_path / "fresh")], tmp_path / "cache")
    assert first.returncode == 1, first.stderr  # the notes' mistakes
    refuse = (
        "import verify.verdict as v; "
        "v.prove = lambda *a, **k: (_ for _ in ()).throw(AssertionError('proved again')); "
    )
    second = _derivcheck([*args, str(tmp_path / "kept")], tmp_path / "cache", refuse)
    assert second.returncode == 1, second.stderr
    fresh = (tmp_path / "fresh" / "report.tex").read_bytes()
    assert (tmp_path / "kept" / "report.tex").read_bytes() == fresh
    assert b"Counterexample" in fresh or b"counterexample" in fresh
