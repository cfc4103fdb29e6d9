import pytest

from derive import ACTIVATIONS, LOSSES

PAIRS = [(act, loss) for act in ACTIVATIONS for loss in LOSSES]


@pytest.fixture(params=PAIRS, ids=[f"{act}-{loss}" for act, loss in PAIRS])
def pair(request):
    """Every registered activation × loss."""
    return request.param
