"""The gradient reversal layer of domain-adversarial training."""

from __future__ import annotations

import keras
from keras import ops

from recipes import validation
from recipes.saving import register
from recipes.schedules import reversal_lambda


@register
class GradientReversal(keras.layers.Layer):
    """Identity forward, `-lambda` times the incoming gradient backward.

    The gradient reversal layer of domain-adversarial training (Ganin et al.
    2016): the layers before it receive the domain classifier's gradient with
    its sign flipped and scaled by `lambda`, so they learn features that confuse
    the domain classifier while the classifier itself still learns to tell the
    domains apart.

    The reversal is written with `stop_gradient` only, so it is portable across
    Keras backends and compiles under XLA:
    `y = stop_gradient(x) - lambda * (x - stop_gradient(x))` has the value `x`
    exactly and the derivative `-lambda`.

    `lambda` is a non-trainable variable (`layer.lambda_`), saved with the
    weights. It is either fixed (assign it yourself; the new value takes effect
    without retracing) or scheduled: after `layer.schedule(total_steps, gamma)`,
    every call with `training=True` (as `fit` makes them; a custom training
    loop must pass it, or `lambda` stays where it is) sets `lambda =
    reversal_lambda(step / total_steps, gamma)` and counts `step` up, inside
    the compiled step, so no Python callback runs between batches. `step`
    counts calls: a layer called twice per training step counts twice. It is
    saved with the weights too, so a run resumed from a checkpoint continues
    the schedule where it stopped. Files saved before the schedule existed
    (one weight, `lambda`) still load, with `lambda` fixed.

    Args:
        lambda_: initial value of `lambda` (a finite number >= 0).

    Example:

    >>> reverse = GradientReversal(lambda_=0.5)
    >>> tuple(reverse(keras.ops.ones((2, 3))).shape)
    (2, 3)
    >>> _ = reverse.lambda_.assign(1.0)  # fixed lambda, set by hand
    >>> float(reverse.lambda_)
    1.0
    >>> reverse.schedule(total_steps=1000, gamma=10.0)  # or scheduled, from 0
    >>> float(reverse.lambda_)
    0.0
    """

    def __init__(self, lambda_=1.0, **kwargs):
        super().__init__(**kwargs)
        validation.check_non_negative(lambda_, "lambda_")
        self.initial_lambda = float(lambda_)

        def scalar(name, value):
            # One value shared by every replica: under a distribution strategy
            # the in-step assignments take the first replica's (equal) value.
            return self.add_weight(
                shape=(),
                initializer=keras.initializers.Constant(value),
                trainable=False,
                dtype="float32",
                aggregation="only_first_replica",
                name=name,
            )

        self.lambda_ = scalar("lambda", self.initial_lambda)
        self.gamma = scalar("gamma", 10.0)
        self.step = scalar("step", 0.0)
        self.total_steps = scalar("total_steps", 0.0)  # 0: lambda is fixed
        self.supports_masking = True

    def schedule(self, total_steps, gamma=10.0):
        """Schedules `lambda` over the next `total_steps` training calls.

        Args:
            total_steps: training calls over which `p` runs from 0 to 1
                (afterwards `p` stays 1); 0 fixes `lambda` again.
            gamma: steepness of `reversal_lambda` (a finite number >= 0).
        """
        validation.check_positive_int(total_steps, "total_steps", minimum=0)
        validation.check_non_negative(gamma, "gamma")
        self.total_steps.assign(float(total_steps))
        self.gamma.assign(float(gamma))
        self.step.assign(0.0)
        if total_steps:
            self.lambda_.assign(0.0)  # reversal_lambda(0)

    def load_own_variables(self, store):
        if len(store.keys()) == 1:  # saved before the schedule existed
            self.lambda_.assign(store["0"])
            self.total_steps.assign(0.0)
            self.step.assign(0.0)
            return
        super().load_own_variables(store)

    def call(self, inputs, training=None):
        lam = self.lambda_
        if training:
            scheduled = ops.cast(self.total_steps > 0, "float32")  # () 1 or 0
            progress = ops.minimum(self.step / ops.maximum(self.total_steps, 1.0), 1.0)
            lam = (
                scheduled * reversal_lambda(progress, self.gamma)
                + (1.0 - scheduled) * self.lambda_
            )
            self.lambda_.assign(lam)
            self.step.assign(self.step + scheduled)
        lam = ops.cast(lam, inputs.dtype)
        frozen = ops.stop_gradient(inputs)
        # Value: frozen + 0 == inputs; derivative: -lam.
        return frozen - lam * (inputs - frozen)  # same shape as inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "lambda_": self.initial_lambda}
