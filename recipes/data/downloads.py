"""Downloads through TensorFlow Datasets that fail fast offline and leave nothing behind.

TensorFlow Datasets retries a download for minutes before it gives up, and a
failed download leaves partial files in its data directory. `recipes.data.load`
first asks whether the download host answers at all (`reachable`, one attempt
with a short timeout), and runs the download inside `nothing_left_on_failure`,
which removes what the failed attempt wrote.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket

HOST = ("storage.googleapis.com", 443)
"""Where TensorFlow Datasets downloads from first (its Google Cloud Storage mirror)."""

TIMEOUT = 3.0
"""Seconds to wait for `HOST` before calling the network unreachable."""


def reachable(host=HOST, timeout=TIMEOUT):
    """Whether a TCP connection to `host` opens within `timeout` seconds.

    Args:
        host: `(name, port)`.
        timeout: seconds for the name lookup and the connection together.

    Returns:
        `True` if it opened (it is closed at once), `False` otherwise.

    Example:

    >>> reachable(("127.0.0.1", 9), timeout=0.5)  # the discard port is closed
    False
    """
    previous = socket.getdefaulttimeout()
    try:  # `create_connection`'s timeout does not cover the name lookup
        socket.setdefaulttimeout(timeout)
        with socket.create_connection(host, timeout=timeout):
            return True
    except OSError:
        return False
    finally:
        socket.setdefaulttimeout(previous)


def _entries(root, depth=2):
    """The paths under `root`, `depth` levels deep (folders and files)."""
    found = set()
    if not os.path.isdir(root):
        return found
    for name in os.listdir(root):
        path = os.path.join(root, name)
        found.add(path)
        if depth > 1 and os.path.isdir(path) and not os.path.islink(path):
            found |= _entries(path, depth - 1)
    return found


@contextlib.contextmanager
def nothing_left_on_failure(root):
    """Removes what the block wrote under `root` if it raises.

    Paths up to three levels under `root` that did not exist before the block
    (TensorFlow Datasets' `downloads/` entries, a dataset's `.incomplete`
    version folder) are removed, and `root` itself if the block created it.
    What existed before is never touched.

    Args:
        root: the data directory the block writes into.

    Yields:
        Nothing.
    """
    root = os.path.abspath(os.fspath(root))
    existed = os.path.isdir(root)
    before = _entries(root, depth=3)
    try:
        yield
    except BaseException:
        if not existed:
            shutil.rmtree(root, ignore_errors=True)
        else:  # the shortest new paths first; whatever is under them goes too
            for path in sorted(_entries(root, depth=3) - before, key=len):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.lexists(path):
                    os.remove(path)
        raise
