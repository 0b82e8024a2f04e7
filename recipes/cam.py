"""Where a ConvNet looks: class activation maps and Grad-CAM.

- Class activation maps (Zhou et al. 2016, "Learning deep features for
  discriminative localization"): a ConvNet whose last feature maps `A_k`
  (`(h, w)` each) are averaged globally and fed to one dense layer with
  weights `w_kc` scores class `c` as `sum_k w_kc mean(A_k)`. Moving the mean
  outside gives the class activation map `M_c = sum_k w_kc A_k`, whose mean is
  the class score (less the bias): it says which positions the score comes
  from. The default ResNet of `recipes.convnet` has exactly this shape.
- Grad-CAM (Selvaraju et al. 2017): for any ConvNet and any convolutional
  layer, weighs the layer's feature maps by the spatial mean of the gradient
  of the class score (before the softmax) with respect to them,
  `relu(sum_k alpha_k A_k)` with `alpha_k = mean_ij d y_c / d A_kij`. On a
  network ending in global average pooling and one dense layer, taken at the
  pooled maps, it is `relu(M_c) / (h w)`.

Maps come at the feature maps' resolution and are resized bilinearly to the
input's (`upsample`). `overlay` writes maps over their images as a titled PNG.
The gradient is the one piece that differs per backend
(`recipes.cam_tensorflow`, `recipes.cam_jax`). Measured localisation on
`digits_loc`: docs/recipes/cam.md.

Example:

>>> from recipes import cam, convnet
>>> model = convnet.build(input_shape=(32, 32, 3), width=8, depth=2)
>>> import numpy as np
>>> images = np.random.default_rng(0).random((2, 32, 32, 3), dtype="float32")
>>> cam.class_activation_maps(model, images).shape
(2, 32, 32)
>>> cam.grad_cam(model, images, upsample=False).shape
(2, 16, 16)
"""

from __future__ import annotations

import importlib

import keras
import numpy as np

from recipes import plots, validation

# Layers that may sit between the global average pooling and the dense head:
# the identity at inference.
_PASS_THROUGH = (keras.layers.Dropout,)


def _check_model(model):
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model, got {type(model).__name__}.")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("`model` must have one image input and one class output.")
    if len(model.input_shape) != 4:
        raise ValueError(
            f"`model` must take images (B, H, W, C), got input shape {model.input_shape}."
        )


def _check_images(model, images, batch_size):
    validation.check_positive_int(batch_size, "batch_size")
    return validation.check_array(images, "images", shape=model.input_shape[1:])


def _class_indices(model, images, class_index, batch_size):
    """The class of each image whose map is wanted: given, or the predicted one."""
    num_classes = model.output_shape[-1]
    if class_index is None:
        probabilities = model.predict(images, batch_size=batch_size, verbose=0)
        return np.argmax(probabilities, axis=-1).astype("int32")  # (B,)
    indices = np.broadcast_to(np.asarray(class_index), (len(images),))
    return validation.check_labels(indices, "class_index", num_classes=num_classes)


def gap_head(model):
    """The global average pooling and dense head of a CAM-ready model.

    Args:
        model: a classifier whose output layer is a `Dense` fed by a
            `GlobalAveragePooling2D` (through `Dropout` layers at most).

    Returns:
        `(features, kernel, bias)`: a model from the images to the pooled
        feature maps `(B, h, w, K)`, and the dense layer's weights `(K,
        classes)` and bias `(classes,)` as NumPy.

    Raises:
        ValueError: for a model of any other shape (use `grad_cam`).
    """
    _check_model(model)
    head = model.layers[-1]
    pooling = None
    for layer in reversed(model.layers[:-1]):
        if isinstance(layer, keras.layers.GlobalAveragePooling2D):
            pooling = layer
            break
        if not isinstance(layer, _PASS_THROUGH):
            break
    if not isinstance(head, keras.layers.Dense) or pooling is None:
        raise ValueError(
            "`model` must end in GlobalAveragePooling2D, optional Dropout and one "
            "Dense layer for class activation maps (recipes.convnet's ResNet does); "
            "use `grad_cam` for other ConvNets."
        )
    features = keras.Model(model.inputs[0], pooling.input, name="cam_features")
    kernel, *bias = (keras.ops.convert_to_numpy(w) for w in head.weights)
    bias = bias[0] if bias else np.zeros(kernel.shape[-1], "float32")
    return features, kernel, bias


def class_activation_maps(
    model, images, *, class_index=None, upsample=True, batch_size=64
):
    """Class activation maps `M_c = sum_k w_kc A_k` (Zhou et al. 2016).

    Args:
        model: a classifier ending in global average pooling, optional
            dropout and one dense layer (see `gap_head`).
        images: `(B, H, W, C)` images of the model's input shape.
        class_index: the class to explain: `None` (the predicted class of
            each image), an int, or one int per image.
        upsample: resize the maps bilinearly to the input's `(H, W)`;
            `False` keeps the feature maps' `(h, w)`.
        batch_size: batch size of the forward passes.

    Returns:
        `(B, H, W)` (or `(B, h, w)`) float32 maps, not normalised: their
        spatial mean plus the bias is the class's pre-softmax score.

    Raises:
        ValueError: for a model without the GAP head, images of the wrong
            shape, a class index out of range or a bad `batch_size`.
    """
    features_model, kernel, _ = gap_head(model)
    images = _check_images(model, images, batch_size)
    classes = _class_indices(model, images, class_index, batch_size)
    features = features_model.predict(images, batch_size=batch_size, verbose=0)
    weights = kernel[:, classes].T  # (B, K)
    maps = np.einsum("bhwk,bk->bhw", features, weights)  # (B, h, w)
    return resize(maps, model.input_shape[1:3]) if upsample else maps


def last_feature_layer(model):
    """Name of the last layer of `model` whose output is a `(B, h, w, K)` map."""
    _check_model(model)
    for layer in reversed(model.layers):
        shape = getattr(layer, "output", None)
        if shape is not None and len(layer.output.shape) == 4:
            if not isinstance(layer, keras.layers.InputLayer):
                return layer.name
    raise ValueError("`model` has no layer with (B, h, w, K) feature maps.")


def _score_model(model, layer_name):
    """`(features, head, dense)`: images -> the layer's maps -> class scores.

    When the output layer is a `Dense` layer, `head` stops before it and
    `dense` is returned, so the score is taken before the activation.
    """
    names = [layer.name for layer in model.layers]
    if not isinstance(layer_name, str) or layer_name not in names:
        maps = [
            layer.name
            for layer in model.layers
            if len(getattr(layer.output, "shape", ())) == 4
            and not isinstance(layer, keras.layers.InputLayer)
        ]
        raise ValueError(
            f"`layer_name` {layer_name!r} is not a layer of the model; its layers "
            f"with feature maps are {maps[-8:]} (last 8 shown)."
        )
    layer = model.get_layer(layer_name)
    if len(layer.output.shape) != 4:
        raise ValueError(
            f"`layer_name` {layer_name!r} outputs shape {layer.output.shape}, not "
            "(B, h, w, K) feature maps."
        )
    dense = (
        model.layers[-1] if isinstance(model.layers[-1], keras.layers.Dense) else None
    )
    end = dense.input if dense is not None else model.outputs[0]
    try:
        head = keras.Model(layer.output, end, name="grad_cam_head")
    except ValueError as error:
        raise ValueError(
            f"`layer_name` {layer_name!r} is not on every path from the input to "
            f"the output (a skip connection goes around it): {error}"
        ) from None
    features = keras.Model(model.inputs[0], layer.output, name="grad_cam_features")
    return features, head, dense


def _backend():
    name = keras.backend.backend()
    if name not in ("tensorflow", "jax"):
        raise ValueError(f"Grad-CAM runs on TensorFlow and JAX, not {name!r}.")
    return importlib.import_module(f"recipes.cam_{name}")


def grad_cam(
    model, images, *, layer_name=None, class_index=None, upsample=True, batch_size=64
):
    """Grad-CAM maps `relu(sum_k alpha_k A_k)` (Selvaraju et al. 2017).

    Args:
        model: a ConvNet classifier with one image input.
        images: `(B, H, W, C)` images of the model's input shape.
        layer_name: the layer whose feature maps are weighed; it must lie on
            every path from input to output. Default: the last layer with
            `(B, h, w, K)` output (`last_feature_layer`).
        class_index: the class to explain: `None` (predicted), an int, or one
            int per image.
        upsample: resize the maps bilinearly to the input's `(H, W)`.
        batch_size: batch size of the forward and backward passes.

    Returns:
        `(B, H, W)` (or `(B, h, w)`) non-negative float32 maps.

    Raises:
        ValueError: for an unknown `layer_name`, a layer without feature maps
            or around which a skip connection goes, images of the wrong
            shape, a class index out of range or a bad `batch_size`.
    """
    _check_model(model)
    features_model, head, dense = _score_model(
        model, layer_name or last_feature_layer(model)
    )
    images = _check_images(model, images, batch_size)
    classes = _class_indices(model, images, class_index, batch_size)
    backend = _backend()
    maps = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        features = features_model(batch, training=False)  # (b, h, w, K)
        one_hot = keras.ops.one_hot(
            classes[start : start + batch_size], model.output_shape[-1]
        )

        def total_score(values, one_hot=one_hot):
            scores = head(values, training=False)  # (b, D) or (b, classes)
            if dense is not None:  # the score before the output activation
                scores = keras.ops.matmul(scores, dense.kernel)
                if dense.use_bias:
                    scores = scores + dense.bias
            return keras.ops.sum(scores * one_hot)  # each image's own class

        _, gradient = backend.value_and_gradient(total_score, features)
        alpha = keras.ops.mean(gradient, axis=(1, 2))  # (b, K)
        weighted = keras.ops.einsum("bhwk,bk->bhw", features, alpha)  # (b, h, w)
        maps.append(keras.ops.convert_to_numpy(keras.ops.relu(weighted)))
    maps = np.concatenate(maps).astype("float32")
    return resize(maps, model.input_shape[1:3]) if upsample else maps


def resize(maps, size):
    """Bilinear resize of `(B, h, w)` maps to `(B, *size)`."""
    resized = keras.ops.image.resize(
        np.asarray(maps, "float32")[..., None], tuple(size), interpolation="bilinear"
    )
    return keras.ops.convert_to_numpy(resized)[..., 0]  # (B, H, W)


def peaks(maps):
    """`(B, 2)` int row and column of each map's largest value."""
    maps = np.asarray(maps)
    flat = maps.reshape(len(maps), -1).argmax(axis=1)
    return np.stack(np.unravel_index(flat, maps.shape[1:]), axis=1).astype("int32")


def peak_in_box(maps, boxes):
    """Whether each map's peak falls inside its `(top, left, bottom, right)` box.

    Args:
        maps: `(B, H, W)` maps at the boxes' resolution.
        boxes: `(B, 4)` boxes, bottom and right exclusive.

    Returns:
        `(B,)` bool.
    """
    rows, cols = peaks(maps).T
    boxes = np.asarray(boxes)
    return (
        (rows >= boxes[:, 0])
        & (rows < boxes[:, 2])
        & (cols >= boxes[:, 1])
        & (cols < boxes[:, 3])
    )


def normalise(maps):
    """Each map scaled to [0, 1] (a constant map becomes zeros)."""
    maps = np.asarray(maps, "float32")
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    return np.where(span > 0, (maps - low) / np.where(span > 0, span, 1), 0.0)


def overlay(images, maps, path, *, title, boxes=None, captions=None, alpha=0.5):
    """Writes each image with its heat map over it as one titled PNG grid.

    Args:
        images: `(B, H, W, C)` images in [0, 1] (C is 1 or 3).
        maps: `(B, H, W)` maps at the images' resolution (normalised here).
        path: the PNG file to write.
        title: the figure's title.
        boxes: optional `(B, 4)` boxes `(top, left, bottom, right)` drawn as
            rectangles, with a cross at each map's peak.
        captions: optional one string per image.
        alpha: opacity of the heat map.

    Returns:
        `path`.

    Raises:
        ValueError: for images and maps of different counts or sizes.
    """
    from matplotlib.patches import Rectangle

    images = np.asarray(images, "float32")
    maps = np.asarray(maps, "float32")
    if images.ndim != 4 or maps.shape != images.shape[:3]:
        raise ValueError(
            f"`maps` {maps.shape} must be one (H, W) map per image of `images` "
            f"{images.shape}."
        )
    validation.check_fraction(alpha, "alpha", include_high=True)
    count = len(images)
    columns = min(count, 8)
    rows = -(-count // columns)
    figure, axes = plots.figure(
        rows, columns, figsize=(1.4 * columns, 1.4 * rows + 0.5), squeeze=False
    )
    scaled = normalise(maps)
    peak_points = peaks(maps)
    for index, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if index >= count:
            continue
        image = images[index]
        axis.imshow(
            np.clip(image[..., 0] if image.shape[-1] == 1 else image, 0, 1),
            cmap="gray",
            vmin=0,
            vmax=1,
        )
        axis.imshow(scaled[index], cmap="jet", alpha=alpha, vmin=0, vmax=1)
        if boxes is not None:
            top, left, bottom, right = np.asarray(boxes)[index]
            axis.add_patch(
                Rectangle(
                    (left - 0.5, top - 0.5),
                    right - left,
                    bottom - top,
                    fill=False,
                    edgecolor="white",
                    linewidth=1.2,
                )
            )
            axis.plot(peak_points[index, 1], peak_points[index, 0], "w+", markersize=8)
        if captions is not None:
            axis.set_title(str(captions[index]), fontsize=8)
    figure.suptitle(title)
    return plots.save(figure, path)


__all__ = [
    "class_activation_maps",
    "gap_head",
    "grad_cam",
    "last_feature_layer",
    "normalise",
    "overlay",
    "peak_in_box",
    "peaks",
    "resize",
]
