"""What `recipes.compat` relies on in Keras and Keras Tuner.

Each test fails when the private behaviour an adapter works around changes, so
the adapter can then be replaced by the public route.
"""

import inspect

import keras
import keras_tuner
import numpy as np

from recipes import compat


def test_backup_and_restore_still_leaves_the_resumed_epoch(tmp_path):
    # Keras sets `_initial_epoch` on resume and never clears it; when a
    # release clears it itself, `clear_resumed_epoch` can go.
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2)), np.ones((4, 1))

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("interrupted")

    backup = keras.callbacks.BackupAndRestore(str(tmp_path), save_freq="epoch")
    try:
        model.fit(x, y, epochs=4, callbacks=[backup, Interrupt()], verbose=0)
    except RuntimeError:
        pass
    model.fit(x, y, epochs=4, callbacks=[backup], verbose=0)
    assert model._initial_epoch == 2
    compat.clear_resumed_epoch(model)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3


def test_hyperband_still_builds_its_own_oracle(tmp_path):
    # When Keras Tuner's Hyperband accepts an oracle, pass it directly.
    parameters = inspect.signature(keras_tuner.Hyperband.__init__).parameters
    assert "oracle" not in parameters
    oracle = keras_tuner.oracles.HyperbandOracle(
        objective="val_loss", max_epochs=4, seed=0
    )

    def build(hp):
        hp.Int("units", 1, 4, default=2)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        return model

    tuner = compat.hyperband_tuner(
        hypermodel=build, oracle=oracle, directory=str(tmp_path), overwrite=True
    )
    assert isinstance(tuner, keras_tuner.Hyperband)
    assert tuner.oracle is oracle


def test_accumulating_optimizer_still_counts_in_a_variable_named_iteration():
    # When Keras exposes the counter publicly, `iteration_counter` can go.
    plain = keras.optimizers.SGD(0.1)
    plain.build([keras.Variable(1.0)])
    assert compat.iteration_counter(plain) is plain.iterations
    accumulating = keras.optimizers.SGD(0.1, gradient_accumulation_steps=2)
    weight = keras.Variable(1.0)
    accumulating.build([weight])
    assert not isinstance(accumulating.iterations, keras.Variable)
    counter = compat.iteration_counter(accumulating)
    for _ in range(4):
        accumulating.apply([keras.ops.ones(())], [weight])
    assert int(counter.numpy()) == 4
    counter.assign(0)
    assert int(keras.ops.convert_to_numpy(accumulating.iterations)) == 0
