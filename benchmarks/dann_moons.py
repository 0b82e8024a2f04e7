"""DANN on the two moons over ten seeds, beside ADAPT's DANN.

The quality benchmark (`benchmarks.dann`) runs three seeds per pair; on the
two moons a run takes seconds, so ten seeds weigh the difference between the
recipe's DANN and ADAPT's against the spread between seeds. Same networks,
settings and methods as there: `python -m benchmarks.quality dann_moons`.
"""

from __future__ import annotations

from benchmarks.dann import MOONS_NOTES, pair_section
from benchmarks.dann_pairs import moons_runs, two_moons

SEEDS = tuple(range(10))


def quality():
    text, _ = pair_section(
        f"two moons, 35 degrees, {len(SEEDS)} seeds",
        moons_runs(two_moons()),
        SEEDS,
        MOONS_NOTES,
    )
    return "## DANN on the two moons over ten seeds (quality)\n\n" + text
