"""Metrics shared by the recipes, as plain functions of arrays and models.

Sample quality of generative models (GAN, VAE), judged by a classifier trained
on the real data, the way TF-GAN scores MNIST generators with a digit
classifier in place of Inception:

- `frechet_distance`: the Fréchet distance between Gaussians fitted to the
  features of real and generated images (Heusel et al. 2017, "GANs Trained by a
  Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", the FID).
- `classifier_score`: `exp(E_x KL(p(y|x) || p(y)))`, the Inception Score of
  Salimans et al. 2016 ("Improved Techniques for Training GANs") computed with
  a digit classifier.
- `judge`: trains the ConvNet recipe (LeNet-5) as the classifier of both.

Example:

>>> from recipes import data, metrics
>>> bundle = data.load("digits")
>>> classifier = metrics.judge(bundle, epochs=1)  # the default trains up to 60
>>> features = metrics.penultimate_features(classifier)
>>> real = bundle.test[0]
>>> round(metrics.frechet_distance(real, real, features), 6)
0.0
"""

from __future__ import annotations

import keras
import numpy as np

from recipes import validation


def penultimate_features(classifier):
    """The classifier cut before its last layer: images -> feature vectors.

    Args:
        classifier: a Functional classifier such as one from `convnet.build`.

    Returns:
        A Functional `keras.Model` sharing the classifier's layers, whose output
        is the input of the classifier's last layer, flattened.
    """
    inputs = classifier.inputs
    features = classifier.layers[-1].input
    if len(features.shape) > 2:
        features = keras.layers.Flatten()(features)
    return keras.Model(inputs, features, name=f"{classifier.name}_features")


def _predict(model, images, batch_size):
    validation.check_positive_int(batch_size, "batch_size")
    shape = tuple(model.input_shape[1:])
    images = validation.check_array(images, "images", shape=shape)
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0))


def frechet_distance(real, generated, feature_model, *, batch_size=256):
    """Fréchet distance between the feature statistics of two image sets.

    With `mu, C` the mean and covariance of the features of each set,
    `d = |mu_r - mu_g|^2 + Tr(C_r + C_g - 2 (C_r C_g)^(1/2))`; 0 for two sets
    with the same statistics, larger the further apart they are.

    Args:
        real: `(N, H, W, C)` real images.
        generated: `(M, H, W, C)` generated images (N, M >= 2).
        feature_model: a model from images to `(batch, features)` vectors,
            e.g. `penultimate_features(classifier)`.
        batch_size: prediction batch size.

    Returns:
        The distance as a Python float (>= 0).

    Raises:
        ValueError: for a set of fewer than 2 images, images that do not fit
            `feature_model`, or a bad `batch_size`.

    Example:

    >>> from recipes import convnet, data, gan
    >>> x_test = data.load("digits").test[0]
    >>> classifier = convnet.build(input_shape=(8, 8, 1), num_classes=10)  # or judge()
    >>> features = penultimate_features(classifier)
    >>> round(frechet_distance(x_test, x_test, features), 6)
    0.0
    >>> model = gan.build(input_shape=(8, 8, 1))
    >>> frechet_distance(x_test, gan.sample(model, 1000), features) > 0
    True
    """
    statistics = []
    for name, images in (("real", real), ("generated", generated)):
        features = _predict(feature_model, images, batch_size).astype("float64")
        features = features.reshape(len(features), -1)  # (N, F)
        if len(features) < 2:
            raise ValueError(f"`{name}` needs at least 2 images, got {len(features)}.")
        statistics.append((features.mean(axis=0), np.cov(features, rowvar=False)))
    (mean_r, cov_r), (mean_g, cov_g) = statistics
    cov_r, cov_g = np.atleast_2d(cov_r), np.atleast_2d(cov_g)
    # Tr((C_r C_g)^(1/2)) = Tr((S C_g S)^(1/2)) with S = C_r^(1/2): the matrix
    # S C_g S is symmetric positive semi-definite, so eigh is stable on it.
    root_r = _psd_sqrt(cov_r)
    middle = root_r @ cov_g @ root_r
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None))
    distance = (
        np.sum((mean_r - mean_g) ** 2)
        + np.trace(cov_r)
        + np.trace(cov_g)
        - 2.0 * trace_root.sum()
    )
    return float(max(distance, 0.0))


def _psd_sqrt(matrix):
    """Square root of a symmetric positive semi-definite matrix (float64)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def classifier_score(images, classifier, *, batch_size=256, epsilon=1e-12):
    """The Inception Score of `images`, computed with a digit classifier.

    `exp(mean_x KL(p(y|x) || p(y)))` with `p(y)` the mean prediction: high when
    each image is classified confidently (sharp `p(y|x)`) and the classes are
    balanced (flat `p(y)`); between 1 and the number of classes.

    Args:
        images: `(N, H, W, C)` images in the classifier's input range.
        classifier: a model from images to class probabilities.
        batch_size: prediction batch size.
        epsilon: floor of the probabilities inside the logarithms.

    Returns:
        The score as a Python float.

    Raises:
        ValueError: for images that do not fit `classifier`, a classifier
            that does not output class probabilities, or a bad `batch_size`
            or `epsilon`.

    Example:

    >>> from recipes import convnet, data
    >>> x_test = data.load("digits").test[0]
    >>> classifier = convnet.build(input_shape=(8, 8, 1), num_classes=10)  # or judge()
    >>> 1.0 <= classifier_score(x_test, classifier) <= 10.0  # ~9.5 with a trained judge
    True
    """
    validation.check_positive(epsilon, "epsilon")
    probabilities = _predict(classifier, images, batch_size).astype("float64")
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise ValueError(
            "`classifier` must output (batch, classes) probabilities, got shape "
            f"{probabilities.shape}."
        )
    probabilities = np.clip(probabilities, epsilon, 1.0)  # (N, K)
    marginal = probabilities.mean(axis=0, keepdims=True)  # (1, K)
    divergence = np.sum(
        probabilities * (np.log(probabilities) - np.log(marginal)), axis=1
    )  # (N,)
    return float(np.exp(divergence.mean()))


def judge(data, *, epochs=60, batch_size=32, seed=0, verbose=0):
    """Trains a small ConvNet recipe classifier to judge generated images.

    A LeNet-5 (`convnet.build(arch="lenet")`) trained on the train split with
    early stopping on the validation split.

    Args:
        data: a `recipes.data.Bundle` with labelled train and val splits.
        epochs: the most epochs to train.
        batch_size: batch size.
        seed: seed of the weights and augmentation.
        verbose: Keras's verbosity.

    Returns:
        The trained classifier (images -> class probabilities).

    Raises:
        ValueError: before any training, for `data` that is not a
            `recipes.data.Bundle`, a bad seed or option, or data the
            classifier cannot train on (as in `convnet.fit`).
    """
    from recipes import convnet, training
    from recipes.data import Bundle

    if not isinstance(data, Bundle):
        raise ValueError(
            "`data` must be a recipes.data.Bundle (its info gives the input "
            f"shape and classes), got {type(data).__name__}."
        )
    seed = validation.check_seed(seed, allow_none=False)
    training.check_fit(epochs=epochs, batch_size=batch_size, verbose=verbose)

    keras.utils.set_random_seed(seed)
    classifier = convnet.build(
        input_shape=tuple(data.info.input_shape),
        num_classes=data.info.num_classes,
        arch="lenet",
        width=16,
        seed=seed,
        name="convnet_judge",
    )
    classifier = convnet.compile(classifier)
    convnet.fit(
        classifier,
        data,
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        early_stopping_patience=10,
    )
    return classifier
