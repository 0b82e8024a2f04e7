import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def seed():
    """Every test starts from the same Python, NumPy and backend seeds."""
    keras.utils.set_random_seed(0)
    return 0


def pytest_collection_modifyitems(items):
    """Tests marked `long` run first, the longest first.

    With `-n 2` each worker takes the next test as it finishes one; started
    last, a test of a minute or more leaves the other worker idle to the end.
    """

    def seconds(item):
        marker = item.get_closest_marker("long")
        return marker.kwargs["seconds"] if marker else 0

    items.sort(key=seconds, reverse=True)  # stable: the rest keep their order
