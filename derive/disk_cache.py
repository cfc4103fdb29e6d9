"""The disk cache: work a rerun need not redo, kept between processes.

A student reruns `derivcheck check notes.md` after each edit; most of what a cold run computes
besides the imports is the same each time. Three kinds of it are kept on disk:

- `jax/`: JAX's persistent compilation cache (the oracle's XLA executables), keyed and checked by
  JAX itself (its key covers the program, the JAX and XLA versions, the device and the flags);
- `lalr/`: the LALR tables lark builds from our grammars (`lark_parser`);
- `proof/`: SymPy's proofs of claims (`verify/verdict.py`'s `timed_prove`, in the format of
  `derive/proof_json.py`), except a time limit reached: that depends on the machine's speed.

Location: `$DERIVCHECK_CACHE_DIR` when it is set — set and empty, `DERIVCHECK_CACHE_DIR=`, turns
the cache off — else `$XDG_CACHE_HOME/derivcheck`, else `~/.cache/derivcheck`. The folder is
made user-private (0700), its files 0600.

Key: an entry's file is named by the SHA-256 of its kind, its content (the caller's `repr` of
everything the result depends on: the claim, the setting, the options) and `fingerprint()`:
derivcheck's version, Python's, SymPy's and lark's, and a hash of the source of `derive/` and
`verify/` (every .py and .lark file), so editing any of them — `derive/proof.py` say — makes
every earlier entry unreachable. The file holds the content too, and an entry whose content
differs from the one asked for is not used.

Invalidation: only by the key; nothing expires. Entries of an older fingerprint are never read
again; deleting the folder at any time is safe (it only costs the next run the time it saved).

Failure: an absent, unwritable or full folder, a truncated or corrupt entry, a concurrent writer
— any of them means "no cache" for that entry, silently, never an error or a wrong answer.
Writes go to a temporary file renamed into place (`os.replace`), so a reader sees a whole entry
or none. Entries are JSON read by `json.loads`: nothing read from the cache can run code (no
pickle; lark's tables are rebuilt by lark's own deserializer from plain data).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

ENV = "DERIVCHECK_CACHE_DIR"
_SOURCES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "verify")
_TAGS = ("§d", "§t")  # JSON objects that stand for a dict with non-string keys, and a tuple


def location() -> Path | None:
    """Where the cache lives, by the environment; None when it is turned off."""
    given = os.environ.get(ENV)
    xdg = os.environ.get("XDG_CACHE_HOME")
    try:
        if given is not None:
            return Path(given).expanduser() if given else None
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    except (RuntimeError, KeyError, OSError):  # no home folder to find ~ in
        return None
    return base / "derivcheck"


def folder(kind: str) -> Path | None:
    """The folder of one kind of entry, created user-private; None when there is no usable one."""
    root = location()
    if root is None:
        return None
    path = root / kind
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            return None
    except OSError:
        return None
    return path


@cache
def fingerprint() -> str:
    """What every entry was computed by: the versions and a hash of derive/'s and verify/'s source."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for name in ("derivcheck", "sympy", "lark"):
        try:
            digest.update(f"{name} {version(name)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{name} none\n".encode())
    digest.update(f"python {sys.version}\n".encode())
    for source in _SOURCES:
        for path in sorted(source.rglob("*")):
            if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
                try:
                    digest.update(f"{path.relative_to(source.parent)}\n".encode())
                    digest.update(path.read_bytes())
                except OSError:
                    digest.update(b"unreadable\n")
    return digest.hexdigest()


def _path(kind: str, content: str) -> Path | None:
    where = folder(kind)
    if where is None:
        return None
    name = hashlib.sha256(f"{kind}\n{fingerprint()}\n{content}".encode()).hexdigest()
    return where / f"{name}.json"


def _encode(value: Any) -> Any:
    """`value` as JSON data that `_decode` turns back into an equal value (dicts with non-string
    keys and tuples tagged); TypeError for anything else."""
    if isinstance(value, dict):
        if all(isinstance(k, str) and k not in _TAGS for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"§d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"§t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _decode(obj: dict) -> Any:
    if len(obj) == 1:
        if "§t" in obj:
            return tuple(obj["§t"])
        if "§d" in obj:
            return {_hashable(k): v for k, v in obj["§d"]}
    return obj


def load(kind: str, content: str) -> Any | None:
    """The value stored for `content`, or None: none stored, cache off, or an entry unreadable."""
    path = _path(kind, content)
    if path is None:
        return None
    try:
        entry = json.loads(path.read_bytes(), object_hook=_decode)
        if isinstance(entry, dict) and entry.get("content") == content:
            return entry["value"]
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        pass
    return None


def store(kind: str, content: str, value: Any) -> None:
    """Keep `value` (JSON data, tuples and int-keyed dicts allowed) for `content`; never raises."""
    path = _path(kind, content)
    if path is None:
        return
    try:
        text = json.dumps({"content": content, "value": _encode(value)}, separators=(",", ":"))
        if json.loads(text, object_hook=_decode)["value"] != value:
            return  # a value JSON cannot hold exactly (a float's type, a set): not kept
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, ValueError, TypeError, RecursionError):
        pass


def lark_parser(grammar: str, **options: Any):
    """`Lark(grammar, **options)`, its tables read from the cache when an earlier run built them
    (building the LaTeX grammar's LALR tables takes a tenth of a second, reading them 25 ms)."""
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    content = repr((grammar, sorted(options.items())))
    data = load("lalr", content)
    if data is not None:
        try:
            return Lark._load_from_dict(data["data"], data["memo"])  # lark's own deserializer
        except Exception:
            pass
    parser = Lark(grammar, **options)
    try:
        tables, memo = parser.memo_serialize([TerminalDef, Rule])
    except Exception:
        return parser
    store("lalr", content, {"data": tables, "memo": memo})
    return parser


def use_for_jax(config: Any) -> None:
    """Point JAX's persistent compilation cache at `jax/` (when there is a usable folder), for
    every program however fast it compiled (the oracle's take 0.1 s each). JAX reports a failed
    read or write as a warning and compiles instead; those warnings are silenced."""
    where = folder("jax")
    if where is None:
        return
    config.update("jax_compilation_cache_dir", str(where))
    config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    warnings.filterwarnings("ignore", message="Error (reading|writing) persistent compilation cache")
