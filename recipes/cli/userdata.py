"""Your own data for `recipes train|evaluate|tune NAME --data PATH`.

Two forms are read into a `recipes.data.Bundle` of NumPy arrays:

- a `.npz` file (`numpy.savez`) with arrays `x` and `y`, the training split,
  and optionally `x_val`, `y_val` and `x_test`, `y_test`. `x` holds one example
  per row: images `(n, height, width, channels)`, sequences `(n, steps,
  features)`; `uint8` arrays are divided by 255, everything else is used as
  float32. `y` holds integer class labels `0 .. num_classes - 1`, shape `(n,)`.
- a folder of images in class subfolders, as `keras.utils.image_dataset_from_directory`
  reads them: `PATH/CLASS/IMAGE` (`.bmp`, `.gif`, `.jpeg`, `.jpg`, `.png`, in
  subfolders of a class too), the classes labelled in sorted name order; or
  `PATH/train/CLASS/IMAGE` with optional `PATH/val/...` and `PATH/test/...`.
  Images are read as grey `(h, w, 1)` when every one is grey, RGB `(h, w, 3)`
  otherwise, resized to the size of the first one, in [0, 1].

A missing validation or test split is carved out of the training split,
stratified by class where every class is large enough and seeded by `--seed`:
with neither given, train/val/test are 60/20/20 % of the examples; with one
missing, it gets 20 % of the training examples. Bad input is a `ValueError`
that names `--data`.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

ARRAYS = ("x", "y", "x_val", "y_val", "x_test", "y_test")
IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
SPLITS = ("train", "val", "test")
_GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def load(path, *, seed=0):
    """Reads `--data PATH` into a `recipes.data.Bundle`.

    Args:
        path: a `.npz` file or a folder of images in class subfolders.
        seed: seed of the validation and test splits carved from train.

    Returns:
        A `recipes.data.Bundle` whose splits are `(x, y)` NumPy arrays.

    Raises:
        ValueError: naming `--data`, for a missing path, an unknown kind of
            file, missing or unknown arrays, mismatched lengths or shapes,
            labels that are not class indices, or a folder without images.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        splits, class_names = _read_folder(path)
    elif not path.exists():
        raise ValueError(f"`--data` {str(path)!r} does not exist.")
    elif path.suffix.lower() == ".npz":
        splits, class_names = _read_npz(path), None
    else:
        raise ValueError(
            f"`--data` {str(path)!r} must be a .npz file or a folder of images in "
            "class subfolders."
        )
    return _bundle(path, splits, class_names, seed)


# -------------------------------------------------------------------- .npz ---


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as arrays:
            found = {key: arrays[key] for key in arrays.files}
    except Exception as error:  # numpy raises several kinds for a bad file
        raise ValueError(
            f"`--data` {str(path)!r} is not a readable .npz file ({error})."
        ) from None
    expected = "x and y, and optionally x_val, y_val, x_test, y_test"
    unknown = sorted(set(found) - set(ARRAYS))
    if unknown:
        raise ValueError(
            f"`--data` {str(path)!r} holds unknown arrays {unknown}; expected {expected}."
        )
    splits = {}
    for split, suffix in zip(SPLITS, ("", "_val", "_test")):
        x_key, y_key = "x" + suffix, "y" + suffix
        if x_key not in found and y_key not in found and split != "train":
            continue
        for key in (x_key, y_key):
            if key not in found:
                raise ValueError(
                    f"`--data` {str(path)!r} has no array {key!r}; expected {expected}."
                )
        splits[split] = (
            _examples(found[x_key], f"{path}:{x_key}"),
            _labels(found[y_key], f"{path}:{y_key}"),
        )
    return splits


def _examples(x, where):
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(
            f"`--data` {where} must hold at least one example per row, got shape "
            f"{x.shape}."
        )
    if x.dtype == np.uint8:
        return x.astype("float32") / 255.0
    if x.dtype.kind not in "biuf":
        raise ValueError(f"`--data` {where} must hold numbers, got dtype {x.dtype}.")
    return x.astype("float32")


def _labels(y, where):
    if y.ndim != 1 or y.dtype.kind not in "biuf":
        raise ValueError(
            f"`--data` {where} must be integer class labels of shape (n,), got "
            f"shape {y.shape} and dtype {y.dtype}."
        )
    if len(y) and (np.any(y < 0) or np.any(y != np.round(y))):
        raise ValueError(
            f"`--data` {where} must be class indices 0, 1, 2, ... (integers >= 0)."
        )
    return y.astype("int32")


# ------------------------------------------------------------------ folder ---


def _read_folder(path):
    subfolders = sorted(p.name for p in path.iterdir() if p.is_dir())
    if "train" in subfolders and set(subfolders) <= set(SPLITS):
        folders = {split: path / split for split in SPLITS if split in subfolders}
    else:
        folders = {"train": path}
    class_names = _classes(folders["train"])
    files = {split: _images(folder, class_names) for split, folder in folders.items()}
    if not class_names or not files["train"]:
        raise ValueError(
            f"`--data` {str(path)!r} holds no images in class subfolders "
            f"({', '.join(IMAGE_FORMATS)})."
        )
    images = {split: [_open(f) for f, _ in found] for split, found in files.items()}
    every = [image for split in images.values() for image in split]
    mode = "L" if all(image.mode in _GREY_MODES for image in every) else "RGB"
    size = every[0].size
    splits = {
        split: (
            np.stack([_pixels(image, mode, size) for image in images[split]]),
            np.array([label for _, label in files[split]], dtype="int32"),
        )
        for split in files
        if files[split]
    }
    return splits, tuple(class_names)


def _classes(folder):
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def _images(folder, class_names):
    """`(file, label)` pairs of the images in `folder`'s class subfolders."""
    found = []
    for name in _classes(folder):
        if name not in class_names:
            raise ValueError(
                f"`--data` {str(folder / name)!r} is a class the train folder lacks; "
                f"its classes: {', '.join(class_names)}."
            )
        label = class_names.index(name)
        for root, _, names in sorted(os.walk(folder / name)):
            for file in sorted(names):
                if file.lower().endswith(IMAGE_FORMATS):
                    found.append((pathlib.Path(root) / file, label))
    return found


def _open(file):
    from PIL import Image

    try:
        image = Image.open(file)
        image.load()
    except Exception as error:  # Pillow raises several kinds for a bad image
        raise ValueError(
            f"`--data` {str(file)!r} is not a readable image ({error})."
        ) from None
    return image


def _pixels(image, mode, size):
    from PIL import Image

    image = image.convert(mode)
    if image.size != size:
        image = image.resize(size, Image.BILINEAR)
    pixels = np.asarray(image, dtype="float32") / 255.0
    return pixels[..., None] if mode == "L" else pixels


# ------------------------------------------------------------------ bundle ---


def _bundle(path, splits, class_names, seed):
    from recipes.data import Bundle, Info

    x, y = splits["train"]
    for split, (xs, ys) in splits.items():
        if len(xs) != len(ys):
            raise ValueError(
                f"`--data` {str(path)!r}: the {split} split has {len(xs)} examples "
                f"but {len(ys)} labels."
            )
        if xs.shape[1:] != x.shape[1:]:
            raise ValueError(
                f"`--data` {str(path)!r}: {split} examples have shape {xs.shape[1:]}, "
                f"train examples {x.shape[1:]}."
            )
    missing = [split for split in ("val", "test") if split not in splits]
    if len(x) <= len(missing):
        raise ValueError(
            f"`--data` {str(path)!r} has {len(x)} training examples, too few to "
            f"carve the {' and '.join(missing)} split out of them."
        )
    plan = (
        [("test", 0.2), ("val", 0.25)]
        if len(missing) == 2
        else [(s, 0.2) for s in missing]
    )
    for split, fraction in plan:  # 0.25 of the remaining 80 % is 20 %
        keep, held = _holdout(splits["train"][1], fraction, seed)
        x, y = splits["train"]
        splits["train"], splits[split] = (x[keep], y[keep]), (x[held], y[held])
    labels = max(int(ys.max()) for _, ys in splits.values()) + 1
    num_classes = len(class_names) if class_names else labels
    info = Info(
        name=path.stem if path.is_file() else path.name,
        input_shape=tuple(splits["train"][0].shape[1:]),
        num_classes=num_classes,
        class_names=class_names or tuple(str(k) for k in range(num_classes)),
        description=f"your data from {path}",
        source=str(path),
    )
    return Bundle(
        train=splits["train"], val=splits["val"], test=splits["test"], info=info
    )


def _holdout(y, fraction, seed):
    """Indices `(keep, held)` holding out `fraction` of `y`, by class where possible."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(y))
    try:
        keep, held = train_test_split(
            indices, test_size=fraction, stratify=y, random_state=seed
        )
    except ValueError:  # a class too small to be split
        keep, held = train_test_split(indices, test_size=fraction, random_state=seed)
    return np.sort(keep), np.sort(held)
