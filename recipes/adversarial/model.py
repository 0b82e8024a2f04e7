"""`AdversarialModel`: a Functional classifier whose training step attacks itself.

The attack settings are `compile` arguments, saved in the `.keras` file with
the rest of the compile config. The training step has one version per
backend (`step_tensorflow`, `step_jax`), chosen here, once; both call
`mixed_batch`, the backend-neutral part.
"""

from __future__ import annotations

import keras
from keras import ops

from recipes import convnet, saving, validation
from recipes.adversarial import attacks

if keras.backend.backend() == "jax":
    from recipes.adversarial.step_jax import AdversarialTrainingStep
else:
    from recipes.adversarial.step_tensorflow import AdversarialTrainingStep

# Chosen on the validation split: docs/recipes/adversarial.md.
EPSILON = 0.2
STEPS = 5
ADVERSARIAL_FRACTION = 0.5
ATTACK_SETTINGS = ("epsilon", "steps", "step_size", "adversarial_fraction", "clip")


@saving.register
class AdversarialModel(AdversarialTrainingStep, saving.RecipeModel):
    """A classifier trained on clean and PGD examples made inside each step.

    For every batch `(x, y)` the step draws a PGD example of each image
    against the current weights (random start in the epsilon ball, `steps`
    signed-gradient steps, the model run in inference mode), then takes one
    update on the loss `(1 - a) * L(x, y) + a * L(x_adv, y)`, `a` being
    `adversarial_fraction` (Goodfellow, Shlens and Szegedy 2015, eq. 6; `a =
    1` is the min-max training of Madry et al. 2018). Outside training it is
    the plain Functional classifier it wraps.

    Args:
        *args: `inputs` and `outputs`, as for a Functional `keras.Model`.
        seed: seed of the `SeedGenerator` of PGD's random starts.
        **kwargs: passed to `recipes.saving.RecipeModel` (`name`, `recipe`).
    """

    def __init__(self, *args, seed=None, **kwargs):
        kwargs.setdefault("recipe", "adversarial")
        super().__init__(*args, **kwargs)
        self.seed = validation.check_seed(seed)
        self.attack_seed_generator = keras.random.SeedGenerator(seed)
        self.epsilon, self.steps, self.step_size = EPSILON, STEPS, None
        self.adversarial_fraction, self.clip = ADVERSARIAL_FRACTION, (0.0, 1.0)
        self.from_logits = attacks.uses_logits(self)

    def compile(
        self,
        *,
        epsilon=EPSILON,
        steps=STEPS,
        step_size=None,
        adversarial_fraction=ADVERSARIAL_FRACTION,
        clip=(0.0, 1.0),
        **kwargs,
    ):
        """Keras's `compile`, plus the attack the training step makes.

        Args:
            epsilon: radius of the L-infinity ball of the PGD examples (>= 0).
            steps: PGD steps per example (>= 1).
            step_size: size of each step (default `2.5 * epsilon / steps`).
            adversarial_fraction: weight `a` of the adversarial loss, in
                [0, 1].
            clip: the valid input range `(low, high)`, or `None`.
            **kwargs: passed to `keras.Model.compile` (`optimizer`, `loss`,
                `metrics`, `jit_compile`, ...).
        """
        validation.check_non_negative(epsilon, "epsilon")
        validation.check_positive_int(steps, "steps")
        if step_size is not None:
            validation.check_positive(step_size, "step_size")
        validation.check_fraction(
            adversarial_fraction, "adversarial_fraction", include_high=True
        )
        clip = attacks.check_clip(clip)
        super().compile(**kwargs)
        self.epsilon, self.steps = float(epsilon), int(steps)
        self.step_size = None if step_size is None else float(step_size)
        self.adversarial_fraction = float(adversarial_fraction)
        self.clip = clip

    def attack_settings(self):
        """`{epsilon, steps, step_size, adversarial_fraction, clip}` of the step."""
        clip = None if self.clip is None else list(self.clip)
        return {
            "epsilon": self.epsilon,
            "steps": self.steps,
            "step_size": self.step_size,
            "adversarial_fraction": self.adversarial_fraction,
            "clip": clip,
        }

    def get_compile_config(self):
        config = super().get_compile_config()
        return {**config, **self.attack_settings()} if config else config

    def compile_from_config(self, config):
        settings = {key: config[key] for key in ATTACK_SETTINGS if key in config}
        rest = {key: value for key, value in config.items() if key not in settings}
        self.compile(**keras.saving.deserialize_keras_object(rest), **settings)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}

    # -- what both backends' steps share --

    def adversarial_examples(self, x, y):
        """PGD examples of a batch against the current weights (no gradient).

        Args:
            x: `(B, ...)` inputs.
            y: `(B,)` or `(B, 1)` integer labels.

        Returns:
            `(B, ...)` adversarial inputs.
        """
        labels = ops.cast(ops.reshape(y, (-1,)), "int32")  # (B,)
        noise = keras.random.uniform(
            ops.shape(x), -1.0, 1.0, dtype=x.dtype, seed=self.attack_seed_generator
        )  # (B, ...)
        step_size = (
            self.step_size or attacks.PGD_STEP_FACTOR * self.epsilon / self.steps
        )
        adversarial = attacks.perturb(
            lambda inputs: self(inputs, training=False),
            x,
            labels,
            x + self.epsilon * noise,
            epsilon=self.epsilon,
            step_size=step_size,
            steps=self.steps,
            from_logits=self.from_logits,
            clip=self.clip,
            write_out=bool(self.jit_compile),
        )
        return ops.stop_gradient(adversarial)

    def mixed_batch(self, x, y, sample_weight=None):
        """The batch the update trains on: clean and PGD examples, weighted.

        With `a` the adversarial fraction, the clean examples weigh `2 (1 -
        a)` and the adversarial ones `2 a`, so Keras's mean over the doubled
        batch is `(1 - a) L(x) + a L(x_adv)`. `a = 1` trains on the PGD
        examples alone, `a = 0` on the clean ones alone (no attack is made).

        Returns:
            `(x, y, sample_weight)` for Keras's training step.
        """
        fraction = self.adversarial_fraction
        if fraction == 0.0 or self.epsilon == 0.0:
            return x, y, sample_weight
        adversarial = self.adversarial_examples(x, y)
        if fraction == 1.0:
            return adversarial, y, sample_weight
        batch = ops.shape(x)[0]
        weights = ops.concatenate(
            [
                ops.full((batch,), 2.0 * (1.0 - fraction), dtype=x.dtype),
                ops.full((batch,), 2.0 * fraction, dtype=x.dtype),
            ]
        )  # (2B,)
        if sample_weight is not None:
            weights = weights * ops.concatenate([sample_weight, sample_weight])
        both = ops.concatenate([x, adversarial], axis=0)  # (2B, ...)
        return both, ops.concatenate([y, y], axis=0), weights


def build(*, seed=None, name="adversarial_convnet", **architecture):
    """A ConvNet of `recipes.convnet` made an `AdversarialModel` (uncompiled).

    Args:
        seed: seed of the augmentation and of PGD's random starts.
        name: the model's name.
        **architecture: arguments of `recipes.convnet.build` (`input_shape`,
            `num_classes`, `arch`, `width`, `depth`, `dropout_rate`, ...),
            with its defaults.

    Returns:
        An `AdversarialModel` from images to class probabilities.

    Raises:
        ValueError: for a bad architecture argument (see `convnet.build`) or
            a bad `seed`.
    """
    base = convnet.build(seed=seed, name=name, **architecture)
    return AdversarialModel(base.inputs, base.outputs, name=name, seed=seed)
