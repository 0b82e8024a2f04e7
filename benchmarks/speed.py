"""Speed benchmarks: `python -m benchmarks.speed [RECIPE ...] [--backends ...]`.

Each recipe's benchmark module defines `speed() -> str`: the recipe's training
throughput against the same network written by hand in plain Keras, measured
side by side (interleaved repeats, medians), as ratios. On JAX every recipe
also times the same networks trained by a bare `jax.jit` step
(`benchmarks.bare_jax`), the ceiling of what Keras can do here.

One command measures every backend: each runs in its own process (a backend
is chosen once per process), one after the other, and the recipe's section of
RESULTS.md holds both tables and the ratio of the recipe's throughput on JAX
to that on TensorFlow.
"""

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Registry: recipe name -> benchmark module (one line per recipe).
SPEED = {
    "adversarial": "benchmarks.adversarial_speed",
    "autoencoder": "benchmarks.autoencoder",
    "bilstm": "benchmarks.bilstm",
    "convnet": "benchmarks.convnet",
    "dann": "benchmarks.dann",
    "gan": "benchmarks.gan",
    "protonet": "benchmarks.protonet",
    "siamese": "benchmarks.siamese",
    "unet": "benchmarks.unet",
    "vae": "benchmarks.vae",
}
BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX"}
AUTO = 'recipe, jit_compile="auto"'


def measure_here(name, out):
    """Runs `name`'s `speed()` on this process's backend; writes JSON to `out`."""
    from benchmarks import common

    body = importlib.import_module(SPEED[name]).speed()
    auto = [value for key, value in common.MEASURED.items() if key.startswith(AUTO)]
    result = {"body": body, "auto": auto[0], "machine": common.machine()}
    with open(out, "w") as file:
        json.dump(result, file)


def measure(name, backends):
    """`name`'s speed section: one table per backend, each from its own process."""
    results = {}
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "result.json")
            subprocess.run(
                [sys.executable, "-m", "benchmarks.speed", "--here", name, out],
                env={**os.environ, "KERAS_BACKEND": backend},
                check=True,
            )
            with open(out) as file:
                results[backend] = json.load(file)
    heading = None
    parts = []
    for backend, result in results.items():
        first, rest = result["body"].split("\n", 1)
        heading = heading or first
        parts.append(f"### {BACKENDS[backend]}\n{rest}")
    if len(results) == 2:
        ratio = results["jax"]["auto"] / results["tensorflow"]["auto"]
        parts.append(
            f'Recipe with `jit_compile="auto"`, JAX over TensorFlow: {ratio:.3g}x.'
        )
    where = "; ".join(result["machine"] for result in results.values())
    return heading + "\n\n" + "\n\n".join(parts), where


def main(argv):
    if argv[:1] == ["--here"]:
        measure_here(*argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed")
    parser.add_argument(
        "names", nargs="*", help=f"recipes (default: {' '.join(SPEED)})"
    )
    parser.add_argument(
        "--backends",
        default="tensorflow,jax",
        help="comma-separated backends to measure (default: tensorflow,jax)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(SPEED)
    if unknown:
        parser.error(f"unknown recipes {sorted(unknown)}; known: {sorted(SPEED)}")
    backends = args.backends.split(",")
    if not backends or set(backends) - set(BACKENDS):
        parser.error(f"--backends must name some of {sorted(BACKENDS)}")
    from benchmarks.common import update_results

    for name in args.names or list(SPEED):
        body, where = measure(name, backends)
        command = f"python -m benchmarks.speed {name}"
        if args.backends != "tensorflow,jax":
            command += f" --backends {args.backends}"
        update_results(f"speed:{name}", body, command, where=where)


if __name__ == "__main__":
    main(sys.argv[1:])
