"""Gradient attacks on any Keras classifier: FGSM and PGD, untargeted or targeted.

- FGSM (Goodfellow, Shlens and Szegedy 2015, "Explaining and Harnessing
  Adversarial Examples"): one step `x + epsilon * sign(grad_x loss(x, y))`.
- PGD (Madry et al. 2018, "Towards Deep Learning Models Resistant to
  Adversarial Attacks"): a random start in the L-infinity ball of radius
  `epsilon` around `x`, then `steps` steps of `step_size * sign(grad)`, each
  projected back into the ball and into the valid input range.
- Targeted variants step *down* the loss of a chosen target class,
  `x - epsilon * sign(grad_x loss(x, target))` (Kurakin, Goodfellow and Bengio
  2017, "Adversarial Examples in the Physical World").

`epsilon` is in the units of the inputs; every example is clipped to `clip`,
the valid input range (`(0, 1)` for the embedded images). The loss is the
cross-entropy of the model's outputs, which may be probabilities (a softmax
head, as every recipe's classifier has) or logits: `from_logits="auto"`
reads the last layer's activation, or failing that checks whether the
outputs on the first examples are distributions. The input gradient is the
only backend-specific piece (`gradient_tensorflow`, `gradient_jax`); the
attack runs as one compiled function per model and batch shape, with the
model's variable values passed in, so a model trained further is attacked
with its new weights. PGD's random start is drawn with NumPy from `seed`, so
the same seed gives the same examples on either backend.

Example:

>>> import numpy as np
>>> from recipes import adversarial, convnet
>>> model = convnet.build(arch="lenet", width=4)
>>> x = np.random.default_rng(0).random((4, 8, 8, 1), dtype="float32")
>>> y = np.array([0, 1, 2, 3])
>>> x_adv = adversarial.pgd(model, x, y, epsilon=0.1, steps=3, seed=0)
>>> bool(np.abs(x_adv - x).max() <= 0.1 + 1e-6)
True
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
from keras import ops

from recipes import validation

if keras.backend.backend() == "jax":
    from recipes.adversarial.gradient_jax import (
        COMPILED_BY_XLA,
        compile_function,
        value_and_gradient,
    )
else:
    from recipes.adversarial.gradient_tensorflow import (
        COMPILED_BY_XLA,
        compile_function,
        value_and_gradient,
    )

ATTACKS = ("fgsm", "pgd")
# Probabilities are floored here before the log, far below float32's
# resolution near 1, so the gradient of a confidently right example is never
# cut to zero (Keras's cross-entropy clips at 1e-7, which cuts it).
PROBABILITY_FLOOR = 1e-30
PGD_STEPS = 10
# Under XLA, attacks of up to this many steps are written out step by step in
# the compiled function, longer ones loop: XLA runs the loop several times
# slower on CPU. A TensorFlow graph without XLA runs the loop as fast and traces
# it once, so it always loops (docs/recipes/adversarial.md, "Speed").
UNROLLED_STEPS = 100
PGD_STEP_FACTOR = 2.5  # step size = 2.5 * epsilon / steps (Madry et al. 2018)

_RUNNERS = weakref.WeakKeyDictionary()  # model -> {options: compiled attack}


# ------------------------------------------------------------------ checks ---


def check_classifier(model, name="model"):
    """Refuses a model that does not output class scores; returns the class count.

    Raises:
        ValueError: for anything but a `keras.Model` with one `(batch,
            classes)` output of at least two classes.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"`{name}` must be a keras.Model, got {type(model).__name__}.")
    shapes = model.output_shape
    if not (
        isinstance(shapes, tuple)
        and all(isinstance(s, (int, type(None))) for s in shapes)
    ):
        raise ValueError(
            f"`{name}` must have one output of class scores, got {shapes}."
        )
    if len(shapes) != 2 or not shapes[-1] or shapes[-1] < 2:
        raise ValueError(
            f"`{name}` must output class scores of shape (batch, classes) with at "
            f"least 2 classes, got output shape {shapes}."
        )
    return shapes[-1]


def check_clip(clip, name="clip"):
    """`None` or a `(low, high)` pair of floats with `low < high`."""
    if clip is None:
        return None
    try:
        low, high = (float(value) for value in clip)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be None or (low, high), got {clip!r}."
        ) from None
    if not low < high:
        raise ValueError(f"`{name}` must have low < high, got {clip!r}.")
    return low, high


def uses_logits(model, from_logits="auto", probe=None):
    """Whether `model` outputs logits (`True`) or probabilities (`False`).

    Args:
        model: a classifier.
        from_logits: `True`, `False`, or `"auto"`: a softmax (or sigmoid)
            last layer means probabilities, a linear one logits; otherwise
            the outputs on `probe` decide (non-negative rows that sum to 1
            are probabilities).
        probe: a few inputs, used only when the last layer does not tell.

    Returns:
        A bool.

    Raises:
        ValueError: for a `from_logits` that is not `"auto"` or a bool.
    """
    if isinstance(from_logits, bool):
        return from_logits
    if from_logits != "auto":
        raise ValueError(
            f"`from_logits` must be 'auto', True or False, got {from_logits!r}."
        )
    activation = getattr(getattr(model, "layers", [None])[-1], "activation", None)
    name = getattr(activation, "__name__", None)
    if name in ("softmax", "sigmoid"):
        return False
    if name == "linear" or probe is None:  # nothing says probabilities
        return True
    outputs = keras.ops.convert_to_numpy(model(probe[:8], training=False))
    is_distribution = np.all(outputs >= 0) and np.allclose(
        outputs.sum(-1), 1, atol=1e-3
    )
    return not bool(is_distribution)


def _check_attack(model, x, y, epsilon, clip, labels_name="y"):
    num_classes = check_classifier(model)
    validation.check_non_negative(epsilon, "epsilon")
    clip = check_clip(clip)
    low, high = clip if clip is not None else (None, None)
    x = validation.check_array(x, "x", shape=model.input_shape[1:], low=low, high=high)
    y = validation.check_labels(y, labels_name, num_classes=num_classes, length=len(x))
    return x, np.asarray(y, "int32"), clip


# ------------------------------------------------------------- the attack ---


def cross_entropy(outputs, labels, from_logits):
    """Summed cross-entropy of `(B, classes)` outputs against `(B,)` labels."""
    one_hot = ops.one_hot(labels, ops.shape(outputs)[-1], dtype=outputs.dtype)
    if from_logits:
        log_probabilities = ops.log_softmax(outputs, axis=-1)  # (B, classes)
    else:
        log_probabilities = ops.log(ops.maximum(outputs, PROBABILITY_FLOOR))
    return -ops.sum(one_hot * log_probabilities)


def perturb(
    predict,
    x,
    y,
    start,
    *,
    epsilon,
    step_size,
    steps,
    targeted=False,
    from_logits=False,
    clip=(0.0, 1.0),
    write_out=True,
):
    """Signed-gradient steps from `start`, kept in the epsilon ball and in `clip`.

    The backend-neutral core of FGSM and PGD, traced inside the compiled
    attack and inside adversarial training's step.

    Args:
        predict: maps `(B, ...)` inputs to `(B, classes)` outputs.
        x: `(B, ...)` clean inputs.
        y: `(B,)` true labels (targets when `targeted`).
        start: `(B, ...)` first iterate (`x` for FGSM, `x` plus uniform noise
            for PGD).
        epsilon: radius of the L-infinity ball around `x`.
        step_size: size of each signed step.
        steps: number of steps (a Python int, at least 1).
        targeted: step down the loss of `y` instead of up.
        from_logits: whether `predict` returns logits.
        clip: `(low, high)` valid input range, or `None`.
        write_out: whether the steps are written out one by one (for a
            function XLA compiles; up to `UNROLLED_STEPS` of them) rather
            than looped with `ops.fori_loop`.

    Returns:
        `(B, ...)` adversarial inputs.
    """
    direction = -1.0 if targeted else 1.0
    lower, upper = x - epsilon, x + epsilon  # (B, ...)
    if clip is not None:
        lower = ops.maximum(lower, clip[0])
        upper = ops.minimum(upper, clip[1])

    def project(candidate):
        return ops.minimum(ops.maximum(candidate, lower), upper)

    def step(index, current):
        _, gradient = value_and_gradient(
            lambda inputs: cross_entropy(predict(inputs), y, from_logits), current
        )
        return project(current + direction * step_size * ops.sign(gradient))

    current = project(start)
    if not write_out or steps > UNROLLED_STEPS:
        return ops.fori_loop(0, steps, step, current)
    for index in range(steps):  # written out: see UNROLLED_STEPS
        current = step(index, current)
    return current


def _runner(model, *, steps, targeted, from_logits, clip):
    """The compiled `run(values, x, y, noise, epsilon, step_size)` for `model`."""
    key = (steps, targeted, from_logits, clip)
    runners = _RUNNERS.setdefault(model, {})
    if key not in runners:
        variables = list(model.variables)

        def run(values, x, y, noise, epsilon, step_size):
            mapping = list(zip(variables, values))
            with keras.StatelessScope(state_mapping=mapping):
                predict = lambda inputs: model(inputs, training=False)  # noqa: E731
                adversarial = perturb(
                    predict,
                    x,
                    y,
                    x + epsilon * noise,
                    epsilon=epsilon,
                    step_size=step_size,
                    steps=steps,
                    targeted=targeted,
                    from_logits=from_logits,
                    clip=clip,
                    write_out=COMPILED_BY_XLA,
                )
                labels = ops.argmax(predict(adversarial), axis=-1)  # (B,)
            return adversarial, labels

        runners[key] = compile_function(run)
    return runners[key]


def run_attack(
    model,
    x,
    y,
    noise,
    *,
    epsilon,
    step_size,
    steps,
    targeted,
    from_logits,
    clip,
    batch_size,
):
    """Runs the compiled attack over `x` in batches (the last one padded).

    Returns:
        `(adversarial inputs, the model's predicted labels on them)`, NumPy.
    """
    runner = _runner(
        model, steps=steps, targeted=targeted, from_logits=from_logits, clip=clip
    )
    values = [variable.value for variable in model.variables]
    epsilon = np.float32(epsilon)
    step_size = np.float32(step_size)
    batch_size = min(batch_size, len(x))
    adversarial, labels = [], []
    for begin in range(0, len(x), batch_size):
        rows = slice(begin, begin + batch_size)
        parts = [x[rows], y[rows], noise[rows]]
        count = len(parts[0])
        if count < batch_size:  # pad, so every batch has one compiled shape
            parts = [
                np.concatenate([p, p[:1].repeat(batch_size - count, 0)]) for p in parts
            ]
        batch_adversarial, batch_labels = runner(values, *parts, epsilon, step_size)
        adversarial.append(ops.convert_to_numpy(batch_adversarial)[:count])
        labels.append(ops.convert_to_numpy(batch_labels)[:count])
    return np.concatenate(adversarial), np.concatenate(labels).astype("int32")


def fgsm(
    model,
    x,
    y,
    *,
    epsilon,
    targeted=False,
    from_logits="auto",
    clip=(0.0, 1.0),
    batch_size=256,
):
    """Fast gradient sign method: `clip(x + epsilon * sign(grad_x loss(x, y)))`.

    Args:
        model: a classifier outputting `(B, classes)` probabilities or logits.
        x: inputs, one batch or a whole split.
        y: their true labels; with `targeted=True`, the target labels.
        epsilon: size of the perturbation, in the units of the inputs (>= 0).
        targeted: step towards `y` (`x - epsilon * sign(grad loss(x, y))`).
        from_logits: see `uses_logits`.
        clip: the valid input range `(low, high)`, or `None`.
        batch_size: examples per compiled call.

    Returns:
        The adversarial inputs, float32 NumPy of the shape of `x`.

    Raises:
        ValueError: for a model without class outputs, a negative `epsilon`,
            inputs that do not fit the model or lie outside `clip`, labels
            out of range, or a bad `batch_size`.

    Example:

    >>> import numpy as np
    >>> from recipes import convnet
    >>> model = convnet.build(arch="lenet", width=4)
    >>> x = np.full((2, 8, 8, 1), 0.5, "float32")
    >>> x_adv = fgsm(model, x, [3, 7], epsilon=0.1)
    >>> bool(np.allclose(np.abs(x_adv - x), 0.1))  # every pixel moved by epsilon
    True
    """
    return fgsm_with_predictions(**locals())[0]


def fgsm_with_predictions(
    model, x, y, *, epsilon, targeted, from_logits, clip, batch_size
):
    """`fgsm`, returning `(adversarial inputs, the model's labels for them)`."""
    x, y, clip = _check_attack(model, x, y, epsilon, clip)
    validation.check_positive_int(batch_size, "batch_size")
    return run_attack(
        model,
        x,
        y,
        np.zeros_like(x),
        epsilon=epsilon,
        step_size=epsilon,
        steps=1,
        targeted=bool(targeted),
        from_logits=uses_logits(model, from_logits, x),
        clip=clip,
        batch_size=batch_size,
    )


def pgd(
    model,
    x,
    y,
    *,
    epsilon,
    steps=PGD_STEPS,
    step_size=None,
    random_start=True,
    seed=0,
    targeted=False,
    from_logits="auto",
    clip=(0.0, 1.0),
    batch_size=256,
):
    """Projected gradient descent in the L-infinity ball (Madry et al. 2018).

    Starts from `x` plus uniform noise in `[-epsilon, epsilon]` (drawn with
    NumPy from `seed`), then takes `steps` signed-gradient steps of
    `step_size`, each projected back into the ball around `x` and into `clip`.

    Args:
        model: a classifier outputting `(B, classes)` probabilities or logits.
        x: inputs, one batch or a whole split.
        y: their true labels; with `targeted=True`, the target labels.
        epsilon: radius of the ball, in the units of the inputs (>= 0).
        steps: number of steps (>= 1; default 10).
        step_size: size of each step (default `2.5 * epsilon / steps`).
        random_start: start from a random point of the ball (default) or
            from `x`.
        seed: seed of the random start.
        targeted: step towards `y` instead of away from it.
        from_logits: see `uses_logits`.
        clip: the valid input range `(low, high)`, or `None`.
        batch_size: examples per compiled call.

    Returns:
        The adversarial inputs, float32 NumPy of the shape of `x`.

    Raises:
        ValueError: as `fgsm`, and for `steps < 1`, a step size that is not
            positive, or a bad `seed`.
    """
    return pgd_with_predictions(**locals())[0]


def pgd_with_predictions(
    model,
    x,
    y,
    *,
    epsilon,
    steps,
    step_size,
    random_start,
    seed,
    targeted,
    from_logits,
    clip,
    batch_size,
):
    """`pgd`, returning `(adversarial inputs, the model's labels for them)`."""
    x, y, clip = _check_attack(model, x, y, epsilon, clip)
    validation.check_positive_int(steps, "steps")
    if step_size is None:
        step_size = PGD_STEP_FACTOR * epsilon / steps
    elif epsilon:
        validation.check_positive(step_size, "step_size")
    seed = validation.check_seed(seed, allow_none=False)
    validation.check_positive_int(batch_size, "batch_size")
    noise = np.zeros_like(x)
    if random_start:
        noise = np.random.default_rng(seed).uniform(-1.0, 1.0, x.shape)
    return run_attack(
        model,
        x,
        y,
        noise.astype("float32"),
        epsilon=epsilon,
        step_size=step_size,
        steps=steps,
        targeted=bool(targeted),
        from_logits=uses_logits(model, from_logits, x),
        clip=clip,
        batch_size=batch_size,
    )
