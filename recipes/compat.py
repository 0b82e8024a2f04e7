"""The places where the recipes need more than Keras's public API offers.

Each adapter says why no public API serves, and `tests/test_compat.py` fails
if Keras or Keras Tuner changes what it relies on, so it can be replaced by
the public route as soon as one exists.
"""

from __future__ import annotations

import keras
import keras_tuner


def clear_resumed_epoch(model):
    """Forgets the epoch a `BackupAndRestore` resume left on `model`.

    Why: `keras.callbacks.BackupAndRestore` resumes a run by setting the
    model's private `_initial_epoch`, and Keras 3 never clears it, so a later
    `fit` of the same model would silently skip that many epochs. Keras has no
    public way to reset it.
    """
    if hasattr(model, "_initial_epoch"):
        model._initial_epoch = None


def iteration_counter(optimizer):
    """The variable that counts `optimizer`'s steps, to restart it with `.assign(0)`.

    Why: `optimizer.iterations` is that variable, except with gradient
    accumulation, where Keras computes it from a counter it keeps under the
    name `"iteration"` and exposes no public handle to.
    """
    if isinstance(optimizer.iterations, keras.Variable):
        return optimizer.iterations
    return next(v for v in optimizer.variables if v.name == "iteration")


class _HyperbandWithOracle(keras_tuner.Hyperband):
    # Why: `keras_tuner.Hyperband` always builds its own `HyperbandOracle` and
    # takes no `oracle` argument; the recipes pass one whose first trial is the
    # default configuration. `keras_tuner.Tuner.__init__` is given that oracle,
    # and Hyperband's epoch bookkeeping (`run_trial`, which reads the oracle's
    # `tuner/epochs` values) is inherited unchanged.
    def __init__(self, hypermodel, oracle, **kwargs):
        keras_tuner.Tuner.__init__(self, oracle=oracle, hypermodel=hypermodel, **kwargs)


def hyperband_tuner(*, hypermodel, oracle, **kwargs):
    """A `keras_tuner.Hyperband` tuner driven by the given Hyperband `oracle`.

    Args:
        hypermodel: a `keras_tuner.HyperModel`.
        oracle: a `keras_tuner.oracles.HyperbandOracle`.
        **kwargs: passed to `keras_tuner.Tuner` (`directory`, `project_name`, ...).
    """
    return _HyperbandWithOracle(hypermodel, oracle, **kwargs)
