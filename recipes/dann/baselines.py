"""The references DANN is measured against: the same network without adaptation.

`source_only` trains the label head on labeled source examples only (the
lower reference), `train_on_target` on labeled target examples (the upper
reference). Both return the DANN-shaped model, ready for `evaluate`.
"""

from __future__ import annotations

from recipes import training
from recipes.dann.data import source_split, target_split
from recipes.dann.model import build, label_classifier


def _train_label_head(
    data,
    domain,
    *,
    epochs=60,
    batch_size=32,
    learning_rate=1e-3,
    jit_compile="auto",
    verbose=0,
    early_stopping_patience=20,
    **build_kwargs,
):
    """Builds a DANN and trains its label head on `domain`'s labeled splits."""
    training.check_fit(
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    build_kwargs.setdefault("input_shape", data.info.input_shape)
    build_kwargs.setdefault("num_classes", data.info.num_classes)
    model = build(**build_kwargs)
    if domain == "source":
        train = source_split(model, data.source, "train")
        val = source_split(model, data.source, "val")
    else:
        train = target_split(model, data.target, "train")
        if train is None or train[1] is None:
            raise ValueError("`data` target train split has no labels.")
        val = target_split(model, data.target, "val")
        val = None if val is None or val[1] is None else val
    classifier = label_classifier(model)
    classifier.compile(
        **training.classification_objective(),
        **training.compile_options(
            classifier, learning_rate=learning_rate, jit_compile=jit_compile
        ),
    )
    training.fit(
        classifier,
        train,
        val,
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    return model


def source_only(data, **kwargs):
    """Baseline: the same network trained on labeled source examples only.

    Args:
        data: a `DomainData`.
        **kwargs: the training options `epochs` (default 60), `batch_size`
            (32), `learning_rate` (1e-3, Adam), `jit_compile` (`"auto"`),
            `verbose` (0) and `early_stopping_patience` (20, on the source
            validation loss; `None`: off); any other keyword is passed to
            `build` (architecture, seed, ...).

    Returns:
        The trained DANN-shaped model (its domain head is untrained), ready
        for `evaluate`.
    """
    return _train_label_head(data, "source", **kwargs)


source_only_baseline = source_only  # the name DESIGN.md uses


def train_on_target(data, **kwargs):
    """Upper reference: the same network trained on labeled target examples.

    Args:
        data: a `DomainData` whose target has labeled splits.
        **kwargs: as `source_only`, with early stopping on the target's
            validation loss.

    Returns:
        The trained DANN-shaped model, ready for `evaluate`.
    """
    return _train_label_head(data, "target", **kwargs)
