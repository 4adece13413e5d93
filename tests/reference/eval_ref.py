#!/usr/bin/env python3
"""tests/reference/eval_ref.py: an independent reference for eval/rouge.c and eval/stats.c.

Usage: eval_ref.py INPUT.json OUTPUT.json

INPUT (written by tests/test_eval_metrics.c):
  {"rouge": [{"candidate": str, "reference": str}, ...],
   "stats": [{"values": [float, ...]}, ...]}
OUTPUT:
  {"rouge": [{"lcs": int, "precision": float, "recall": float, "f1": float}, ...],
   "rouge_corpus_f1": float or null,
   "stats": [{"mean": float or null, "sd": float or null, "se": float or null}, ...]}

null stands for NaN (mean of nothing, sd/se of fewer than two values). Standard library only: the
LCS is the textbook full table, the statistics are exact rational arithmetic (statistics.stdev).
"""
import json
import math
import re
import statistics
import sys

TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text):
    """rouge-score's tokens without stemming: str.lower(), then the runs of a-z and 0-9."""
    return TOKEN.findall(text.lower())


def lcs_length(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[len(a)][len(b)]


def rouge_l(candidate, reference):
    c, r = tokens(candidate), tokens(reference)
    if not c or not r:
        return {"lcs": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    lcs = lcs_length(c, r)
    precision, recall = lcs / len(c), lcs / len(r)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"lcs": lcs, "precision": precision, "recall": recall, "f1": f1}


def summary(values):
    n = len(values)
    mean = math.fsum(values) / n if n else None
    sd = statistics.stdev(values) if n >= 2 else None
    se = sd / math.sqrt(n) if sd is not None else None
    return {"mean": mean, "sd": sd, "se": se}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: eval_ref.py INPUT.json OUTPUT.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    rouge = [rouge_l(case["candidate"], case["reference"]) for case in cases["rouge"]]
    result = {
        "rouge": rouge,
        "rouge_corpus_f1": math.fsum(r["f1"] for r in rouge) / len(rouge) if rouge else None,
        "stats": [summary(case["values"]) for case in cases["stats"]],
    }
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
