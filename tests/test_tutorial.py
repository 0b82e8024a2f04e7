"""The tutorials' shared options, progress lines and resumable training."""

import keras
import numpy as np
import pytest

from recipes import tutorial


def test_options_resolve_epochs_and_read_the_notebook_variable(tmp_path, monkeypatch):
    out = str(tmp_path / "out")
    full = tutorial.options("d", epochs=50, quick_epochs=5, out=out, argv=[])
    assert (full.epochs, full.quick, full.checkpoint_dir) == (50, False, None)
    assert (tmp_path / "out").is_dir()
    quick = tutorial.options("d", epochs=50, quick_epochs=5, out=out, argv=["--quick"])
    assert quick.epochs == 5
    chosen = tutorial.options(
        "d", epochs=50, quick_epochs=5, out=out, argv=["--quick", "--epochs", "7"]
    )
    assert chosen.epochs == 7
    with pytest.raises(SystemExit):
        tutorial.options(
            "d", epochs=50, quick_epochs=5, out=out, argv=["--epochs", "0"]
        )
    # In a Jupyter kernel the command line is the kernel's; the variable counts.
    monkeypatch.setattr(tutorial, "_in_notebook", lambda: True)
    monkeypatch.setattr("sys.argv", ["ipykernel_launcher.py", "-f", "kernel.json"])
    monkeypatch.setenv(tutorial.ENVIRONMENT, f"--quick --out {out}")
    assert tutorial.options("d", epochs=50, quick_epochs=5, out="x").epochs == 5


def test_smoke_run_says_so_only_when_quick(tmp_path, capsys):
    args = tutorial.options("d", epochs=9, quick_epochs=2, out=str(tmp_path), argv=[])
    assert tutorial.smoke_run(args, "A full run reaches 1.") is False
    assert capsys.readouterr().out == ""
    args.quick = True
    assert tutorial.smoke_run(args, "A full run reaches 1.") is True
    assert "Smoke run (9 epochs)" in capsys.readouterr().out


def tiny_model():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_progress_prints_every_few_epochs_and_the_last(capsys):
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    progress = tutorial.Progress(every=3, name="tiny")
    tiny_model().fit(x, y, epochs=7, verbose=0, callbacks=[progress])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "tiny epoch 3/7",
        "tiny epoch 6/7",
        "tiny epoch 7/7",
    ]
    assert "loss" in lines[0]
    with pytest.raises(ValueError, match="every"):
        tutorial.Progress(every=0)


def test_trained_resumes_from_a_finished_run(tmp_path):
    argv = ["--checkpoint-dir", str(tmp_path / "ckpt")]
    args = tutorial.options("d", epochs=3, quick_epochs=1, out=str(tmp_path), argv=argv)
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    calls = []

    def fit(model, checkpoint_dir):
        calls.append(checkpoint_dir)
        callbacks = (
            [keras.callbacks.BackupAndRestore(checkpoint_dir)] if checkpoint_dir else []
        )
        return model.fit(x, y, epochs=args.epochs, verbose=0, callbacks=callbacks)

    model, history = tutorial.trained(args, "tiny", tiny_model(), fit)
    assert len(history["loss"]) == 3 and len(calls) == 1
    again, history_again = tutorial.trained(args, "tiny", tiny_model(), fit)
    assert len(calls) == 1, "a finished run is loaded, not trained again"
    assert history_again == history
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    # Without a checkpoint folder, every call trains.
    plain = tutorial.options("d", epochs=2, quick_epochs=1, out=str(tmp_path), argv=[])
    _, history = tutorial.trained(plain, "tiny", tiny_model(), fit)
    assert calls[-1] is None
