"""Bad input anywhere in the public API: a clear `ValueError`, before any work.

One table of cases, each `(id, call, fragment)`: `call()` must raise a
`ValueError` whose message contains `fragment`, which names the argument
(backquoted, as every check in `recipes.validation` writes it). Fit cases
pass `NoTraining`, a callback that fails the test if training ever begins,
so a case passes only if the input is refused before the first epoch. The
models are tiny and built once; `CONTROLS` makes the same kinds of call with
good input, which must not raise, so the table cannot pass vacuously.
`tf.data` cases run on both backends (TensorFlow is installed with either).
"""

from __future__ import annotations

import functools
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import recipes
from recipes import (
    adversarial,
    autoencoder,
    bilstm,
    cam,
    convnet,
    dann,
    data,
    fewshot,
    gan,
    layers,
    losses,
    metrics,
    protonet,
    schedules,
    siamese,
    style,
    training,
    transfer,
    unet,
    vae,
    validation,
)
from recipes.bilstm import splits as bilstm_splits
from recipes.data import localisation
from tests.helpers import Batches

RNG = np.random.default_rng(0)
X = RNG.random((16, 8, 8, 1)).astype("float32")  # 16 images in [0, 1]
Y = (np.arange(16) % 4).astype("int32")  # 4 classes, 4 images each
X3 = np.repeat(X, 3, axis=-1)  # colour images for DANN
SEQ = RNG.random((16, 5, 3)).astype("float32")  # 16 sequences of 5 steps


class NoTraining(keras.callbacks.Callback):
    """Fails the test if training begins: the input should have been refused."""

    def on_train_begin(self, logs=None):
        pytest.fail("training began before the bad input was refused")


def changed(array, value, index=(0,)):
    """A copy of `array` with `value` at `index`."""
    copy = np.array(array)
    copy[index] = value
    return copy


def batched(x, y=None, size=8):
    """`(x, y)` (or `x`) as a batched `tf.data.Dataset`."""
    parts = x if y is None else (x, y)
    return tf.data.Dataset.from_tensor_slices(parts).batch(size)


def unbatched(x, y=None):
    """`(x, y)` (or `x`) as a `tf.data.Dataset` of single examples."""
    return tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))


# --------------------------------------------------------------- models ---

BUILD = {  # tiny models of each recipe
    "convnet": lambda: convnet.build(input_shape=(8, 8, 1), num_classes=4, arch="lenet", width=4, augment=False),
    "autoencoder": lambda: autoencoder.build(input_shape=(8, 8, 1), hidden_units=(8,), code_size=4),
    "vae": lambda: vae.build(arch="dense", latent_dim=2, hidden_units=8),
    "gan": lambda: gan.build(width=8, latent_dim=4),
    "dann": lambda: dann.build(input_shape=(8, 8, 3), num_classes=4, width=4),
    "siamese": lambda: siamese.build(tower="dense", embedding_dim=4, width=4, depth=1, pixel_weight=0, augment=False),
    "bilstm": lambda: bilstm.build(input_shape=(None, 3), num_classes=4, units=4, deltas=0),
}  # fmt: skip


@functools.cache
def built(name, compiled=True, **compile_options):
    """A tiny model of recipe `name`, built (and compiled) once."""
    model = BUILD[name]()
    return recipes.get(name).compile(model, **compile_options) if compiled else model


convnet_model, autoencoder_model, vae_model, gan_model, dann_model, siamese_model, bilstm_model = (
    functools.partial(built, name) for name in BUILD
)  # fmt: skip
BUILD["protonet"] = lambda: protonet.build(input_shape=(8, 8, 1), width=4, blocks=3)
protonet_model = functools.partial(built, "protonet")


def fit(recipe, model, data_, **options):
    """`recipe.fit` for one epoch, with `NoTraining` unless `callbacks` is given."""
    options = {"epochs": 1, "batch_size": 8, "verbose": 0, **options}
    options.setdefault("callbacks", [NoTraining()])
    return recipe.fit(model, data_, **options)


def dann_fit(source=(X3, Y), target=X3, model=None, **options):
    options = {"epochs": 1, "batch_size": 8, "verbose": 0, **options}
    options.setdefault("callbacks", [NoTraining()])
    return dann.fit(model or dann_model(), source, target, **options)


def mismatched_domains():
    """`dann.load_data` of a source whose examples differ from the target's."""
    return dann.load_data("digits_m", source="japanese_vowels")


# ---------------------------------------------------------------- cases ---

NAN, HUGE = float("nan"), 1e30
COLOUR = RNG.random((16, 16, 3)).astype("float32")  # a tiny RGB image for style
GREY = COLOUR[..., :1]  # the same image with one channel


@functools.cache
def unet_model(compiled=True):
    """A tiny U-Net on 8x8 RGB images (X3), compiled or not."""
    model = unet.build(input_shape=(8, 8, 3), filters=2, depth=1)
    return unet.compile(model) if compiled else model


MASKS = (X3[..., :1] > 0.5).astype("float32")  # binary masks of X3's size


CASES = [
    # -- recipes.validation: the shared checks themselves --
    ("positive_int_zero", lambda: validation.check_positive_int(0, "batch_size"), "`batch_size`"),
    ("non_negative", lambda: validation.check_non_negative(-0.1, "beta"), "`beta`"),
    ("fraction_high", lambda: validation.check_fraction(1.0, "dropout_rate"), "`dropout_rate`"),
    ("choice_unhashable", lambda: validation.check_choice([], "output_activation", {"tanh": 1}), "`output_activation`"),
    ("seed_negative", lambda: validation.check_seed(-1), "`seed`"),
    ("seed_string", lambda: validation.check_seed("0"), "`seed`"),
    ("seed_float", lambda: validation.check_seed(1.5), "`seed`"),
    ("seed_too_large", lambda: validation.check_seed(2**32), "`seed`"),
    ("seed_none_refused", lambda: validation.check_seed(None, allow_none=False), "`seed`"),
    ("shape_zero", lambda: validation.check_shape((0, 8, 1)), "`input_shape`"),
    ("shape_float", lambda: validation.check_shape((8.5, 8, 1)), "`input_shape`"),
    ("shape_int", lambda: validation.check_shape(8), "`input_shape`"),
    ("image_shape_rank", lambda: validation.check_image_shape((8, 8)), "`input_shape`"),
    ("sizes_int", lambda: validation.check_sizes(16, "hidden_units"), "`hidden_units`"),
    ("activation_unknown", lambda: validation.check_activation("relux", "activation"), "`activation`"),
    ("verbose_seven", lambda: validation.check_verbose(7), "`verbose`"),
    ("callbacks_string", lambda: validation.check_callbacks("early"), "`callbacks`"),
    ("patience_negative", lambda: validation.check_patience(-1), "`early_stopping_patience`"),
    ("optimizer_beta", lambda: validation.check_optimizer_options({"beta_1": 2.0}), "`beta_1`"),
    ("array_nan", lambda: validation.check_array([[NAN]], "x"), "`x` contains NaN"),
    ("array_huge", lambda: validation.check_array([[HUGE]], "x"), "`x` has values of magnitude"),
    ("labels_range", lambda: validation.check_labels([0, 4], "y", num_classes=4), "`y` labels must lie"),
    ("dataset_unbatched", lambda: validation.check_dataset(unbatched(X, Y), "data", shape=(8, 8, 1)), "`data` is unbatched"),
    ("dataset_no_labels", lambda: validation.check_dataset(batched(X), "data", shape=(8, 8, 1)), "`data` must yield"),
    ("dataset_empty", lambda: validation.check_dataset(batched(X[:0], Y[:0]), "data", shape=(8, 8, 1)), "`data` is empty"),
    ("py_dataset_empty", lambda: validation.first_batch(Batches(X[:0], Y[:0], 8), "data"), "`data` is empty"),
    # -- recipes.training: the shared compile and fit policy --
    ("make_optimizer_beta_1", lambda: training.make_optimizer("adam", 1e-3, beta_1=2.0), "`beta_1`"),
    ("make_optimizer_beta_2", lambda: training.make_optimizer("adam", 1e-3, beta_2=-0.1), "`beta_2`"),
    ("make_optimizer_momentum", lambda: training.make_optimizer("sgd", 1e-2, momentum=1.5), "`momentum`"),
    ("make_optimizer_unknown_option", lambda: training.make_optimizer("sgd", 1e-2, beta_1=0.5), "`optimizer`"),
    ("default_callbacks_patience", lambda: training.default_callbacks(validation=True, early_stopping_patience=-1), "`early_stopping_patience`"),
    ("training_fit_uncompiled", lambda: training.fit(convnet_model(False), (X, Y), epochs=1, batch_size=8), "`model` is not compiled"),
    ("training_evaluate_batch", lambda: training.evaluate(convnet_model(), (X, Y), batch_size=0), "`batch_size`"),
    ("get_split_type", lambda: training.get_split(5, "train"), "`data`"),
    # -- convnet --
    ("convnet_build_arch", lambda: convnet.build(arch="alexnet"), "`arch`"),
    ("convnet_build_zero_size", lambda: convnet.build(input_shape=(0, 8, 1)), "`input_shape`"),
    ("convnet_build_float_size", lambda: convnet.build(input_shape=(8.0, 8, 1)), "`input_shape`"),
    ("convnet_build_seed_negative", lambda: convnet.build(seed=-1), "`seed`"),
    ("convnet_build_seed_string", lambda: convnet.build(seed="0"), "`seed`"),
    ("convnet_build_seed_float", lambda: convnet.build(seed=0.5), "`seed`"),
    ("convnet_compile_rate", lambda: convnet.compile(convnet_model(False), learning_rate=-1.0), "`learning_rate`"),
    ("convnet_fit_batch_size", lambda: fit(convnet, convnet_model(), (X, Y), batch_size=0), "`batch_size`"),
    ("convnet_fit_verbose", lambda: fit(convnet, convnet_model(), (X, Y), verbose=7), "`verbose`"),
    ("convnet_fit_callbacks_string", lambda: fit(convnet, convnet_model(), (X, Y), callbacks="early"), "`callbacks`"),
    ("convnet_fit_callbacks_item", lambda: fit(convnet, convnet_model(), (X, Y), callbacks=[NoTraining, "early"]), "`callbacks`"),
    ("convnet_fit_patience", lambda: fit(convnet, convnet_model(), (X, Y), early_stopping_patience=-1), "`early_stopping_patience`"),
    ("convnet_fit_uncompiled", lambda: fit(convnet, convnet_model(False), (X, Y)), "`model` is not compiled"),
    ("convnet_fit_nan", lambda: fit(convnet, convnet_model(), (changed(X, NAN), Y)), "`data train x` contains NaN"),
    ("convnet_fit_huge", lambda: fit(convnet, convnet_model(), (changed(X, HUGE), Y)), "`data train x` has values of magnitude"),
    ("convnet_fit_label_range", lambda: fit(convnet, convnet_model(), (X, changed(Y, 4))), "`data train y` labels"),
    ("convnet_fit_channels", lambda: fit(convnet, convnet_model(), (X3, Y)), "`data train x` examples must have shape"),
    ("convnet_fit_dataset_channels", lambda: fit(convnet, convnet_model(), batched(X3, Y)), "`data train` examples must have shape"),
    ("convnet_fit_dataset_rank", lambda: fit(convnet, convnet_model(), batched(X[..., 0], Y)), "`data train` batches must have rank 4"),
    ("convnet_fit_dataset_unbatched", lambda: fit(convnet, convnet_model(), unbatched(X, Y)), "`data train` is unbatched"),
    ("convnet_fit_dataset_labels", lambda: fit(convnet, convnet_model(), batched(X, changed(Y, 4))), "`data train (first batch) y` labels"),
    ("convnet_fit_dataset_nan", lambda: fit(convnet, convnet_model(), batched(changed(X, NAN), Y)), "`data train (first batch) x` contains NaN"),
    ("convnet_fit_dataset_no_labels", lambda: fit(convnet, convnet_model(), batched(X)), "`data train` must yield"),
    ("convnet_fit_py_dataset_labels", lambda: fit(convnet, convnet_model(), Batches(X, changed(Y, -1), 8)), "`data train (first batch) y` labels"),
    ("convnet_fit_empty", lambda: fit(convnet, convnet_model(), (X[:0], Y[:0])), "`data train x` is empty"),
    ("convnet_evaluate_batch", lambda: convnet.evaluate(convnet_model(), (X, Y), batch_size=0), "`batch_size`"),
    ("convnet_evaluate_uncompiled", lambda: convnet.evaluate(convnet_model(False), (X, Y)), "`model` is not compiled"),
    ("convnet_evaluate_dataset_labels", lambda: convnet.evaluate(convnet_model(), batched(X, changed(Y, 9))), "`data test (first batch) y` labels"),
    ("convnet_hypermodel_shape", lambda: convnet.HyperModel(input_shape=(0, 8, 1)), "`input_shape`"),
    # -- autoencoder --
    ("autoencoder_build_hidden_int", lambda: autoencoder.build(hidden_units=16), "`hidden_units`"),
    ("autoencoder_build_filters_int", lambda: autoencoder.build(kind="conv", filters=16), "`filters`"),
    ("autoencoder_build_activation", lambda: autoencoder.build(activation="relux"), "`activation`"),
    ("autoencoder_build_output_activation", lambda: autoencoder.build(output_activation="sigmoidal"), "`output_activation`"),
    ("autoencoder_build_shape_zero", lambda: autoencoder.build(input_shape=(0, 8, 1)), "`input_shape`"),
    ("autoencoder_build_shape_int", lambda: autoencoder.build(input_shape=64), "`input_shape`"),
    ("autoencoder_build_seed", lambda: autoencoder.build(seed=-3), "`seed`"),
    ("autoencoder_compile_loss", lambda: autoencoder.compile(autoencoder_model(False), loss="mae"), "`loss`"),
    ("autoencoder_fit_uncompiled", lambda: fit(autoencoder, autoencoder_model(False), X), "`model` is not compiled"),
    ("autoencoder_fit_verbose", lambda: fit(autoencoder, autoencoder_model(), X, verbose=7), "`verbose`"),
    ("autoencoder_fit_huge", lambda: fit(autoencoder, autoencoder_model(), changed(X, HUGE)), "`data train x` has values"),
    ("autoencoder_fit_bce_range", lambda: fit(autoencoder, autoencoder_model(loss="binary_crossentropy"), X * 2), "`data train x` values must lie in [0.0, 1.0]"),
    ("autoencoder_fit_dataset_shape", lambda: fit(autoencoder, autoencoder_model(), batched(X3)), "`data train` examples must have shape"),
    ("autoencoder_fit_dataset_unbatched", lambda: fit(autoencoder, autoencoder_model(), unbatched(X, Y)), "`data train` is unbatched"),
    ("autoencoder_fit_dataset_nan", lambda: fit(autoencoder, autoencoder_model(), batched(changed(X, NAN))), "`data train (first batch) x` contains NaN"),
    ("autoencoder_evaluate_batch", lambda: autoencoder.evaluate(autoencoder_model(), X, batch_size=0), "`batch_size`"),
    ("autoencoder_pretrain_sizes_empty", lambda: autoencoder.pretrain(X, layer_sizes=()), "`layer_sizes`"),
    ("autoencoder_pretrain_sizes_int", lambda: autoencoder.pretrain(X, layer_sizes=16), "`layer_sizes`"),
    ("autoencoder_pretrain_activation", lambda: autoencoder.pretrain(X, layer_sizes=(4,), activation="sigmoidal"), "`activation`"),
    ("autoencoder_pretrain_seed", lambda: autoencoder.pretrain(X, layer_sizes=(4,), seed="1"), "`seed`"),
    ("autoencoder_pretrain_verbose", lambda: autoencoder.pretrain(X, layer_sizes=(4,), verbose=7), "`verbose`"),
    ("autoencoder_fine_tune_head_epochs", lambda: autoencoder.fine_tune(convnet_model(), (X, Y), head_epochs=-1), "`head_epochs`"),
    ("autoencoder_encode_batch", lambda: autoencoder.encode(autoencoder_model(), X, batch_size=0), "`batch_size`"),
    ("autoencoder_latent_map_seed", lambda: autoencoder.latent_map(autoencoder_model(), X, seed=-1), "`seed`"),
    ("autoencoder_interpolate_steps", lambda: autoencoder.interpolate(autoencoder_model(), X[0], X[1], steps=1), "`steps`"),
    # -- vae --
    ("vae_build_shape_zero", lambda: vae.build(input_shape=(0, 8, 1)), "`input_shape`"),
    ("vae_build_shape_conv", lambda: vae.build(input_shape=(6, 6, 1)), "`input_shape`"),
    ("vae_build_hidden_sequence", lambda: vae.build(hidden_units=(16,)), "`hidden_units`"),
    ("vae_build_seed", lambda: vae.build(seed=1.5), "`seed`"),
    ("vae_compile_model", lambda: vae.compile(convnet_model(False)), "`model`"),
    ("vae_fit_uncompiled", lambda: fit(vae, vae_model(False), X), "`model` is not compiled"),
    ("vae_fit_bernoulli_range", lambda: fit(vae, vae_model(), X * 2), "`data train x` values must lie in [0.0, 1.0]"),
    ("vae_fit_dataset_range", lambda: fit(vae, vae_model(), batched(X * 2)), "`data train (first batch) x` values must lie in [0.0, 1.0]"),
    ("vae_fit_dataset_shape", lambda: fit(vae, vae_model(), batched(X3, Y)), "`data train` examples must have shape"),
    ("vae_fit_dataset_unbatched", lambda: fit(vae, vae_model(), unbatched(X)), "`data train` is unbatched"),
    ("vae_fit_verbose", lambda: fit(vae, vae_model(), X, verbose=7), "`verbose`"),
    ("vae_evaluate_k", lambda: vae.evaluate(vae_model(), X, k=0), "`k`"),
    ("vae_evaluate_seed", lambda: vae.evaluate(vae_model(), X, seed=-1), "`seed`"),
    ("vae_evaluate_dataset_range", lambda: vae.evaluate(vae_model(), batched(X * 2)), "`data test (first batch) x` values must lie"),
    ("vae_sample_n", lambda: vae.sample(vae_model(), 0), "`n`"),
    ("vae_sample_seed", lambda: vae.sample(vae_model(), 4, seed=-1), "`seed`"),
    ("vae_sample_model", lambda: vae.sample(gan_model(), 4), "`model`"),
    ("vae_reconstruct_seed", lambda: vae.reconstruct(vae_model(), X, seed="a"), "`seed`"),
    ("vae_latent_map_grid", lambda: vae.latent_map(vae_model(), "plane.png", grid=1), "`grid`"),
    # -- gan --
    ("gan_build_output_activation", lambda: gan.build(output_activation="relu"), "`output_activation`"),
    ("gan_build_shape_zero", lambda: gan.build(input_shape=(0, 8, 1)), "`input_shape`"),
    ("gan_build_shape_dcgan", lambda: gan.build(arch="dcgan", input_shape=(6, 6, 1)), "`input_shape`"),
    ("gan_build_seed", lambda: gan.build(seed=-1), "`seed`"),
    ("gan_compile_beta_high", lambda: gan.compile(gan_model(False), beta_1=2.0), "`beta_1`"),
    ("gan_compile_rates", lambda: gan.compile(gan_model(False), learning_rate=(1e-4, 1e-3, 1e-2)), "`learning_rate`"),
    ("gan_compile_one_optimizer", lambda: gan.compile(gan_model(False), optimizer=keras.optimizers.Adam()), "`optimizer`"),
    ("gan_compile_model", lambda: gan.compile(convnet_model(False)), "`model`"),
    ("gan_fit_uncompiled", lambda: fit(gan, gan_model(False), X), "`model` is not compiled"),
    ("gan_fit_range", lambda: fit(gan, gan_model(), X * 2), "`data train x` values must lie in [0.0, 1.0]"),
    ("gan_fit_dataset_shape", lambda: fit(gan, gan_model(), batched(X3)), "`data train` examples must have shape"),
    ("gan_fit_dataset_unbatched", lambda: fit(gan, gan_model(), unbatched(X, Y)), "`data train` is unbatched"),
    ("gan_fit_dataset_range", lambda: fit(gan, gan_model(), batched(X - 1, Y)), "`data train (first batch) x` values must lie"),
    ("gan_fit_verbose", lambda: fit(gan, gan_model(), X, verbose=7), "`verbose`"),
    ("gan_evaluate_uncompiled", lambda: gan.evaluate(gan_model(False), X), "`model` is not compiled"),
    ("gan_evaluate_batch", lambda: gan.evaluate(gan_model(), X, batch_size=0), "`batch_size`"),
    ("gan_sample_model", lambda: gan.sample(convnet_model(), 4), "`model` must be a gan.GAN"),
    ("gan_sample_n", lambda: gan.sample(gan_model(), 0), "`n`"),
    ("gan_sample_batch", lambda: gan.sample(gan_model(), 4, batch_size=0), "`batch_size`"),
    ("gan_sample_seed_negative", lambda: gan.sample(gan_model(), 4, seed=-1), "`seed`"),
    ("gan_sample_seed_string", lambda: gan.sample(gan_model(), 4, seed="a"), "`seed`"),
    ("gan_monitor_seed", lambda: gan.GANMonitor("samples", seed=-1), "`seed`"),
    # -- dann --
    ("dann_build_shape_zero", lambda: dann.build(input_shape=(0, 8, 3)), "`input_shape`"),
    ("dann_build_shape_int", lambda: dann.build(input_shape=8), "`input_shape`"),
    ("dann_build_seed", lambda: dann.build(seed=-1), "`seed`"),
    ("dann_compile_domain_weight", lambda: dann.compile(dann_model(False), domain_weight=0.0), "`domain_weight`"),
    ("dann_fit_uncompiled", lambda: dann_fit(model=dann_model(False)), "`model` is not compiled"),
    ("dann_fit_epochs", lambda: dann_fit(epochs=0), "`epochs`"),
    ("dann_fit_verbose", lambda: dann_fit(verbose=7), "`verbose`"),
    ("dann_fit_callbacks", lambda: dann_fit(callbacks="early"), "`callbacks`"),
    ("dann_fit_seed", lambda: dann_fit(seed=-1), "`seed`"),
    ("dann_fit_no_target", lambda: dann_fit(target=None), "`target`"),
    ("dann_fit_source_dataset", lambda: dann_fit(source=batched(X3, Y)), "`source`"),
    ("dann_fit_target_shape", lambda: dann_fit(target=X), "`target train x` examples must have shape"),
    ("dann_fit_source_labels", lambda: dann_fit(source=(X3, changed(Y, 4))), "`source train y` labels"),
    ("dann_fit_target_huge", lambda: dann_fit(target=changed(X3, HUGE)), "`target train x` has values"),
    ("dann_evaluate_target_shape", lambda: dann.evaluate(dann_model(), (X3, Y), X), "`target test x` examples must have shape"),
    ("dann_load_data_source_shape", mismatched_domains, "`source` 'japanese_vowels'"),
    ("dann_load_data_source_glyphs", lambda: dann.load_data("digits", source="glyphs"), "`source` 'glyphs'"),
    ("dann_load_data_seed", lambda: dann.load_data(seed=-1), "`seed`"),
    ("dann_proxy_empty_source", lambda: dann.proxy_a_distance(np.zeros((0, 4)), np.ones((8, 4))), "`features_source`"),
    ("dann_proxy_empty_target", lambda: dann.proxy_a_distance(np.zeros((8, 4)), []), "`features_target`"),
    ("dann_proxy_one_example", lambda: dann.proxy_a_distance(np.zeros((1, 4)), np.ones((8, 4))), "`features_source` needs at least 2"),
    ("dann_proxy_widths", lambda: dann.proxy_a_distance(np.zeros((4, 4)), np.ones((4, 3))), "`features_source` has 4 features"),
    ("dann_schedule_steps", lambda: dann.schedule(dann_model(), 0), "`total_steps`"),
    ("dann_source_only_epochs", lambda: dann.source_only(dann.load_data(), epochs=0), "`epochs`"),
    ("lambda_schedule_p_high", lambda: schedules.lambda_schedule(2.0), "`p`"),
    ("lambda_schedule_gamma", lambda: schedules.lambda_schedule(0.5, gamma=-1.0), "`gamma`"),
    ("learning_rate_schedule_p", lambda: schedules.learning_rate_schedule("half", 0.01), "`p`"),
    # -- siamese --
    ("siamese_build_shape_zero", lambda: siamese.build(input_shape=(0, 8, 1)), "`input_shape`"),
    ("siamese_build_shape_dense", lambda: siamese.build(tower="dense", input_shape=(8, -1)), "`input_shape`"),
    ("siamese_build_seed", lambda: siamese.build(seed=-1), "`seed`"),
    ("siamese_compile_margin", lambda: siamese.compile(siamese_model(False), margin=-1.0), "`margin`"),
    ("siamese_fit_uncompiled", lambda: fit(siamese, siamese_model(False), (X, Y)), "`model` is not compiled"),
    ("siamese_fit_negatives", lambda: fit(siamese, siamese_model(), (X, Y), negatives_per_positive=0), "`negatives_per_positive`"),
    ("siamese_fit_verbose", lambda: fit(siamese, siamese_model(), (X, Y), verbose=7), "`verbose`"),
    ("siamese_fit_seed", lambda: fit(siamese, siamese_model(), (X, Y), seed=None), "`seed`"),
    ("siamese_fit_nan", lambda: fit(siamese, siamese_model(), (changed(X, NAN), Y)), "`data train x` contains NaN"),
    ("siamese_make_pairs_seed_negative", lambda: siamese.make_pairs(X, Y, seed=-1), "`seed`"),
    ("siamese_make_pairs_seed_string", lambda: siamese.make_pairs(X, Y, seed="0"), "`seed`"),
    ("siamese_make_pairs_one_class", lambda: siamese.make_pairs(X, Y * 0), "`y`"),
    ("siamese_one_shot_n_way", lambda: siamese.one_shot_accuracy(None, X, Y, n_way=1), "`n_way`"),
    ("siamese_one_shot_seed", lambda: siamese.one_shot_accuracy(None, X, Y, seed=-1), "`seed`"),
    ("siamese_embed_batch", lambda: siamese.embed(siamese_model(), X, batch_size=0), "`batch_size`"),
    ("siamese_evaluate_batch", lambda: siamese.evaluate(siamese_model(), (X, Y), batch_size=0), "`batch_size`"),
    # -- protonet and recipes.fewshot (X: 4 classes of 4 images) --
    ("protonet_build_shape_small", lambda: protonet.build(input_shape=(8, 8, 1)), "`input_shape`"),
    ("protonet_build_width", lambda: protonet.build(width=0), "`width`"),
    ("protonet_fit_uncompiled", lambda: fit(protonet, protonet_model(False), (X, Y), batch_size=1), "`model` is not compiled"),
    ("protonet_fit_n_way_one", lambda: fit(protonet, protonet_model(), (X, Y), batch_size=1, n_way=1), "`n_way`"),
    ("protonet_fit_n_way_above_classes", lambda: fit(protonet, protonet_model(), (X, Y), batch_size=1, n_way=5), "`n_way`"),
    ("protonet_fit_k_shot_zero", lambda: fit(protonet, protonet_model(), (X, Y), batch_size=1, k_shot=0), "`k_shot`"),
    ("protonet_fit_too_few_images", lambda: fit(protonet, protonet_model(), (X, Y), batch_size=8, n_way=4, k_shot=3), "`k_shot`=3"),
    ("protonet_fit_episodes", lambda: fit(protonet, protonet_model(), (X, Y), batch_size=1, episodes_per_epoch=0), "`episodes_per_epoch`"),
    ("protonet_fit_nan", lambda: fit(protonet, protonet_model(), (changed(X, NAN), Y), batch_size=1), "`data train x` contains NaN"),
    ("protonet_evaluate_n_way", lambda: protonet.evaluate(protonet_model(), (X, Y), n_way=5), "`n_way`"),
    ("protonet_evaluate_too_few_images", lambda: protonet.evaluate(protonet_model(), (X, Y), k_shot=4), "`k_shot`=4"),
    ("protonet_episodes_n_way", lambda: protonet.Episodes(X, Y, n_way=1, k_shot=1, n_query=1, episodes=1), "`n_way`"),
    ("fewshot_n_way_one", lambda: fewshot.accuracy(None, X, Y, n_way=1), "`n_way`"),
    ("fewshot_n_way_above_classes", lambda: fewshot.accuracy(None, X, Y, n_way=5), "`n_way`"),
    ("fewshot_k_shot_zero", lambda: fewshot.accuracy(None, X, Y, k_shot=0), "`k_shot`"),
    ("fewshot_too_few_images", lambda: fewshot.accuracy(None, X, Y, n_way=2, k_shot=4), "`k_shot`=4"),
    ("fewshot_rule", lambda: fewshot.accuracy(None, X, Y, rule="mean"), "`rule`"),
    ("fewshot_trials", lambda: fewshot.accuracy(None, X, Y, trials=0), "`trials`"),
    ("fewshot_model", lambda: fewshot.accuracy("pixels", X, Y), "`model`"),
    # -- bilstm --
    ("bilstm_build_shape_zero", lambda: bilstm.build(input_shape=(0, 8, 1)), "`input_shape time`"),
    ("bilstm_build_features_zero", lambda: bilstm.build(input_shape=(None, 0)), "`input_shape features`"),
    ("bilstm_build_shape_rank", lambda: bilstm.build(input_shape=(12,)), "`input_shape`"),
    ("bilstm_build_seed", lambda: bilstm.build(seed=-1), "`seed`"),
    ("bilstm_compile_clipnorm", lambda: bilstm.compile(bilstm_model(False), clipnorm=0.0), "`clipnorm`"),
    ("bilstm_fit_uncompiled", lambda: fit(bilstm, bilstm_model(False), (SEQ, Y)), "`model` is not compiled"),
    ("bilstm_fit_dataset_label", lambda: fit(bilstm, bilstm_model(), batched(SEQ, changed(Y, 4))), "`data train (first batch) y` labels"),
    ("bilstm_fit_unbatched_dataset_label", lambda: fit(bilstm, bilstm_model(), unbatched(SEQ, changed(Y, 4))), "`data train (first batch) y` labels"),
    ("bilstm_fit_dataset_features", lambda: fit(bilstm, bilstm_model(), batched(SEQ[..., :2], Y)), "`data train` examples must have shape"),
    ("bilstm_fit_dataset_nan", lambda: fit(bilstm, bilstm_model(), batched(changed(SEQ, NAN), Y)), "`data train (first batch) x` contains NaN"),
    ("bilstm_fit_label_range", lambda: fit(bilstm, bilstm_model(), (SEQ, changed(Y, 4))), "`data train y` labels"),
    ("bilstm_fit_huge", lambda: fit(bilstm, bilstm_model(), (changed(SEQ, HUGE), Y)), "`data train x` has values"),
    ("bilstm_fit_verbose", lambda: fit(bilstm, bilstm_model(), (SEQ, Y), verbose=7), "`verbose`"),
    ("bilstm_fit_epochs", lambda: fit(bilstm, bilstm_model(), (SEQ, Y), epochs=0), "`epochs`"),
    ("bilstm_evaluate_batch", lambda: bilstm.evaluate(bilstm_model(), (SEQ, Y), batch_size=0), "`batch_size`"),
    # -- adversarial examples and training, transfer learning --
    ("adversarial_fgsm_epsilon", lambda: adversarial.fgsm(convnet_model(), X, Y, epsilon=-0.1), "`epsilon`"),
    ("adversarial_pgd_steps", lambda: adversarial.pgd(convnet_model(), X, Y, epsilon=0.1, steps=0), "`steps`"),
    ("adversarial_pgd_no_class_outputs", lambda: adversarial.pgd(autoencoder_model(), X, Y, epsilon=0.1), "`model`"),
    ("adversarial_pgd_labels", lambda: adversarial.pgd(convnet_model(), X, changed(Y, 4), epsilon=0.1), "`y`"),
    ("adversarial_robust_accuracy_attack", lambda: adversarial.robust_accuracy(convnet_model(), (X, Y), "cw"), "`attack`"),
    ("adversarial_compile_fraction", lambda: adversarial.compile(adversarial.build(arch="lenet", width=4), adversarial_fraction=2.0), "`adversarial_fraction`"),
    ("adversarial_compile_steps", lambda: adversarial.compile(adversarial.build(arch="lenet", width=4), steps=0), "`steps`"),
    ("transfer_build_layer", lambda: transfer.build(convnet_model(False), num_classes=3, layer="no_such_layer"), "`layer`"),
    ("transfer_build_source", lambda: transfer.build(42, num_classes=3), "`source`"),
    ("transfer_fit_fine_tune_epochs", lambda: transfer.fit(transfer.build(convnet_model(False), num_classes=4), (X, Y), fine_tune_epochs=-1), "`fine_tune_epochs`"),
    ("transfer_labels_per_class", lambda: transfer.labels_per_class(X, Y, 5), "`count`"),
    # -- recipes.data --
    ("data_load_split_sum", lambda: data.load("digits", split=(0.5, 0.5, 0.5)), "`split`"),
    ("data_load_split_few_test", lambda: data.load("digits", split=(0.9, 0.095, 0.005)), "`split` (0.9, 0.095, 0.005) leaves 9 test examples for 10 classes"),
    ("data_load_syn_digits_split_few_test", lambda: data.load("syn_digits", split=(0.9995, 0.0004, 0.0001)), "`split` (0.9995, 0.0004, 0.0001) leaves 1 test examples for 10 classes"),
    ("data_load_split_few_val", lambda: data.load("japanese_vowels", split=(0.98, 0.01, 0.01)), "`split`"),
    ("data_load_seed_negative", lambda: data.load("digits", seed=-1), "`seed`"),
    ("data_load_seed_string", lambda: data.load("digits", seed="0"), "`seed`"),
    ("data_load_seed_float", lambda: data.load("digits", seed=0.5), "`seed`"),
    ("data_load_as_numpy", lambda: data.load("digits", as_numpy="yes"), "`as_numpy`"),
    # -- unet, recipes.cam and the localisation data --
    ("unet_build_shape_zero", lambda: unet.build(input_shape=(0, 8, 3)), "`input_shape`"),
    ("unet_build_shape_open", lambda: unet.build(input_shape=(None, 8, 3)), "`input_shape`"),
    ("unet_build_depth", lambda: unet.build(depth=0), "`depth`"),
    ("unet_build_upsampling", lambda: unet.build(upsampling="nearest"), "`upsampling`"),
    ("unet_compile_loss", lambda: unet.compile(unet_model(False), loss="hinge"), "`loss`"),
    ("unet_fit_uncompiled", lambda: fit(unet, unet_model(False), (X3, MASKS)), "`model` is not compiled"),
    ("unet_fit_channels", lambda: fit(unet, unet_model(), (X, MASKS)), "`data train x`"),
    ("unet_fit_mask_values", lambda: fit(unet, unet_model(), (X3, MASKS * 2)), "`data train y`"),
    ("unet_fit_mask_shape", lambda: fit(unet, unet_model(), (X3, Y)), "`data train y`"),
    ("unet_fit_nan", lambda: fit(unet, unet_model(), (changed(X3, NAN), MASKS)), "`data train x` contains NaN"),
    ("unet_evaluate_batch", lambda: unet.evaluate(unet_model(), (X3, MASKS), batch_size=0), "`batch_size`"),
    ("unet_iou_shapes", lambda: unet.iou(MASKS, MASKS[:, :4]), "`y_true`"),
    ("dice_loss_smooth", lambda: losses.DiceLoss(smooth=0.0), "`smooth`"),
    ("dice_crossentropy_weight", lambda: losses.DiceCrossEntropy(dice_weight=-1.0), "`dice_weight`"),
    ("cam_layer_name", lambda: cam.grad_cam(convnet_model(), X, layer_name="no_such_layer"), "`layer_name`"),
    ("cam_channels", lambda: cam.grad_cam(convnet_model(), X3), "`images`"),
    ("cam_not_gap", lambda: cam.class_activation_maps(convnet_model(), X), "`model`"),
    ("cam_class_index", lambda: cam.grad_cam(convnet_model(), X, class_index=9), "`class_index`"),
    ("localisation_canvas_size", lambda: localisation.make_canvases(X, seed=0, canvas_size=0), "`canvas_size`"),
    ("localisation_seed", lambda: localisation.make_canvases(X, seed=-1), "`seed`"),
    ("localisation_scale_range", lambda: localisation.make_canvases(X, seed=0, scale_range=(4, 100)), "`scale_range`"),
    # -- recipes.metrics and recipes.losses --
    ("frechet_one_image", lambda: metrics.frechet_distance(X[:1], X, metrics.penultimate_features(convnet_model())), "`real`"),
    ("frechet_shape", lambda: metrics.frechet_distance(X3, X, metrics.penultimate_features(convnet_model())), "`images`"),
    ("classifier_score_nan", lambda: metrics.classifier_score(changed(X, NAN), convnet_model()), "`images`"),
    ("judge_data", lambda: metrics.judge((X, Y)), "`data`"),
    ("judge_seed", lambda: metrics.judge(data.load("digits"), seed=-1), "`seed`"),
    ("contrastive_margin", lambda: losses.ContrastiveLoss(margin=0.0), "`margin`"),
    ("smoothed_crossentropy", lambda: losses.SmoothedSparseCrossentropy(1.0), "`label_smoothing`"),
    # -- recipes.layers: constructors --
    ("random_shift_max_shift", lambda: layers.RandomShift(max_shift=0), "`max_shift`"),
    ("random_shift_seed", lambda: layers.RandomShift(seed=-1), "`seed`"),
    ("random_warp_rotation", lambda: layers.RandomWarp(rotation=-0.1), "`rotation`"),
    ("random_warp_elastic", lambda: layers.RandomWarp(elastic="much"), "`elastic`"),
    ("masking_noise_seed", lambda: layers.MaskingNoise(0.1, seed=1.5), "`seed`"),
    ("sampling_seed", lambda: layers.Sampling(seed=-1), "`seed`"),
    ("gradient_reversal_schedule", lambda: layers.GradientReversal().schedule(-1), "`total_steps`"),
    ("tied_dense_activation", lambda: layers.TiedDense(4, activation="relux"), "`activation`"),
    ("tied_dense_transpose_activation", lambda: layers.TiedDense(4, transpose_activation="sig"), "`transpose_activation`"),
    ("euclidean_epsilon", lambda: layers.EuclideanDistance(epsilon=-1.0), "`epsilon`"),
    ("cosine_epsilon", lambda: layers.CosineSimilarity(epsilon=0.0), "`epsilon`"),
    ("weighted_l1_regularizer", lambda: layers.WeightedL1Similarity(alpha_regularizer="l3"), "`alpha_regularizer`"),
    # -- recipes.style (COLOUR, GREY: tiny content images; bad input is refused before any step) --
    ("style_channels_differ", lambda: style.transfer(COLOUR, GREY, steps=1), "`style` has 1 channels but `content` has 3"),
    ("style_content_rank", lambda: style.transfer(COLOUR[None], COLOUR, steps=1), "`content`"),
    ("style_content_channels", lambda: style.transfer(np.zeros((16, 16, 2)), COLOUR, steps=1), "`content`"),
    ("style_content_small", lambda: style.transfer(COLOUR[:4], COLOUR, steps=1), "`content`"),
    ("style_content_range", lambda: style.transfer(COLOUR * 255, COLOUR, steps=1), "`content`"),
    ("style_style_nan", lambda: style.transfer(COLOUR, changed(COLOUR, NAN), steps=1), "`style`"),
    ("style_unknown_style_layer", lambda: style.transfer(COLOUR, COLOUR, style_layers=["block9_conv1"], steps=1), "`layers` ['block9_conv1']"),
    ("style_unknown_content_layer", lambda: style.transfer(COLOUR, COLOUR, content_layers=["conv4_2"], steps=1), "`layers` ['conv4_2']"),
    ("style_no_style_layers", lambda: style.transfer(COLOUR, COLOUR, style_layers=[]), "`style_layers`"),
    ("style_dense_layer", lambda: style.layer_outputs(convnet_model(False), ["label"]), "`layers` 'label'"),
    ("style_alpha_zero", lambda: style.transfer(COLOUR, COLOUR, alpha=0.0), "`alpha`"),
    ("style_beta_negative", lambda: style.transfer(COLOUR, COLOUR, beta=-1.0), "`beta`"),
    ("style_tv_negative", lambda: style.transfer(COLOUR, COLOUR, tv=-0.1), "`tv`"),
    ("style_layer_weight_zero", lambda: style.transfer(COLOUR, COLOUR, style_weights=[1, 1, 0, 1]), "`style_weights`"),
    ("style_layer_weights_count", lambda: style.transfer(COLOUR, COLOUR, style_weights=[1.0]), "`style_weights`"),
    ("style_steps_zero", lambda: style.transfer(COLOUR, COLOUR, steps=0), "`steps`"),
    ("style_steps_float", lambda: style.synthesize_texture(COLOUR, steps=2.5), "`steps`"),
    ("style_learning_rate", lambda: style.transfer(COLOUR, COLOUR, learning_rate=0.0), "`learning_rate`"),
    ("style_init", lambda: style.transfer(COLOUR, COLOUR, init="style"), "`init`"),
    ("style_seed", lambda: style.transfer(COLOUR, COLOUR, seed=-1), "`seed`"),
    ("style_model_channels", lambda: style.transfer(COLOUR, COLOUR, model=style.random_convnet(channels=1, widths=(4,)), content_layers=["block1_conv1"], style_layers=["block1_conv1"]), "`content` has shape (16, 16, 3) but `model` takes"),
    ("style_texture_size", lambda: style.synthesize_texture(COLOUR, size=(4, 4)), "`size`"),
    ("style_texture_tv", lambda: style.synthesize_texture(COLOUR, tv=-1.0), "`tv`"),
    ("style_load_unknown", lambda: style.load_image("mona_lisa"), "`source`"),
    ("style_load_channels", lambda: style.load_image("china", channels=4), "`channels`"),
    ("style_load_size", lambda: style.load_image("china", size=0), "`size`"),
    ("style_resize_size", lambda: style.resize(COLOUR, (16,)), "`size`"),
    ("style_random_widths", lambda: style.random_convnet(widths=(8, 0)), "`widths`"),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, fragment", [pytest.param(c, f, id=i) for i, c, f in CASES]
)
def test_bad_input_is_a_clear_value_error(call, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        call()


def test_cases_are_many_and_named_once():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) >= 120
    assert all("`" in fragment for _, _, fragment in CASES)


# ------------------------------------------------------------- controls ---


def trains_one_epoch(recipe, model, data_, **options):
    history = fit(recipe, model, data_, callbacks=[], **options)
    assert len(history.history["loss"]) == 1


CONTROLS = [
    ("check_seed", lambda: validation.check_seed(2**32 - 1)),
    ("check_shape_open", lambda: validation.check_shape((None, 12), allow_none=True)),
    ("check_sizes_empty", lambda: validation.check_sizes((), "hidden_units")),
    ("check_activation", lambda: validation.check_activation("relu", "activation")),
    ("check_verbose", lambda: [validation.check_verbose(v) for v in ("auto", 0, 1, 2)]),
    ("check_callbacks", lambda: validation.check_callbacks([NoTraining()])),
    ("check_array_large", lambda: validation.check_array([[1e6]], "x")),
    ("check_dataset", lambda: validation.check_dataset(batched(X, Y), "data", shape=(8, 8, 1), num_classes=4)),
    ("make_optimizer_beta", lambda: training.make_optimizer("adam", 1e-3, beta_1=0.0)),
    ("convnet_fit_dataset", lambda: trains_one_epoch(convnet, convnet_model(), batched(X, Y))),
    ("convnet_fit_arrays", lambda: trains_one_epoch(convnet, convnet_model(), (X, Y), early_stopping_patience=0)),
    ("bilstm_dataset_checked", lambda: bilstm_splits.checked(bilstm_model(), unbatched(SEQ, Y), "train", 8)),
    ("vae_dataset_images", lambda: vae.evaluate(vae_model(), batched(X, Y), k=2)),
    ("gan_sample", lambda: gan.sample(gan_model(), 2, seed=2**32 - 1, batch_size=1)),
    ("data_load_split", lambda: data.load("digits", split=(0.98, 0.01, 0.01), seed=1)),
    ("dann_load_data", lambda: dann.load_data("digits_m", seed=1)),
    ("proxy_a_distance", lambda: dann.proxy_a_distance(np.zeros((2, 2)), np.ones((2, 2)))),
    ("lambda_schedule", lambda: [schedules.lambda_schedule(p) for p in (0, 0.5, 1)]),
    ("make_pairs_seed", lambda: siamese.make_pairs(X, Y, seed=np.int64(3))),
    ("style_grey_pair", lambda: style.check_pair(GREY, GREY)),
    ("style_layer_outputs", lambda: style.layer_outputs(style.random_convnet(widths=(4,)), "block1_conv1")),
    ("protonet_fit_episodes", lambda: trains_one_epoch(protonet, protonet_model(), (X, Y), batch_size=1, n_way=4, k_shot=3)),
    ("fewshot_accuracy", lambda: fewshot.accuracy(None, X, Y, n_way=4, k_shot=3, trials=5)),
]  # fmt: skip


@pytest.mark.parametrize("call", [pytest.param(c, id=i) for i, c in CONTROLS])
def test_good_input_is_accepted(call):
    call()
