"""Schedules computed inside the compiled training step.

Ganin et al. (2016) raise the gradient reversal weight `lambda` from 0 to 1
and anneal the learning rate over training progress `p` in [0, 1]; both are
written in `keras.ops` so they run in-step, under XLA, on any backend.
"""

from __future__ import annotations

import numbers

import keras
from keras import ops

from recipes import validation
from recipes.saving import register


def reversal_lambda(progress, gamma=10.0):
    """`lambda_p = 2 / (1 + exp(-gamma * p)) - 1` (Ganin et al. 2016), in `keras.ops`.

    0 at `p = 0`, rising towards 1; the domain head's gradient is thus kept out
    of the features while they are still forming.

    Args:
        progress: training progress `p` in [0, 1] (a number or tensor).
        gamma: steepness (Ganin et al. use 10).

    Returns:
        A float32 tensor of the shape of `progress`.
    """
    progress = ops.cast(progress, "float32")
    return 2.0 / (1.0 + ops.exp(-ops.cast(gamma, "float32") * progress)) - 1.0


def lambda_schedule(p, gamma=10.0):
    """`lambda_p = 2 / (1 + exp(-gamma * p)) - 1`: 0 at `p = 0`, near 1 at `p = 1`.

    The value `GradientReversal` takes in-step once `fit` schedules it.

    Args:
        p: training progress in [0, 1].
        gamma: steepness (Ganin et al. use 10), >= 0.

    Returns:
        The float `lambda_p`.

    Raises:
        ValueError: for `p` outside [0, 1] or a negative `gamma`.

    Example:

    >>> lambda_schedule(0.0), round(lambda_schedule(1.0), 4)
    (0.0, 0.9999)
    """
    validation.check_fraction(p, "p", include_high=True)
    validation.check_non_negative(gamma, "gamma")
    return float(ops.convert_to_numpy(reversal_lambda(p, gamma)))


def learning_rate_schedule(p, initial, alpha=10.0, beta=0.75):
    """`mu_p = mu_0 / (1 + alpha * p) ** beta`, Ganin et al.'s annealing.

    The value `AnnealedLearningRate` computes in-step: float32, `p` clipped to
    [0, 1], `initial` > 0.

    Args:
        p: training progress.
        initial: `mu_0`.
        alpha: the annealing's scale of progress (Ganin et al.: 10).
        beta: the annealing's exponent (Ganin et al.: 0.75).

    Returns:
        The float `mu_p`.

    Raises:
        ValueError: for a `p` that is not a finite number, an `initial` that
            is not positive, or a negative `alpha` or `beta`.
    """
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or p != p:
        raise ValueError(f"`p` must be a number (training progress), got {p!r}.")
    rate = AnnealedLearningRate(initial, total_steps=1, alpha=alpha, beta=beta)
    return float(ops.convert_to_numpy(rate(p)))


@register
class AnnealedLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Ganin et al.'s annealing `mu_p = mu_0 / (1 + alpha * p) ** beta`.

    `p = step / total_steps`, clipped to [0, 1], where `step` is the
    optimizer's iteration count (which `schedule` restarts at 0), so the rate
    is computed inside the compiled step (no callback between batches) and a
    run resumed from a checkpoint, which restores the iteration count,
    continues the annealing.

    Args:
        initial_learning_rate: `mu_0` (> 0).
        total_steps: optimizer steps over which `p` runs from 0 to 1 (>= 1).
        alpha: the annealing's scale of progress (>= 0; Ganin et al.: 10).
        beta: the annealing's exponent (>= 0; Ganin et al.: 0.75).

    Example:

    >>> rate = AnnealedLearningRate(0.01, total_steps=100)
    >>> round(float(rate(0)), 6), round(float(rate(100)), 6)  # 0.01 / 11**0.75
    (0.01, 0.001656)
    >>> optimizer = keras.optimizers.SGD(rate, momentum=0.9)
    """

    def __init__(self, initial_learning_rate, total_steps, *, alpha=10.0, beta=0.75):
        validation.check_positive(initial_learning_rate, "initial_learning_rate")
        validation.check_positive_int(total_steps, "total_steps")
        validation.check_non_negative(alpha, "alpha")
        validation.check_non_negative(beta, "beta")
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = int(total_steps)
        self.alpha, self.beta = float(alpha), float(beta)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        progress = ops.clip(step / self.total_steps, 0.0, 1.0)  # ()
        return self.initial_learning_rate / (1.0 + self.alpha * progress) ** self.beta

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "total_steps": self.total_steps,
            "alpha": self.alpha,
            "beta": self.beta,
        }
