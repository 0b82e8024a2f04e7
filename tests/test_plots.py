"""Every plot says what it shows, and is written whole or not at all."""

import numpy as np
import pytest
from PIL import Image

from recipes import plots


def title_in(path):
    with Image.open(path) as image:
        return image.text.get("Title")


def test_image_grid_writes_its_title_into_the_png(tmp_path):
    path = plots.image_grid(np.random.rand(6, 8, 8, 1), tmp_path / "g.png", title="six")
    assert title_in(path) == "six"
    assert [p.name for p in tmp_path.iterdir()] == ["g.png"]


def test_curves_and_scatter_have_labelled_axes(tmp_path):
    history = {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]}
    path = plots.training_curves(history, tmp_path / "c.png", title="losses")
    assert title_in(path) == "losses"
    with pytest.raises(ValueError, match="keys"):
        plots.training_curves(history, tmp_path / "x.png", title="t", keys=["acc"])
    points = np.random.rand(20, 2)
    labels = np.arange(20) % 3
    path = plots.scatter(points, tmp_path / "s.png", title="map", labels=labels)
    assert title_in(path) == "map"
    with pytest.raises(ValueError, match="labels"):
        plots.scatter(points, tmp_path / "y.png", title="map", labels=labels[:5])


def test_save_refuses_an_untitled_or_unlabelled_figure(tmp_path):
    figure, axis = plots.figure()
    axis.plot([0, 1], [0, 1])
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    with pytest.raises(ValueError, match="no title"):
        plots.save(figure, tmp_path / "untitled.png")
    figure, axis = plots.figure()
    axis.plot([0, 1], [0, 1])
    axis.set_title("a line")
    axis.set_xlabel("x")
    with pytest.raises(ValueError, match="label"):
        plots.save(figure, tmp_path / "unlabelled.png")
    assert list(tmp_path.iterdir()) == []


def test_axes_turned_off_need_no_labels(tmp_path):
    figure, axes = plots.figure(1, 2)
    for axis in axes:
        axis.imshow(np.zeros((4, 4)))
        axis.axis("off")
    axes[0].set_title("left")
    axes[1].set_title("right")
    assert title_in(plots.save(figure, tmp_path / "pair.png")) == "left; right"


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    figure, axis = plots.figure()
    axis.set(title="t", xlabel="x", ylabel="y")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        plots.save(figure, tmp_path / "broken.png")
    assert list(tmp_path.iterdir()) == []
