"""The two adversarial losses, per example, on the discriminator's logits.

With `D = sigmoid(logit)`, the probability that an image is real:

- discriminator: `-t log D(x) - (1 - t) log(1 - D(x)) - log(1 - D(G(z)))`,
  `t = 1 - label_smoothing` the real target (one-sided smoothing: the fake
  target stays 0);
- generator (non-saturating): `-log D(G(z))`.

Both use the numerically stable cross-entropy from logits. The training
step and the test step share them, whatever the backend.
"""

from __future__ import annotations

from keras import ops


def discriminator_loss(real_logit, fake_logit, label_smoothing=0.0):
    """Per-example discriminator loss.

    Args:
        real_logit: `(B, 1)` logits of real images.
        fake_logit: `(B, 1)` logits of generated images.
        label_smoothing: one-sided smoothing of the real target (default 0).

    Returns:
        `(B,)` losses.

    Example:

    >>> import numpy as np
    >>> loss = discriminator_loss(np.zeros((2, 1)), np.zeros((2, 1)))
    >>> np.round(np.asarray(loss, dtype="float64"), 4).tolist()  # 2 log 2 each
    [1.3863, 1.3863]
    """
    real_target = ops.full_like(real_logit, 1.0 - label_smoothing)
    per_example = ops.binary_crossentropy(
        real_target, real_logit, from_logits=True
    ) + ops.binary_crossentropy(
        ops.zeros_like(fake_logit), fake_logit, from_logits=True
    )  # (B, 1)
    return ops.reshape(per_example, (-1,))  # (B,)


def generator_loss(fake_logit):
    """Per-example non-saturating generator loss `-log D(G(z))`.

    Args:
        fake_logit: `(B, 1)` logits of generated images.

    Returns:
        `(B,)` losses.
    """
    per_example = ops.binary_crossentropy(
        ops.ones_like(fake_logit), fake_logit, from_logits=True
    )  # (B, 1)
    return ops.reshape(per_example, (-1,))  # (B,)
