"""Custom layers shared by the recipes, each registered serializable.

Every layer here uses `keras.ops` and `keras.random` only, runs under XLA, and
has a complete `get_config`, so models that use it save to `.keras` and load
back in safe mode without `custom_objects`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recipes import training

PACKAGE = "recipes"


@keras.saving.register_keras_serializable(package=PACKAGE)
class RandomShift(keras.layers.Layer):
    """Shifts each image by a random whole number of pixels, in training only.

    A data augmentation for small images that, unlike Keras's
    `RandomTranslation`, compiles under XLA: the image is zero-padded by
    `max_shift` pixels and each example picks one of the `(2 * max_shift + 1)**2`
    crops with one-hot weights.

    Args:
        max_shift: the largest shift in pixels along each axis (at least 1).
        seed: seed of the `SeedGenerator`.

    Example:

    >>> shift = RandomShift(max_shift=1, seed=0)
    >>> tuple(shift(keras.ops.ones((2, 8, 8, 1)), training=True).shape)
    (2, 8, 8, 1)
    """

    def __init__(self, max_shift=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(max_shift, bool)
            or not isinstance(max_shift, int)
            or max_shift < 1
        ):
            raise ValueError(f"`max_shift` must be an integer >= 1, got {max_shift!r}.")
        self.max_shift = max_shift
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        shift = self.max_shift
        choices = 2 * shift + 1
        batch = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]
        padded = ops.pad(images, [[0, 0], [shift, shift], [shift, shift], [0, 0]])
        offsets = keras.random.randint((2, batch), 0, choices, seed=self.seed_generator)
        pick_rows = ops.one_hot(offsets[0], choices, dtype=images.dtype)  # (B, choices)
        pick_cols = ops.one_hot(offsets[1], choices, dtype=images.dtype)  # (B, choices)
        rows = ops.stack([padded[:, i : i + height] for i in range(choices)], axis=1)
        rows = ops.einsum("bkhwc,bk->bhwc", rows, pick_rows)  # (B, H, W + 2s, C)
        cols = ops.stack([rows[:, :, j : j + width] for j in range(choices)], axis=1)
        return ops.einsum("bkhwc,bk->bhwc", cols, pick_cols)  # (B, H, W, C)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_shift": self.max_shift, "seed": self.seed}


# ------------------------------------------------ siamese distances (#8) ---


@keras.saving.register_keras_serializable(package=PACKAGE)
class EuclideanDistance(keras.layers.Layer):
    """Euclidean distance `||a - b||` between two batches of embeddings.

    The distance of Hadsell, Chopra & LeCun (2006) on which
    `recipes.losses.ContrastiveLoss` works. A small `epsilon` inside the square
    root keeps the gradient finite when the two embeddings coincide.

    Args:
        epsilon: added to the squared distance before the square root.

    Example:

    >>> a, b = keras.ops.zeros((2, 3)), keras.ops.ones((2, 3))
    >>> distance = EuclideanDistance()([a, b])
    >>> keras.ops.convert_to_numpy(distance).round(4)  # sqrt(3)
    array([[1.7321],
           [1.7321]], dtype=float32)
    """

    def __init__(self, epsilon=1e-9, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        a, b = inputs  # (B, D) each
        squared = ops.sum(ops.square(a - b), axis=-1, keepdims=True)  # (B, 1)
        return ops.sqrt(ops.maximum(squared, self.epsilon))  # (B, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CosineSimilarity(keras.layers.Layer):
    """Cosine similarity `a.b / (||a|| ||b||)` of two batches of embeddings.

    Lies in [-1, 1]: 1 for embeddings pointing the same way. The input of
    `recipes.losses.CosineContrastiveLoss`.

    Args:
        epsilon: floor of each norm, so that a zero embedding does not divide
            by zero.

    Example:

    >>> x = keras.ops.ones((2, 3))
    >>> similarity = CosineSimilarity()([x, x])
    >>> keras.ops.convert_to_numpy(similarity).round(4)
    array([[1.],
           [1.]], dtype=float32)
    """

    def __init__(self, epsilon=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        a, b = inputs  # (B, D) each
        norm_a = ops.maximum(ops.norm(a, axis=-1, keepdims=True), self.epsilon)
        norm_b = ops.maximum(ops.norm(b, axis=-1, keepdims=True), self.epsilon)
        return ops.sum(a * b, axis=-1, keepdims=True) / (norm_a * norm_b)  # (B, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=PACKAGE)
class WeightedL1Similarity(keras.layers.Layer):
    """Koch et al. (2015): `sigmoid(sum_k alpha_k |a_k - b_k| + bias)`.

    The probability that two inputs belong to the same class, from the learned
    weights `alpha` (one per embedding component) of the component-wise L1
    distance. Koch et al.'s formula has no bias; with one (`use_bias=True`,
    the default, as in their fully connected output unit) identical inputs
    can reach probabilities near 1 instead of exactly 0.5.

    Args:
        use_bias: whether to learn the bias inside the sigmoid.
        alpha_regularizer: regularizer of `alpha` (e.g. an L2 weight decay).

    Example:

    >>> layer = WeightedL1Similarity()
    >>> tuple(layer([keras.ops.zeros((2, 3)), keras.ops.ones((2, 3))]).shape)
    (2, 1)
    """

    def __init__(self, use_bias=True, alpha_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = bool(use_bias)
        self.alpha_regularizer = keras.regularizers.get(alpha_regularizer)

    def build(self, input_shape):
        dim = input_shape[0][-1]
        # Start with negative weights: a larger distance means a lower probability.
        self.alpha = self.add_weight(
            name="alpha",
            shape=(dim,),
            initializer=keras.initializers.Constant(-1.0 / dim),
            regularizer=self.alpha_regularizer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(1,), initializer="ones")
            if self.use_bias
            else None
        )

    def call(self, inputs):
        a, b = inputs  # (B, D) each
        logits = ops.sum(self.alpha * ops.abs(a - b), axis=-1, keepdims=True)  # (B, 1)
        if self.bias is not None:
            logits = logits + self.bias
        return ops.sigmoid(logits)  # (B, 1), in (0, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {
            **super().get_config(),
            "use_bias": self.use_bias,
            "alpha_regularizer": keras.regularizers.serialize(self.alpha_regularizer),
        }


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


@keras.saving.register_keras_serializable(package=PACKAGE)
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
        training.check_non_negative(lambda_, "lambda_")
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
        training.check_positive_int(total_steps, "total_steps", minimum=0)
        training.check_non_negative(gamma, "gamma")
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


@keras.saving.register_keras_serializable(package=PACKAGE)
class Sampling(keras.layers.Layer):
    """Draws `z = mean + exp(log_var / 2) * eps`, `eps ~ N(0, I)`.

    The reparameterisation trick of the variational autoencoder (Kingma &
    Welling 2014): the randomness sits in `eps`, so gradients flow to both the
    mean and the log-variance. It samples in training and inference alike (the
    ELBO is estimated with a sample at evaluation too).

    Args:
        seed: seed of the `SeedGenerator` that draws `eps`.

    Example:

    >>> sampling = Sampling(seed=0)
    >>> tuple(sampling([keras.ops.zeros((2, 3)), keras.ops.zeros((2, 3))]).shape)
    (2, 3)
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs  # (B, latent_dim) each
        epsilon = keras.random.normal(
            ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon  # (B, latent_dim)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class TiedDense(keras.layers.Layer):
    """A dense layer whose decoder direction reuses the transposed kernel.

    One layer, one kernel variable `W` of shape `(input_dim, units)`, called
    twice in a Functional autoencoder: `layer(x)` encodes,
    `activation(x @ W + b)`, and `layer(h, transpose=True)` decodes,
    `transpose_activation(h @ W.T + c)`, with its own bias `c` of shape
    `(input_dim,)`. Tying the weights (as in Vincent et al. 2008) halves the
    kernel parameters of an autoencoder and, because both directions read the
    same variable, they stay tied through training and a `.keras` round trip.

    Args:
        units: size of the encoded output (at least 1).
        activation: activation of the encoding direction.
        transpose_activation: activation of the decoding direction.
        use_bias: whether each direction adds its bias.
        kernel_initializer: initializer of the shared kernel.

    Example:

    >>> tied = TiedDense(3)
    >>> code = tied(keras.ops.ones((2, 5)))
    >>> tuple(code.shape), tuple(tied(code, transpose=True).shape)
    ((2, 3), (2, 5))
    >>> len(tied.weights)  # one (5, 3) kernel and a bias for each direction
    3
    """

    def __init__(
        self,
        units,
        activation=None,
        transpose_activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"`units` must be an integer >= 1, got {units!r}.")
        self.units = units
        self.activation = keras.activations.get(activation)
        self.transpose_activation = keras.activations.get(transpose_activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.bias = self.transpose_bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer="zeros", name="bias"
            )
            self.transpose_bias = self.add_weight(
                shape=(input_dim,), initializer="zeros", name="transpose_bias"
            )

    def call(self, inputs, transpose=False):
        if transpose:  # (B, units) -> (B, input_dim)
            outputs = ops.matmul(inputs, ops.transpose(self.kernel))
            if self.use_bias:
                outputs = outputs + self.transpose_bias
            return self.transpose_activation(outputs)
        outputs = ops.matmul(inputs, self.kernel)  # (B, input_dim) -> (B, units)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "transpose_activation": keras.activations.serialize(
                self.transpose_activation
            ),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskingNoise(keras.layers.Layer):
    """Masking noise of denoising autoencoders, in training only.

    Each input value is set to zero with probability `rate`, independently,
    and, unlike `keras.layers.Dropout`, the kept values are NOT rescaled by
    `1 / (1 - rate)`: the corruption of Vincent et al. (2008), where the
    network must fill in the missing values. At inference it is the identity.

    Args:
        rate: probability of zeroing a value, in [0, 1).
        seed: seed of the `SeedGenerator`.

    Example:

    >>> noise = MaskingNoise(0.5, seed=0)
    >>> x = keras.ops.ones((2, 4))
    >>> keras.ops.convert_to_numpy(noise(x, training=False))  # unchanged
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    >>> noisy = keras.ops.convert_to_numpy(noise(x, training=True))
    >>> np.unique(noisy).tolist()  # zeroed or kept as is, never rescaled
    [0.0, 1.0]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        ok = isinstance(rate, (int, float)) and not isinstance(rate, bool)
        if not ok or not 0 <= rate < 1:
            raise ValueError(f"`rate` must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        uniform = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator)
        return ops.where(uniform >= self.rate, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class SafeUnitNormalization(keras.layers.Layer):
    """`x / sqrt(sum(x**2) + 1e-12)` along the last axis.

    Unlike `keras.layers.UnitNormalization`, its gradient stays finite at
    `x = 0` (a code whose features are all zero), also under XLA.
    """

    def call(self, x):
        return x * ops.rsqrt(ops.sum(ops.square(x), axis=-1, keepdims=True) + 1e-12)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package=PACKAGE)
class RandomWarp(keras.layers.Layer):
    """Random elastic-affine warps of images, in training only.

    Each image is resampled (bilinearly, zero outside) at coordinates rotated
    by up to `rotation` radians, scaled by up to `exp(+-scale)`, sheared by up
    to `shear`, shifted by up to `shift` pixels and displaced by a smooth
    random field (a 3x3 grid of normal offsets of deviation `elastic` pixels,
    bilinearly upsampled). The resampling is a `(H*W, H*W)` weight matrix per
    image built from elementwise ops, so it compiles under XLA; it is meant
    for small images (8x8 digits).

    Example:

    >>> warp = RandomWarp(seed=0)
    >>> tuple(warp(keras.ops.ones((2, 8, 8, 1)), training=True).shape)
    (2, 8, 8, 1)
    """

    def __init__(
        self,
        rotation=0.25,
        scale=0.15,
        shear=0.2,
        shift=1.0,
        elastic=0.3,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for value, name in [
            (rotation, "rotation"),
            (scale, "scale"),
            (shear, "shear"),
            (shift, "shift"),
            (elastic, "elastic"),
        ]:
            if value < 0:
                raise ValueError(f"`{name}` must be >= 0, got {value!r}.")
        self.rotation, self.scale, self.shear = rotation, scale, shear
        self.shift, self.elastic, self.seed = shift, elastic, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        height, width = int(input_shape[1]), int(input_shape[2])
        rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        self._rows = rows.reshape(-1).astype("float32")  # (P,)
        self._cols = cols.reshape(-1).astype("float32")  # (P,)
        self._centre = ((height - 1) / 2, (width - 1) / 2)

        def tent(n):  # (n, 3): bilinear weights of 3 grid knots at n positions
            return np.maximum(
                0, 1 - np.abs(np.linspace(0, 2, n)[:, None] - np.arange(3))
            )

        upsample = np.einsum("ia,jb->abij", tent(height), tent(width))
        self._upsample = upsample.reshape(9, height * width).astype("float32")

    def call(self, images, training=False):
        if not training:
            return images
        batch = ops.shape(images)[0]
        size = self._rows.shape[0]
        u = keras.random.uniform((batch, 5), -1.0, 1.0, seed=self.seed_generator)
        angle, shear = u[:, :1] * self.rotation, u[:, 2:3] * self.shear
        zoom = ops.exp(u[:, 1:2] * self.scale)
        cos, sin = ops.cos(angle), ops.sin(angle)
        r = ops.convert_to_tensor(self._rows - self._centre[0])[None]  # (1, P)
        c = ops.convert_to_tensor(self._cols - self._centre[1])[None]
        src_r = (cos * r - sin * c) * zoom + u[:, 3:4] * self.shift + self._centre[0]
        src_c = (sin * r + (cos + shear) * c) * zoom + u[:, 4:5] * self.shift
        src_c = src_c + self._centre[1]  # (B, P) source coordinates
        if self.elastic:
            knots = keras.random.normal((batch, 2, 9), seed=self.seed_generator)
            field = ops.einsum("bkn,np->bkp", knots * self.elastic, self._upsample)
            src_r, src_c = src_r + field[:, 0], src_c + field[:, 1]
        rows = ops.convert_to_tensor(self._rows)[None, None]  # (1, 1, P)
        cols = ops.convert_to_tensor(self._cols)[None, None]
        weights = ops.relu(1 - ops.abs(src_r[:, :, None] - rows)) * ops.relu(
            1 - ops.abs(src_c[:, :, None] - cols)
        )  # (B, P out, P in)
        flat = ops.reshape(images, (batch, size, -1))  # (B, P, C)
        warped = ops.einsum("bpq,bqc->bpc", weights, flat)
        return ops.reshape(warped, ops.shape(images))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rotation": self.rotation,
            "scale": self.scale,
            "shear": self.shear,
            "shift": self.shift,
            "elastic": self.elastic,
            "seed": self.seed,
        }
