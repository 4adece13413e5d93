#!/usr/bin/env python3
"""tests/reference/bootstrap_ref.py: an independent reference for eval/bootstrap.c and eval/paired.c.

Usage: bootstrap_ref.py INPUT.json OUTPUT.json   (run by /usr/bin/python3, which has numpy)

INPUT (from tests/test_paired.c):
  {"cases": [{"a": [float], "b": [float], "seed": int, "stream": int, "resamples": int,
              "quantiles": [low, high], "tie_epsilon": float, "indices": [int] (resamples * n, C's draws)}]}
OUTPUT:
  {"results": [{"indices_match": bool, "first_mismatch": int|null,
                "ci": [low, high], "mean_a": f, "mean_b": f, "mean_difference": f, "sd_difference": f|null,
                "se_difference": f|null, "wins": int, "ties": int, "losses": int}]}

The resample indices are drawn again here from the seed by this file's own xoshiro256** and
splitmix64, written from their published definitions (https://prng.di.unimi.it/) the way core/rng.h
documents the seeding and the rejection sampling of rng_below, and compared with the C draws. The
interval is then numpy.percentile (default linear method) of the means of a - b over those indices.
"""
import json
import sys

import numpy as np

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed, stream):
        _, stream_hash = splitmix64(stream)
        mixer = seed ^ stream_hash
        self.s = []
        for _ in range(4):
            mixer, word = splitmix64(mixer)
            self.s.append(word)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        threshold = ((1 << 64) - n) % n  # reject the lowest 2^64 mod n outputs: no modulo bias
        while True:
            r = self.next()
            if r >= threshold:
                return r % n


def evaluate(case):
    a, b = np.array(case["a"], dtype=np.float64), np.array(case["b"], dtype=np.float64)
    n, resamples = len(a), case["resamples"]
    # seeds arrive as signed 64-bit JSON integers: reinterpret them as the uint64_t the C code used
    rng = Xoshiro256StarStar(case["seed"] & MASK, case["stream"] & MASK)
    indices = np.array([rng.below(n) for _ in range(resamples * n)], dtype=np.int64)
    given = np.array(case["indices"], dtype=np.int64)
    mismatch = np.nonzero(indices != given)[0] if given.shape == indices.shape else np.array([0])
    d = a - b
    means = d[indices.reshape(resamples, n)].mean(axis=1)
    low, high = np.percentile(means, [100.0 * q for q in case["quantiles"]])
    sd = float(np.std(d, ddof=1)) if n >= 2 else None
    eps = case["tie_epsilon"]
    return {
        "indices_match": bool(mismatch.size == 0),
        "first_mismatch": int(mismatch[0]) if mismatch.size else None,
        "ci": [float(low), float(high)],
        "mean_a": float(a.mean()),
        "mean_b": float(b.mean()),
        "mean_difference": float(d.mean()),
        "sd_difference": sd,
        "se_difference": sd / np.sqrt(n) if sd is not None else None,
        "wins": int(np.sum(d > eps)),
        "ties": int(np.sum(np.abs(d) <= eps)),
        "losses": int(np.sum(-d > eps)),
    }


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: bootstrap_ref.py INPUT.json OUTPUT.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump({"results": [evaluate(case) for case in cases]}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
