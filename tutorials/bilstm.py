"""Speaker recognition with a bidirectional recurrent network (GRU).

**Goal:** recognise which of nine speakers uttered the Japanese vowel "ae",
from recordings of different lengths, with `recipes.bilstm`.

Run it with `python tutorials/bilstm.py` (add `--quick` for a short run).
"""

# ## Introduction
#
# A recording is a sequence of frames, and sequences have no fixed length: here
# between 7 and 29 frames of 12 LPC cepstrum coefficients each. A recurrent
# network reads such a sequence one frame at a time and keeps a state that sums
# up what it has seen. Gated cells (LSTM, GRU) let that state carry information
# over many steps; a *bidirectional* network adds a second reader that goes
# from the end to the start, so every position is seen with its past and its
# future. For a whole-sequence label (many-to-one) the two final states are
# joined and classified.

import argparse
import os

import keras
import numpy as np

from recipes import bilstm, data, saving

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=bilstm.EPOCHS)
parser.add_argument("--quick", action="store_true", help="a few epochs only")
parser.add_argument("--out", default=os.path.join("tutorials", "output"))
args = parser.parse_args()
epochs = 5 if args.quick else args.epochs
os.makedirs(args.out, exist_ok=True)
keras.utils.set_random_seed(0)  # a repeatable run on the CPU

# ## The data
#
# `data.load("japanese_vowels")` gives the UCI/UEA recordings, zero-padded at
# the end to 29 frames, with the dataset's own train/test split and a
# validation set carved out of train. The padding is not data: the model must
# ignore it, which is what masking (below) does.

bundle = data.load("japanese_vowels")
x_train, y_train = bundle.train
lengths = np.any(x_train != 0, axis=-1).sum(axis=1)
print(f"{len(x_train)} training + {len(bundle.val[0])} validation recordings")
print(f"{lengths.min()}-{lengths.max()} frames per training recording")
print("input shape:", bundle.info.input_shape, "classes:", bundle.info.num_classes)

# ## The model
#
# `bilstm.build` stacks: `Masking` (all-zero frames are padding), a
# `Normalization` of the 12 coefficients (`fit` sets it to their mean and
# variance over the real frames of the training split, and it is saved with the
# model), `TimeDeltas` (appends each frame's change from the previous real
# frame, the "delta" features of speech recognition: 24 features per frame),
# a bidirectional GRU of 128 units per direction, dropout and a softmax over
# the speakers. The time axis is `None`, so one model takes any length.
# The deltas are backward differences computed inside the model over the
# unmasked frames, so the padding never leaks into them, the model takes the
# raw recordings, and a unidirectional model (`bidirectional=False`) still
# sees only the past. (`cell="lstm"` gives an LSTM and `deltas=0` leaves the
# deltas out; docs/recipes/bilstm.md compares them with the defaults.)

model = bilstm.build(input_shape=bundle.info.input_shape, num_classes=9)
model.summary()

# Recurrent nets are prone to exploding gradients, so `compile` clips the
# gradient norm at 1.0 by default. Its loss is the cross-entropy against
# label-smoothed targets (`label_smoothing=0.1`: the true speaker gets 0.9 of
# the target probability plus an even share of the rest), which keeps the
# model from growing over-confident on 270 recordings (docs/recipes/bilstm.md
# has the comparison). `jit_compile="auto"` keeps XLA off: on a GPU the fused
# cuDNN kernels run, and XLA cannot compile them.

model = bilstm.compile(model)

# ## Training
#
# With 270 training recordings, every one counts. By default (`refit=True`)
# `fit` trains on the training and validation splits together, for a fixed
# number of epochs (40; docs/recipes/bilstm.md says how it was chosen) while
# the learning rate falls to zero along a cosine; there is no early stopping.
# `refit=False` trains on the training split only and stops when the
# validation loss has not improved for 30 epochs.

history = bilstm.fit(model, bundle, epochs=epochs, verbose=0)
print(f"trained {len(history.history['loss'])} epochs")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 3))
    axis.plot(history.history["loss"], label="train + validation splits")
    axis.set_xlabel("epoch")
    axis.set_ylabel("label-smoothed cross-entropy")
    axis.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(args.out, "bilstm_loss.png"))
except ImportError:  # plots are a bonus
    pass

# ## Evaluation
#
# Accuracy on the 370 test recordings. Kudo et al. (1999), who collected the
# data, reported 94.1%.

metrics = bilstm.evaluate(model, bundle)
print(f"test accuracy: {100 * metrics['accuracy']:.2f}%")

# Masking in action: appending zero frames to a recording must not change its
# prediction, since the padding is skipped in both directions.

x_test, y_test = bundle.test
one = x_test[:1, : int(np.any(x_test[0] != 0, axis=-1).sum())]
padded = np.concatenate([one, np.zeros((1, 10, 12), "float32")], axis=1)
difference = np.abs(model.predict(one, verbose=0) - model.predict(padded, verbose=0))
print(f"largest change from 10 padding frames: {difference.max():.1e}")

# ## Saving and loading
#
# The model is a Functional model, so it saves to one `.keras` file and loads
# back with `keras.saving.load_model`; its one custom layer, `TimeDeltas`, is
# registered when `recipes` is imported.

path = saving.save_model(model, os.path.join(args.out, "bilstm.keras"))
loaded = keras.saving.load_model(path)
same = np.allclose(loaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
print("reloaded model gives the same predictions:", same)

# ## Conclusion
#
# A bidirectional GRU over masked, variable-length sequences recognises the
# speakers well above the original paper's figure. The same recipe handles
# text (`bilstm.build(text=train_texts)` adds a `TextVectorization` and an
# `Embedding` with masking) and per-step labels (`output="per_step"`).
