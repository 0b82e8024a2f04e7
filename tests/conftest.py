import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def seed():
    """Every test starts from the same Python, NumPy and backend seeds."""
    keras.utils.set_random_seed(0)
    return 0
