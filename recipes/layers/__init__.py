"""Custom layers shared by the recipes, each registered serializable.

Every layer here uses `keras.ops` and `keras.random` only, runs under XLA, and
has a complete `get_config`, so models that use it save to `.keras` and load
back in safe mode without `custom_objects`.
"""

from recipes.layers.augmentation import MaskingNoise, RandomShift, RandomWarp
from recipes.layers.distances import (
    CosineSimilarity,
    EuclideanDistance,
    SafeUnitNormalization,
    WeightedL1Similarity,
)
from recipes.layers.gradient_reversal import GradientReversal
from recipes.layers.sampling import Sampling
from recipes.layers.sequence import TimeDeltas
from recipes.layers.tied import TiedDense

__all__ = [
    "CosineSimilarity",
    "EuclideanDistance",
    "GradientReversal",
    "MaskingNoise",
    "RandomShift",
    "RandomWarp",
    "SafeUnitNormalization",
    "Sampling",
    "TiedDense",
    "TimeDeltas",
    "WeightedL1Similarity",
]
