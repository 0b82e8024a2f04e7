"""Ctrl-C during training, raised where it cannot be lost.

Python raises `KeyboardInterrupt` wherever the main thread happens to be when
SIGINT arrives. NumPy drops one raised while it converts an array, and Keras
converts the step's logs after every batch (on JAX, a JAX array each time): the
interrupt is then lost and training carries on to the end. So while a fit
runs, Ctrl-C only records the request, and a callback raises
`KeyboardInterrupt` at the end of the running batch; outside a fit, Ctrl-C
raises at once, as usual.
"""

from __future__ import annotations

import contextlib
import signal
import threading


def callback():
    """A Keras callback that raises a recorded Ctrl-C at the end of a batch.

    Returns:
        The callback; `deferred(callback)` makes Ctrl-C record requests in it.
    """
    import keras

    class CtrlC(keras.callbacks.Callback):
        fitting = False
        requested = False

        def handle(self, signum, frame):
            if not self.fitting:
                raise KeyboardInterrupt
            self.requested = True

        def raise_if_requested(self, *args, **kwargs):
            if self.requested:
                self.fitting = self.requested = False
                raise KeyboardInterrupt

        def on_train_begin(self, logs=None):
            self.fitting = True

        def on_train_end(self, logs=None):
            self.raise_if_requested()
            self.fitting = False

        on_train_batch_end = on_test_batch_end = raise_if_requested
        on_epoch_end = raise_if_requested

    return CtrlC()


@contextlib.contextmanager
def deferred(ctrl_c):
    """Within the block, Ctrl-C goes to `ctrl_c.handle` (main thread only).

    A process that ignores SIGINT, or has its own handler, is left as it is.
    """
    on_main_thread = threading.current_thread() is threading.main_thread()
    if not on_main_thread or signal.getsignal(signal.SIGINT) is not (
        signal.default_int_handler
    ):
        yield
        return
    signal.signal(signal.SIGINT, ctrl_c.handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
