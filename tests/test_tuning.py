import dataclasses
import os
import pathlib
import socket
import subprocess
import sys
import textwrap

import keras
import keras_tuner
import numpy as np
import pytest

import recipes
from recipes import data, protocol, tuning
from tests.helpers import tiny

ROOT = pathlib.Path(__file__).parents[1]


def hypermodel_for(name):
    module = recipes.get(name)
    info = protocol.load_data(module).info
    return module, module.HyperModel(**protocol.facts(module, info))


@pytest.mark.parametrize("name", recipes.available())
def test_trial_zero_is_the_recipe_default(name, tmp_path):
    _, hypermodel = hypermodel_for(name)
    defaults = keras_tuner.HyperParameters()
    hypermodel.build(defaults)
    search = tuning.make_tuner(hypermodel, directory=tmp_path, max_trials=3)
    search._populate_initial_space()
    first = search.oracle.create_trial("tuner0")
    assert first.hyperparameters.values == defaults.values
    second = search.oracle.create_trial("tuner1")
    assert second.hyperparameters.values != defaults.values


def test_convnet_hypermodel_default_is_the_recipe_default():
    _, hypermodel = hypermodel_for("convnet")
    model = hypermodel.build(keras_tuner.HyperParameters())
    default = recipes.get("convnet").build()
    assert model.count_params() == default.count_params()
    assert [type(layer).__name__ for layer in model.layers] == [
        type(layer).__name__ for layer in default.layers
    ]


class CountFits(keras.callbacks.Callback):
    fits = 0  # class-level: Keras Tuner deep-copies the callbacks of each trial

    def on_train_begin(self, logs=None):
        type(self).fits += 1


def test_interrupted_search_resumes_without_redoing_trials(tmp_path):
    bundle = tiny(data.load("digits"), n=48)
    kwargs = {"directory": tmp_path, "epochs": 1, "callbacks": [CountFits()]}
    CountFits.fits = 0
    model, best = tuning.tune("convnet", bundle, max_trials=1, **kwargs)
    assert CountFits.fits == 1
    assert (tmp_path / "convnet" / "best.keras").is_file()
    # Re-running with a larger budget runs only the missing trial.
    CountFits.fits = 0
    model, best = tuning.tune("convnet", bundle, max_trials=2, **kwargs)
    assert CountFits.fits == 1
    assert len(list((tmp_path / "convnet").glob("trial_*"))) == 2
    assert set(best.values) >= {"arch", "width", "depth", "learning_rate", "batch_size"}
    assert isinstance(model, keras.Model)


def test_bad_tuner_and_objective_list_the_valid_ones(tmp_path):
    _, hypermodel = hypermodel_for("convnet")
    with pytest.raises(
        ValueError,
        match=r"`tuner` must be one of \('random', 'bayesian', 'hyperband'\)",
    ):
        tuning.make_tuner(hypermodel, tuner="grid", directory=tmp_path)
    with pytest.raises(
        ValueError,
        match=r"`objective` must be one of \['accuracy', 'loss', 'val_accuracy', 'val_loss'\]",
    ):
        tuning.make_tuner(hypermodel, objective="val_f1", directory=tmp_path)
    with pytest.raises(ValueError, match="max_trials"):
        tuning.make_tuner(hypermodel, max_trials=0, directory=tmp_path)
    with pytest.raises(ValueError, match="Unknown recipe"):
        tuning.tune("nope")


def test_a_failing_trial_stops_the_search_and_a_rerun_works(tmp_path):
    bundle = tiny(data.load("digits"), n=48)
    x, y = bundle.train
    x = x.copy()
    x[0, 0, 0, 0] = np.nan
    bad = dataclasses.replace(bundle, train=(x, y))
    CountFits.fits = 0
    kwargs = {"directory": tmp_path, "epochs": 1}
    with pytest.raises(ValueError, match="`data train x` contains NaN or infinite"):
        tuning.tune("autoencoder", bad, max_trials=2, callbacks=[CountFits()], **kwargs)
    assert CountFits.fits == 0  # stopped at the first trial, before training
    # The same search, with the data fixed, runs that trial again and finishes.
    model, best = tuning.tune("autoencoder", bundle, max_trials=1, **kwargs)
    assert isinstance(model, keras.Model) and best.get("code_size") == 16
    assert (tmp_path / "autoencoder" / "best.keras").is_file()


@pytest.mark.parametrize(
    "case, match",
    [
        ("export_suffix", "`export_path` must end in '.keras'"),
        ("export_in_a_file", "`export_path` .* cannot be written: .* is a file"),
        ("directory_is_a_file", "`directory` .* is a file, not a folder"),
        ("no_validation_split", "`data` has no validation split, which `objective`"),
        ("epochs", "`epochs` must be an integer >= 1, got 0"),
        ("max_trials", "`max_trials` must be an integer >= 1"),
        ("objective", "`objective` must be one of"),
        ("batch_size", "`batch_size` is a tuned hyperparameter"),
        ("unknown_fit_option", r"Unknown fit options \['epoch'\] for the convnet"),
    ],
)
def test_tune_refuses_bad_arguments_before_any_trial(tmp_path, case, match):
    bundle = tiny(data.load("digits"), n=48)
    (tmp_path / "file").write_text("x")
    kwargs = {"directory": tmp_path / "search", "max_trials": 1, "epochs": 1}
    changes = {
        "export_suffix": {"export_path": tmp_path / "best.h5"},
        "export_in_a_file": {"export_path": tmp_path / "file" / "best.keras"},
        "directory_is_a_file": {"directory": tmp_path / "file"},
        "no_validation_split": {"data": bundle.train},
        "epochs": {"epochs": 0},
        "max_trials": {"max_trials": 0},
        "objective": {"objective": "val_f1"},
        "batch_size": {"batch_size": 8},
        "unknown_fit_option": {"epoch": 1},
    }[case]
    kwargs = {"data": bundle, **kwargs, **changes}
    CountFits.fits = 0
    with pytest.raises(ValueError, match=match):
        tuning.tune("convnet", callbacks=[CountFits()], **kwargs)
    assert CountFits.fits == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing written


def test_cli_tune_prints_the_best_trial(tmp_path, capsys):
    from recipes import cli

    out = tmp_path / "best.keras"
    argv = [
        "tune",
        "convnet",
        "--max-trials",
        "1",
        "--epochs",
        "1",
        "--directory",
        str(tmp_path),
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "best trial:" in captured.err and "arch=resnet" in captured.err
    assert out.is_file()
    assert (
        cli.main(["tune", "convnet", "--tuner", "grid", "--directory", str(tmp_path)])
        == 2
    )
    assert "`tuner` must be one of" in capsys.readouterr().err


SCALE_OUT = textwrap.dedent(
    """
    import sys

    import keras

    if keras.backend.backend() == "jax":  # two host devices (XLA_FLAGS)
        devices = keras.distribution.list_devices("cpu")
        assert len(devices) == 2, devices
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        import contextlib

        scope = contextlib.nullcontext
    else:
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == 2
        scope = strategy.scope
    import numpy as np
    import recipes
    from recipes import protocol
    from tests.helpers import tiny

    for name in sys.argv[1:]:
        keras.utils.set_random_seed(0)
        module = recipes.get(name)
        bundle = tiny(protocol.load_data(module), n=64)
        with scope():
            model = module.build(**protocol.facts(module, bundle.info))
            model = module.compile(model)
        history = module.fit(model, bundle, epochs=1, batch_size=16, verbose=0)
        losses = np.asarray(history.history["loss"])
        assert np.all(np.isfinite(losses)), (name, losses)
        print("ok", name, float(losses[-1]), flush=True)
    """
)


@pytest.mark.parametrize("half", [0, 1])
def test_each_recipe_fits_on_two_devices(half, tmp_path):
    # TensorFlow: MirroredStrategy over two logical CPUs; JAX: DataParallel
    # over two host devices. A subprocess for half of the recipes: the devices
    # must be set before the backend starts, and one start is cheaper than one
    # per recipe; two halves let two test workers share the minute and a half.
    script = tmp_path / "scale_out.py"
    script.write_text(SCALE_OUT)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    names = recipes.available()[half::2]
    result = subprocess.run(
        [sys.executable, str(script), *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=900,
    )
    passed = [
        line.split()[1] for line in result.stdout.splitlines() if line.startswith("ok ")
    ]
    assert result.returncode == 0 and passed == names, (passed, result.stderr[-3000:])


DISTRIBUTED = textwrap.dedent(
    """
    import sys
    from recipes import data, protocol, tuning
    from tests.helpers import tiny

    bundle = tiny(data.load("digits"), n=48)
    model, best = tuning.tune("convnet", bundle, max_trials=4, epochs=1, directory=sys.argv[1])
    if best is not None:
        print("chief best", tuning.summary(best))
    """
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_chief_and_two_workers_share_one_search(tmp_path):
    script = tmp_path / "distributed.py"
    script.write_text(DISTRIBUTED)
    base = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "KERASTUNER_ORACLE_IP": "127.0.0.1",
        "KERASTUNER_ORACLE_PORT": str(free_port()),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "search")],
            env={**base, "KERASTUNER_TUNER_ID": tuner_id},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tuner_id in ("chief", "tuner0", "tuner1")
    ]
    try:
        outputs = [process.communicate(timeout=600) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    assert "chief best" in outputs[0][0]
    trials = sorted(p.name for p in (tmp_path / "search" / "convnet").glob("trial_*"))
    assert len(trials) == 4
    worker_logs = outputs[1][1] + outputs[2][1]
    assert worker_logs  # both workers ran
