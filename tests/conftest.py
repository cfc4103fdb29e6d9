import sys
from pathlib import Path

import pytest

from derive import ACTIVATIONS, LOSSES

sys.path.insert(0, str(Path(__file__).parent))  # tests/run_fixtures.py: Runs built by hand

ALL_PAIRS = [(act, loss) for act in ACTIVATIONS for loss in LOSSES]
# the fast default: every activation with mse, every loss with tanh (the full sweep is marked slow)
FAST_PAIRS = [(act, "mse") for act in ACTIVATIONS] + [("tanh", loss) for loss in LOSSES if loss != "mse"]


@pytest.fixture(params=FAST_PAIRS, ids=[f"{act}-{loss}" for act, loss in FAST_PAIRS])
def pair(request):
    """Every registered activation and every registered loss, each at least once."""
    return request.param
