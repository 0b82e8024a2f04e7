"""Seeded N-way K-shot episodes: support and query sets drawn from labelled images."""

from __future__ import annotations

import keras
import numpy as np

from recipes import validation


def eligible_classes(y, k_shot, n_query=1, classes=None):
    """The classes with at least `k_shot + n_query` examples, sorted.

    Args:
        y: integer labels, `(n,)`.
        k_shot: support examples per class.
        n_query: query examples per class (default 1).
        classes: the classes to consider (default: all in `y`).

    Returns:
        An int array of classes.
    """
    present, counts = np.unique(np.asarray(y), return_counts=True)
    keep = present[counts >= k_shot + n_query]
    if classes is not None:
        keep = keep[np.isin(keep, np.asarray(list(classes)))]
    return keep


def check_episode(y, n_way, k_shot, n_query=1, classes=None, name="data"):
    """Refuses an N-way K-shot episode that `y` cannot supply; returns its classes.

    Args:
        y: integer labels, `(n,)`.
        n_way: classes per episode (at least 2).
        k_shot: support examples per class (at least 1).
        n_query: query examples per class (at least 1).
        classes: the classes episodes draw from (default: all in `y`).
        name: what `y` is called in the message.

    Returns:
        The classes with enough examples (see `eligible_classes`).

    Raises:
        ValueError: naming `n_way`, `k_shot` or `n_query` when it is not a
            positive integer (`n_way` >= 2), or when fewer than `n_way`
            classes have `k_shot + n_query` examples.

    Example:

    >>> import numpy as np
    >>> check_episode(np.repeat([0, 1, 2], 3), n_way=2, k_shot=2).tolist()
    [0, 1, 2]
    """
    validation.check_positive_int(n_way, "n_way", minimum=2)
    validation.check_positive_int(k_shot, "k_shot")
    validation.check_positive_int(n_query, "n_query")
    y = np.asarray(y)
    available = np.unique(y) if classes is None else np.unique(list(classes))
    if n_way > len(available):
        raise ValueError(
            f"`n_way` must be at most the {len(available)} classes of `{name}`, "
            f"got {n_way}."
        )
    keep = eligible_classes(y, k_shot, n_query, available)
    if len(keep) < n_way:
        raise ValueError(
            f"`k_shot`={k_shot} support and `n_query`={n_query} query examples per "
            f"class need {k_shot + n_query} images of each of `n_way`={n_way} "
            f"classes, but only {len(keep)} classes of `{name}` have that many."
        )
    return keep


def sample_episode(y, classes, n_way, k_shot, n_query, rng):
    """Indices of one episode: `n_way` classes, their supports and queries.

    Args:
        y: integer labels, `(n,)`.
        classes: the classes to draw from (each with `k_shot + n_query`
            examples; see `check_episode`).
        n_way: classes in the episode.
        k_shot: support examples per class.
        n_query: query examples per class.
        rng: a `numpy.random.Generator`.

    Returns:
        `(support, query)`: int arrays `(n_way, k_shot)` and `(n_way, n_query)`
        of indices into `y`, row `j` for the episode's class `j`. No example
        is both a support and a query.
    """
    chosen = rng.choice(classes, size=n_way, replace=False)
    support = np.empty((n_way, k_shot), dtype="int64")
    query = np.empty((n_way, n_query), dtype="int64")
    for row, label in enumerate(chosen.tolist()):
        members = np.flatnonzero(y == label)
        picks = rng.choice(members, size=k_shot + n_query, replace=False)
        support[row], query[row] = picks[:k_shot], picks[k_shot:]
    return support, query


def episode_labels(n_way, k_shot, n_query):
    """The `(R, 2)` labels of an episode laid out as `Episodes` lays it out.

    Rows are the supports (class by class), then the queries (class by
    class); column 0 is the class within the episode, column 1 is 1 for a
    query. `recipes.losses.PrototypicalLoss` reads this layout.

    Example:

    >>> episode_labels(2, 1, 1).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    support = np.stack([np.repeat(np.arange(n_way), k_shot), np.zeros(n_way * k_shot)])
    query = np.stack([np.repeat(np.arange(n_way), n_query), np.ones(n_way * n_query)])
    return np.concatenate([support.T, query.T]).astype("float32")  # (R, 2)


class Episodes(keras.utils.PyDataset):
    """N-way K-shot episodes as a `keras.utils.PyDataset`, one episode per batch.

    Each batch is `(x, labels)`: `n_way * (k_shot + n_query)` images, the
    supports then the queries of `n_way` classes drawn without replacement,
    and their `(R, 2)` labels (`episode_labels`). Episode `i` of epoch `e` is
    drawn from a generator seeded with `(seed, e, i)`, so a run is
    repeatable; with `fixed=True` every epoch sees the same episodes (for
    validation). NumPy batches: no `tf.data` on any backend.

    Args:
        x: images, `(n, ...)`.
        y: integer labels, `(n,)`.
        n_way: classes per episode (at least 2).
        k_shot: support examples per class (at least 1).
        n_query: query examples per class (at least 1).
        episodes: episodes per epoch (at least 1).
        seed: seed of the draw.
        classes: the classes to draw from (default: all in `y`).
        fixed: draw the same episodes every epoch.

    Raises:
        ValueError: for bad counts, or labels that cannot supply the episodes
            (see `check_episode`).

    Example:

    >>> import numpy as np
    >>> x, y = np.zeros((12, 8, 8, 1)), np.repeat([0, 1, 2], 4)
    >>> episodes = Episodes(x, y, n_way=2, k_shot=1, n_query=3, episodes=5)
    >>> images, labels = episodes[0]
    >>> images.shape, labels.shape, len(episodes)
    ((8, 8, 8, 1), (8, 2), 5)
    """

    def __init__(
        self,
        x,
        y,
        *,
        n_way,
        k_shot,
        n_query,
        episodes,
        seed=0,
        classes=None,
        fixed=False,
    ):
        super().__init__()
        validation.check_positive_int(episodes, "episodes")
        self.seed = validation.check_seed(seed, allow_none=False)
        self.x, self.y = x, np.asarray(y)
        self.classes = check_episode(self.y, n_way, k_shot, n_query, classes)
        self.n_way, self.k_shot, self.n_query = n_way, k_shot, n_query
        self.episodes, self.fixed, self.epoch = episodes, fixed, 0
        self.labels = episode_labels(n_way, k_shot, n_query)

    def __len__(self):
        return self.episodes

    def indices(self, index):
        """The `(support, query)` indices of episode `index` of this epoch."""
        epoch = 0 if self.fixed else self.epoch
        rng = np.random.default_rng([self.seed, epoch, index])
        return sample_episode(
            self.y, self.classes, self.n_way, self.k_shot, self.n_query, rng
        )

    def __getitem__(self, index):
        if not 0 <= index < self.episodes:
            raise IndexError(index)
        support, query = self.indices(index)
        rows = np.concatenate([support.reshape(-1), query.reshape(-1)])  # (R,)
        return self.x[rows], self.labels

    def on_epoch_end(self):
        self.epoch += 1
