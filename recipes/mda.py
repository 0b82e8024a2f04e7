"""Marginalized (stacked) denoising autoencoders: closed form, no gradient descent.

Chen, Xu, Weinberger and Sha (2012), "Marginalized Denoising Autoencoders for
Domain Adaptation". A linear denoising autoencoder `W` reconstructs each input
`x` from corrupted copies `x~` in which every feature is zeroed with
probability `p`. With `m` copies of the data, least squares gives
`W = P Q^-1`, `P = X X~'`, `Q = X~ X~'`; letting `m` grow to infinity replaces
`P` and `Q` by their expectations, which have a closed form. Writing `X` with a
constant bias feature appended, `S = X X'` and the "survival" vector
`q = (1 - p, ..., 1 - p, 1)` (the bias is never corrupted):

    E[Q]_ab = S_ab q_a q_b   (a != b),   E[Q]_aa = S_aa q_a
    E[P]_ab = S_ab q_b

so `W = E[P] E[Q]^-1` is one linear solve. A nonlinearity on top, `tanh(W x)`,
gives the hidden code; stacking layers on the codes gives mSDA, whose features
are the input concatenated with every layer's code (as in the paper), meant
for a linear classifier or SVM.

Rows are examples here (`x` is `(n, d)`), so the formulas above are applied to
`X = x'`. How mSDA features compare with a trained stacked denoising
autoencoder's on `digits`, and what they give across domains (`syn_digits` ->
`digits`, `digits` -> `digits_m`), is measured in docs/recipes/autoencoder.md
(sections on mSDA).

Example:

>>> import numpy as np
>>> from recipes.mda import MarginalizedDenoisingAutoencoder
>>> x = np.random.rand(100, 64)
>>> msda = MarginalizedDenoisingAutoencoder(num_layers=2, noise_level=0.5)
>>> msda.fit(x).transform(x).shape
(100, 192)
"""

from __future__ import annotations

import numpy as np

from recipes import validation

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


def _check_features(x, name="x", dim=None):
    x = np.asarray(x, dtype="float64")
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be a non-empty (examples, features...) array, got {x.shape}."
        )
    x = x.reshape(len(x), -1)  # (n, d): images are flattened
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"`{name}` must have {dim} features, got {x.shape[1]}.")
    return x


def expected_scatter(x, noise_level):
    """The expectations `E[P]` and `E[Q]` over masking corruption.

    Args:
        x: `(n, d)` uncorrupted data.
        noise_level: probability `p` of zeroing a feature, in [0, 1).

    Returns:
        `(E[P], E[Q])` of shapes `(d, d + 1)` and `(d + 1, d + 1)`; the last
        row/column is the bias feature (a constant 1, never corrupted).
    """
    x = _check_features(x)
    validation.check_fraction(noise_level, "noise_level")
    biased = np.concatenate([x, np.ones((len(x), 1))], axis=1)  # (n, d + 1)
    scatter = biased.T @ biased  # S = X X', (d + 1, d + 1)
    q = np.full(scatter.shape[0], 1.0 - noise_level)
    q[-1] = 1.0  # the bias survives
    expected_q = scatter * np.outer(q, q)
    np.fill_diagonal(expected_q, q * np.diag(scatter))
    expected_p = (scatter * q[None, :])[:-1]  # (d, d + 1): targets are uncorrupted
    return expected_p, expected_q


def mda_weights(x, noise_level, regularization=1e-5):
    """The closed-form mapping of one marginalized denoising autoencoder.

    Args:
        x: `(n, d)` data (or `(n, ...)`, flattened).
        noise_level: masking probability `p` in [0, 1).
        regularization: ridge `lambda >= 0` added to the diagonal of `E[Q]`
            (keeps the solve well posed for constant or duplicated features).

    Returns:
        `W` of shape `(d, d + 1)`: reconstruction `x^ = W [x; 1]`.

    Example:

    >>> W = mda_weights(np.random.rand(50, 4), 0.3)
    >>> W.shape
    (4, 5)
    """
    validation.check_non_negative(regularization, "regularization")
    expected_p, expected_q = expected_scatter(x, noise_level)
    expected_q = expected_q + regularization * np.eye(len(expected_q))
    # W E[Q] = E[P]  <=>  E[Q] W' = E[P]'  (E[Q] is symmetric)
    return np.linalg.solve(expected_q, expected_p.T).T


class MarginalizedDenoisingAutoencoder:
    """Stacked marginalized denoising autoencoder (mSDA), fit/transform on arrays.

    Each layer is fit in closed form (`mda_weights`) on the previous layer's
    output and maps `h -> activation(W [h; 1])`. No gradient descent, no
    epochs: fitting costs one `(d + 1) x (d + 1)` solve per layer.

    Args:
        num_layers: number of stacked layers (at least 1).
        noise_level: masking probability `p` in [0, 1).
        regularization: ridge added to `E[Q]`.
        activation: `"tanh"` (the paper's), `"sigmoid"`, `"relu"` or
            `"linear"`.
        concatenate: whether `transform` returns the input and every layer's
            output side by side (the paper's representation) rather than the
            last layer's output only.

    Example:

    >>> msda = MarginalizedDenoisingAutoencoder(num_layers=3, noise_level=0.5)
    >>> features = msda.fit(np.random.rand(200, 64)).transform(np.random.rand(5, 64))
    >>> features.shape
    (5, 256)
    """

    def __init__(
        self,
        num_layers=3,
        noise_level=0.5,
        regularization=1e-5,
        activation="tanh",
        concatenate=True,
    ):
        validation.check_positive_int(num_layers, "num_layers")
        validation.check_fraction(noise_level, "noise_level")
        validation.check_choice(activation, "activation", ACTIVATIONS)
        validation.check_non_negative(regularization, "regularization")
        self.num_layers = num_layers
        self.noise_level = float(noise_level)
        self.regularization = regularization
        self.activation = activation
        self.concatenate = concatenate
        self.weights_ = None

    def _activate(self, z):
        if self.activation == "tanh":
            return np.tanh(z)
        if self.activation == "sigmoid":
            return 1.0 / (1.0 + np.exp(-z))
        if self.activation == "relu":
            return np.maximum(z, 0.0)
        return z

    def _layer(self, h, weights):
        biased = np.concatenate([h, np.ones((len(h), 1))], axis=1)  # (n, d + 1)
        return self._activate(biased @ weights.T)  # (n, d)

    def fit(self, x):
        """Fits every layer in closed form on unlabeled `x` (`(n, ...)`).

        Returns:
            `self`.
        """
        h = _check_features(x)
        self.input_dim_ = h.shape[1]
        self.weights_ = []
        for _ in range(self.num_layers):
            weights = mda_weights(h, self.noise_level, self.regularization)
            self.weights_.append(weights)
            h = self._layer(h, weights)
        return self

    def transform(self, x):
        """Features of `x`: `[x, h_1, ..., h_L]`, or `h_L` alone.

        Returns:
            float32 array `(n, d * (L + 1))` (or `(n, d)`).
        """
        if self.weights_ is None:
            raise ValueError("The model is not fitted; call `fit(x)` first.")
        h = _check_features(x, dim=self.input_dim_)
        outputs = [h]
        for weights in self.weights_:
            h = self._layer(h, weights)
            outputs.append(h)
        features = np.concatenate(outputs, axis=1) if self.concatenate else h
        return features.astype("float32")

    def fit_transform(self, x):
        """`fit(x)` then `transform(x)`."""
        return self.fit(x).transform(x)
