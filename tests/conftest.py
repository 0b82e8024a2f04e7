import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# One JAX compilation cache for the whole run: the test workers and every
# subprocess a test starts (tutorials, resumed runs, the other backend's
# loads) inherit it, so a program XLA compiled in one process is read back in
# the others instead of compiled again. Set before JAX is imported; the process
# that made the folder removes it at the end.
CACHE_VARIABLE = "JAX_COMPILATION_CACHE_DIR"
OWN_CACHE = None
if CACHE_VARIABLE not in os.environ:
    OWN_CACHE = tempfile.mkdtemp(prefix="recipes-jax-cache-")
    os.environ[CACHE_VARIABLE] = OWN_CACHE
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import keras  # noqa: E402
import pytest  # noqa: E402


def pytest_unconfigure(config):
    if OWN_CACHE is not None:
        shutil.rmtree(OWN_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def seed():
    """Every test starts from the same Python, NumPy and backend seeds."""
    keras.utils.set_random_seed(0)
    return 0
