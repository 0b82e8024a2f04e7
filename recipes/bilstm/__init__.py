"""Bidirectional recurrent networks (LSTM or GRU) for sequences and text.

- LSTM (Hochreiter & Schmidhuber 1997) and GRU (Cho et al. 2014): gated
  recurrent units whose gates let the gradient flow over many time steps.
- Bidirectional RNN (Schuster & Paliwal 1997): one network reads the sequence
  forwards, a second one reads it backwards, and their states are merged, so
  the representation of step `t` sees both the past and the future of `t`.
- Gradient clipping (Pascanu et al. 2013): the gradient is rescaled to a norm
  of at most `clipnorm` before each update, which keeps the exploding
  gradients of recurrent nets from derailing training. On by default.

Two tasks: `output="sequence"` gives one label per sequence (many-to-one:
speaker recognition, sentiment), `output="per_step"` one label per time step
(many-to-many: tagging). Numeric sequences are zero-padded at the end and a
`Masking` layer hides the padding; text goes through a `TextVectorization`
layer adapted on the training text and an `Embedding` with `mask_zero=True`.
Either way the padding is masked end to end: the recurrent layers skip it, and
for per-step outputs the loss and accuracy leave it out.

Text inside the model (`build(text=...)`) needs the TensorFlow backend:
`TextVectorization` runs TensorFlow string operations, which a JAX model
cannot. On any backend, text can instead be vectorized before `fit`:
`text_vectorizer` adapts the layer, `vectorize` maps each split to NumPy
integer token sequences, and `build(vocabulary_size=...)` builds the model on
those tokens (on JAX, `build(text=...)` is a `ValueError` that says so).

The defaults are a bidirectional GRU of 128 units per direction over the
standardised input and its causal time differences (`deltas=1`, a
`TimeDeltas` layer inside the model), dropout 0.3, a label-smoothed
cross-entropy (`label_smoothing=0.1` in `compile`), and a `fit` that trains on
the training and validation splits together for a fixed 40 epochs of
cosine-decayed learning rate (`refit=True`; `refit=False` gives early stopping
on the validation split instead). Defaults are chosen on validation data: see
docs/recipes/bilstm.md.

XLA cannot compile cuDNN's fused LSTM/GRU kernels, so on TensorFlow
`jit_compile="auto"` never turns XLA on for this recipe (on a GPU the cuDNN
kernels run, on a CPU TensorFlow's own); with `jit_compile=True` (and on JAX,
where every step is XLA-compiled), `compile` switches the recurrent layers to
their generic implementation (`use_cudnn=False`), which XLA compiles on any
device. Text models cannot use XLA at all (string operations), so
`jit_compile=True` on them is a `ValueError`; token models can.

The recipe is split by concern: `model` (`build` and what it builds), `text`
(`text_vectorizer`, `vectorize`), `normalization` (the input `Normalization` and `adapt_input_norm`), `splits`
(checking and joining the data splits), `training` (`compile`, `fit`),
`evaluation` (`evaluate`) and `hypermodel` (`HyperModel`).

Example:

>>> from recipes import bilstm, data
>>> bundle = data.load("japanese_vowels")
>>> model = bilstm.compile(bilstm.build(input_shape=(None, 12), num_classes=9))
>>> history = bilstm.fit(model, bundle, epochs=1, verbose=0)
>>> sorted(bilstm.evaluate(model, bundle))
['accuracy', 'loss']
"""

from __future__ import annotations

from recipes.bilstm.evaluation import evaluate
from recipes.bilstm.hypermodel import HyperModel
from recipes.bilstm.model import (
    CELLS,
    DELTAS,
    INPUT_NORM,
    MERGE_MODES,
    OUTPUTS,
    POOLINGS,
    build,
    is_text_model,
)
from recipes.bilstm.normalization import adapt_input_norm
from recipes.bilstm.text import text_vectorizer, vectorize
from recipes.bilstm.training import (
    EPOCHS,
    LABEL_SMOOTHING,
    STEPS_PER_EXECUTION,
    compile,
    fit,
)
from recipes.data import load as load_data
from recipes.layers import TimeDeltas
from recipes.losses import SmoothedSparseCrossentropy

DATASET = "japanese_vowels"
FACTS = ("input_shape", "num_classes")  # what `build` and `HyperModel` take from info

__all__ = [
    "CELLS",
    "DATASET",
    "DELTAS",
    "EPOCHS",
    "FACTS",
    "INPUT_NORM",
    "LABEL_SMOOTHING",
    "MERGE_MODES",
    "OUTPUTS",
    "POOLINGS",
    "STEPS_PER_EXECUTION",
    "HyperModel",
    "SmoothedSparseCrossentropy",
    "TimeDeltas",
    "adapt_input_norm",
    "build",
    "compile",
    "evaluate",
    "fit",
    "is_text_model",
    "load_data",
    "text_vectorizer",
    "vectorize",
]
