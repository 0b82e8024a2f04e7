"""The recipe's headline metrics: test accuracy and loss."""

from __future__ import annotations

from recipes import training, validation
from recipes.bilstm import splits


def evaluate(model, data, *, batch_size=256):
    """Test accuracy and loss (per step, padding excluded, if per-step).

    The loss is `compile`'s: the label-smoothed cross-entropy by default.

    Args:
        model: a compiled model.
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        batch_size: evaluation batch size. Default 256.

    Returns:
        `{"accuracy": float, "loss": float}`.

    Raises:
        ValueError: for an uncompiled model, a bad `batch_size`, or test data
            that does not fit the model (as in `fit`).
    """
    training.check_compiled(model)
    validation.check_positive_int(batch_size, "batch_size")
    test = splits.checked(model, data, "test", batch_size, required=True)
    return training.evaluate(model, test, batch_size=batch_size)
