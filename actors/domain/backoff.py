"""How long to wait before trying again after a failure: doubling from a base, capped, with
jitter so that many failing together do not come back together."""

import random


def backoff_seconds(
    attempts: int, base_seconds: float, rng: random.Random, *, longest: float
) -> float:
    """The wait after the `attempts`-th failure in a row."""
    ceiling = min(longest, base_seconds * 2 ** min(max(attempts - 1, 0), 64))
    return ceiling * rng.uniform(0.5, 1.0)
