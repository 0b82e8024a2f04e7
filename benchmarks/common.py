"""Shared pieces of the benchmarks: timing, tables, and RESULTS.md sections."""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import keras

RESULTS = os.path.join(os.path.dirname(__file__), "RESULTS.md")
# Every throughput `compare` measured in this process, `{variant: samples/s}`.
MEASURED = {}


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def throughput(fit, samples_per_epoch, epochs=4):
    """Samples per second of `fit`, the median over epochs after the first.

    Args:
        fit: `fit(epochs, callbacks)` that trains a fresh model; the first
            epoch (tracing and compilation) is not counted.
        samples_per_epoch: training examples seen in one epoch.
        epochs: epochs to run (at least 2).

    Returns:
        Samples per second.
    """
    timer = EpochTimer()
    fit(epochs, [timer])
    return samples_per_epoch / statistics.median(timer.seconds[1:])


def compare(candidates, samples_per_epoch, *, repeats=3, epochs=4):
    """Interleaves the candidates `repeats` times; median throughput of each.

    Args:
        candidates: `{name: fit}` with `fit` as in `throughput`.
        samples_per_epoch: training examples in one epoch.

    Returns:
        `{name: samples per second}`.
    """
    measured = {name: [] for name in candidates}
    for repeat in range(repeats):
        for name, fit in candidates.items():
            keras.utils.set_random_seed(repeat)
            measured[name].append(throughput(fit, samples_per_epoch, epochs))
    results = {name: statistics.median(values) for name, values in measured.items()}
    MEASURED.update(results)
    return results


def keras_fit(make_model, x, y, *, batch_size):
    """`fit(epochs, callbacks)` of a fresh compiled `make_model()`, by `model.fit`.

    The hand-written side of `speed_table` for a model trained by Keras's own
    `fit` on arrays.
    """

    def fit(epochs, callbacks):
        model = make_model()
        model.fit(
            x, y, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0
        )

    return fit


def steps_per_call(module):
    """The sentence that says how many steps each side runs per compiled call."""
    return (
        f"The recipe runs its default {module.STEPS_PER_EXECUTION} training steps "
        "per compiled call (`steps_per_execution`); the hand-written model keeps "
        "Keras's 1, the bare step runs 1."
    )


def recipe_fit(module, data, *, batch_size, build_kwargs=None, **fit_kwargs):
    """The recipe side of `speed_table`: `recipe(jit_compile) -> fit(epochs, callbacks)`.

    Each `fit` trains a fresh `module.build(**build_kwargs)` compiled with that
    `jit_compile` (and any further `module.compile` arguments given to
    `recipe`), through `module.fit` on `data`.

    Args:
        module: a recipe module (`build`, `compile`, `fit`).
        data: what `module.fit` takes as its data argument.
        batch_size: the batch size.
        build_kwargs: arguments of `module.build` (default: none).
        **fit_kwargs: further arguments of `module.fit`.
    """

    def recipe(jit_compile, **compile_kwargs):
        def fit(epochs, callbacks):
            model = module.build(**(build_kwargs or {}))
            model = module.compile(model, jit_compile=jit_compile, **compile_kwargs)
            module.fit(
                model,
                data,
                epochs=epochs,
                batch_size=batch_size,
                callbacks=callbacks,
                verbose=0,
                **fit_kwargs,
            )

        return fit

    return recipe


def speed_table(
    hand_written,
    recipe,
    *,
    samples_per_epoch,
    auto,
    baseline="hand-written Keras",
    unit="samples/s",
    repeats=3,
    epochs=5,
    bare=None,
):
    """Recipe against its hand-written counterpart, with XLA on and off.

    On JAX the `jit_compile=False` row is left out: it runs every operation
    eagerly, a debugging mode, not a way to train.

    Args:
        hand_written: `fit(epochs, callbacks)` of the hand-written model, or
            `None` where it cannot run on this backend (the table then has
            the recipe's rows only).
        recipe: `recipe(jit_compile) -> fit(epochs, callbacks)` for the recipe.
        samples_per_epoch: training examples in one epoch.
        auto: what `jit_compile="auto"` resolves to here (shown in the table).
        baseline: the hand-written row's name.
        unit: the throughput column's heading.
        repeats, epochs: see `compare`.
        bare: `make_model -> fit(epochs, callbacks)` as `bare_jax.bare_fit`
            builds it; on JAX it adds the row of the hand-written model trained
            by a bare `jax.jit` step, and a column of ratios to it.

    Returns:
        A Markdown table of throughputs and ratios to the hand-written model.
    """
    candidates = {} if hand_written is None else {baseline: hand_written}
    floor = "same networks, bare jax.jit step"
    if bare is not None and keras.backend.backend() == "jax":
        candidates[floor] = bare
    candidates[f'recipe, jit_compile="auto" ({auto})'] = recipe("auto")
    candidates["recipe, jit_compile=True"] = recipe(True)
    if keras.backend.backend() != "jax":  # eager JAX is a debugging mode
        candidates["recipe, jit_compile=False"] = recipe(False)
    results = compare(
        candidates,
        samples_per_epoch=samples_per_epoch,
        repeats=repeats,
        epochs=epochs,
    )
    return ratio_table(results, unit, {"hand-written": baseline, "bare jax.jit": floor})


def ratio_table(results, unit, references):
    """Throughputs and their ratios to each reference row that was measured.

    Args:
        results: `{variant: throughput}`.
        unit: the throughput column's heading.
        references: `{short name: variant}`; a column "ratio to NAME" for each
            variant present in `results`.
    """
    headers = ["variant", unit]
    rows = [[name, value] for name, value in results.items()]
    for short, variant in references.items():
        if variant in results:
            headers.append(f"ratio to {short}")
            rows = [row + [row[1] / results[variant]] for row in rows]
    return markdown_table(headers, rows)


def on_tensorflow_only(hand_written):
    """`hand_written` on TensorFlow; `None` elsewhere (its step uses `tf.GradientTape`)."""
    return hand_written if keras.backend.backend() == "tensorflow" else None


def tensorflow_only_target():
    """The speed target's line for a recipe whose hand-written step is `on_tensorflow_only`."""
    where = (
        ""
        if keras.backend.backend() == "tensorflow"
        else " (the hand-written step uses tf.GradientTape: TensorFlow only)"
    )
    return f'\n\nTarget: recipe with `"auto"` >= 1.0x hand-written{where}.'


def markdown_table(headers, rows):
    """A Markdown table; floats are shown with 4 significant digits."""

    def cell(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine():
    """This process's machine, Keras version, backend and devices, in words."""
    devices = ", ".join(keras.distribution.list_devices())
    return (
        f"{os.cpu_count()} CPU cores, Keras {keras.__version__}, "
        f"backend {keras.backend.backend()} ({devices})"
    )


def update_results(section, body, command, where=None):
    """Replaces (or appends) one section of RESULTS.md, atomically.

    Args:
        section: the section's id, e.g. `"quality:convnet"`.
        body: Markdown for the section.
        command: the command that produced it (written under the body).
        where: the machine in words (default: `machine()`).
    """
    begin, end = f"<!-- BEGIN {section} -->", f"<!-- END {section} -->"
    block = (
        f"{begin}\n{body}\n\nProduced by `{command}` on {where or machine()}, "
        f"{time.strftime('%Y-%m-%d')}.\n{end}"
    )
    text = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(RESULTS), suffix=".md")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, RESULTS)
    print(block)


def run_sections(kind, registry, argv):
    """`python -m benchmarks.KIND [NAME ...]`: runs the named (or all) sections."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{kind}")
    parser.add_argument(
        "names", nargs="*", help=f"recipes (default: {' '.join(registry)})"
    )
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(registry)
    if unknown:
        parser.error(f"unknown recipes {sorted(unknown)}; known: {sorted(registry)}")
    for name in args.names or list(registry):
        module = importlib.import_module(registry[name])
        body = getattr(module, kind)()
        command = f"python -m benchmarks.{kind} {name}"
        update_results(f"{kind}:{name}", body, command)
