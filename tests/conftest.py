import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from derive import ACTIVATIONS, LOSSES

sys.path.insert(0, str(Path(__file__).parent))  # tests/run_fixtures.py: Runs built by hand

# the disk cache (derive/disk_cache.py) of this session — and of every derivcheck it starts, which
# inherit the environment — in a folder of its own: the user's real cache is neither read nor
# written, and a test sees no entry of an earlier session
_CACHE = tempfile.mkdtemp(prefix="derivcheck-test-cache-")
os.environ["DERIVCHECK_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    """Each test starts with an empty cache of its own, as a new user would: a test that patches
    `prove` and empties the in-memory proofs must not be answered by an earlier test's proof on
    disk. (JAX's compilation cache is configured once per process and stays shared: JAX keys it.)"""
    folder = tempfile.mkdtemp(prefix="test-", dir=_CACHE)
    monkeypatch.setenv("DERIVCHECK_CACHE_DIR", folder)


ALL_PAIRS = [(act, loss) for act in ACTIVATIONS for loss in LOSSES]
# the fast default: every activation with mse, every loss with tanh (the full sweep is marked slow)
FAST_PAIRS = [(act, "mse") for act in ACTIVATIONS] + [("tanh", loss) for loss in LOSSES if loss != "mse"]


@pytest.fixture(params=FAST_PAIRS, ids=[f"{act}-{loss}" for act, loss in FAST_PAIRS])
def pair(request):
    """Every registered activation and every registered loss, each at least once."""
    return request.param
