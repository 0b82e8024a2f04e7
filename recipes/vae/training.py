"""Compiling and training a VAE: its loss (the negative ELBO) is built in."""

from __future__ import annotations

from recipes import training
from recipes.vae.model import check_model, split_images


def compile(model, *, learning_rate=1e-3, optimizer="auto", jit_compile="auto"):
    """Compiles a VAE; its loss (negative ELBO) is built in.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate (default 1e-3).
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.

    Returns:
        The compiled model.

    Example:

    >>> from recipes import vae
    >>> vae.compile(vae.build(latent_dim=2), jit_compile=False).jit_compile
    False
    """
    check_model(model).compile(
        **training.compile_options(
            model,
            optimizer=optimizer,
            learning_rate=learning_rate,
            jit_compile=jit_compile,
        )
    )
    return model


def fit(
    model,
    data,
    *,
    epochs=300,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=30,
):
    """Trains a compiled VAE on images only (labels, if any, are ignored).

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), `(x, y)`, `x`, a
            dict of splits, or a `tf.data.Dataset` of images.
        epochs: the most epochs to train (default 300).
        batch_size: batch size (default 32).
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping, the best weights restored (default 30).

    Defaults and the figures behind them: docs/recipes/vae.md.

    Returns:
        The `keras.callbacks.History` (`loss`, `reconstruction_loss`,
        `kl_loss`, and their `val_` versions).

    Raises:
        ValueError: before any training, for a model that is not a compiled
            `VAE`, a bad option, or images that do not fit it: wrong shape,
            NaN or huge values, values outside [0, 1] for the Bernoulli
            likelihood, an unbatched dataset (a dataset is checked on its
            `element_spec` and first batch).
    """
    check_model(model)
    return training.fit(
        model,
        split_images(model, data, "train"),
        split_images(model, data, "val"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
