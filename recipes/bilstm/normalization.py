"""The input `Normalization` of numeric models, adapted on the unmasked steps.

`build` puts a `Normalization` layer named `INPUT_NORM` after the `Masking`
layer; it is the identity until `adapt_input_norm` (which `fit` calls) sets it
to the per-feature mean and variance of the steps the mask keeps.
"""

from __future__ import annotations

import keras
import numpy as np

from recipes import validation
from recipes.bilstm.model import INPUT_NORM, has_masking


def input_norm_layer(model):
    """The input `Normalization` layer of `model`, or `None` if it has none."""
    for layer in model.layers:
        if layer.name == INPUT_NORM and isinstance(layer, keras.layers.Normalization):
            return layer
    return None


def adapt_input_norm(model, x, *, force=False):
    """Sets the input `Normalization` to the per-feature moments of `x`.

    Only the steps the model's `Masking` keeps (not all zero) count, so the
    end padding does not bias the statistics. `fit` calls this on the training
    split; a layer already adapted (not the identity) is left alone unless
    `force` is set, so training on more data keeps the statistics the weights
    were learned with.

    Args:
        model: a numeric model from `build` (others are left unchanged).
        x: sequences `(n, time, features)`, an `(x, y)` pair, or a batched
            `tf.data.Dataset` or `keras.utils.PyDataset` of `(x, y)`.
        force: adapt even if the layer was adapted before. Default False.

    Returns:
        Whether the layer was adapted.

    Example:

    >>> import numpy as np
    >>> from recipes.bilstm import build
    >>> model = build(input_shape=(None, 2), num_classes=2, units=4)
    >>> x = np.array([[[1.0, 2.0], [3.0, 6.0], [0.0, 0.0]]])  # one padding step
    >>> adapt_input_norm(model, x)
    True
    >>> np.asarray(input_norm_layer(model).adapt_mean).tolist()
    [2.0, 4.0]
    >>> adapt_input_norm(model, x)  # already adapted: left alone
    False
    """
    layer = input_norm_layer(model)
    if layer is None:
        return False
    mean = np.asarray(layer.adapt_mean)
    if not force and (
        np.any(mean != 0) or np.any(np.asarray(layer.adapt_variance) != 1)
    ):
        return False
    masked = has_masking(model)
    kept = []
    streamed = validation.is_dataset(x) or validation.is_py_dataset(x)
    for batch in x if streamed else [x]:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        steps = np.asarray(batch, dtype="float32")
        steps = steps.reshape(-1, steps.shape[-1])  # (n * time, features)
        if masked:
            steps = steps[np.any(steps != 0, axis=-1)]  # the unmasked steps
        kept.append(steps)
    steps = np.concatenate(kept)  # (steps, features)
    if len(steps) == 0:
        raise ValueError("The training data has no unmasked time steps to adapt on.")
    layer.adapt(steps[:, None, :])  # (steps, 1, features): the layer's rank
    # Compiled functions captured the old statistics as constants.
    model.train_function = model.test_function = model.predict_function = None
    return True
