#!/usr/bin/env python3
"""tests/reference/wilcoxon_ref.py: scipy.stats.wilcoxon's answers for tests/test_wilcoxon.c.

Usage: wilcoxon_ref.py INPUT.json OUTPUT.json   (run by /usr/bin/python3, which has scipy 1.10)

INPUT:  {"cases": [{"x": [float, ...], "y": [float, ...] or null, "alternative": str}, ...]}
OUTPUT: {"scipy_version": str,
         "results": [{"statistic": float|null, "pvalue": float|null, "error": str|null,
                      "pvalue_exact": float|null, "pvalue_approx": float|null}, ...]}

statistic/pvalue: scipy.stats.wilcoxon(x, y, alternative=...) with every other argument at its default
(zero_method "wilcox", correction False, method "auto"); error: the message when scipy raises.
pvalue_exact / pvalue_approx: the same call with method="exact" / "approx", so that the test can tell
which one "auto" chose. null stands for NaN or for a call that raised.
"""
import json
import math
import sys
import warnings

import scipy
from scipy import stats


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def run(case, method):
    y = case["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if y is None:
            return stats.wilcoxon(case["x"], alternative=case["alternative"], method=method)
        return stats.wilcoxon(case["x"], y, alternative=case["alternative"], method=method)


def evaluate(case):
    result = {"statistic": None, "pvalue": None, "error": None, "pvalue_exact": None, "pvalue_approx": None}
    try:
        res = run(case, "auto")
        result["statistic"] = number(res.statistic)
        result["pvalue"] = number(res.pvalue)
    except ValueError as error:
        result["error"] = str(error)
        return result
    for method in ("exact", "approx"):
        try:
            result["pvalue_" + method] = number(run(case, method).pvalue)
        except ValueError:
            pass
    return result


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: wilcoxon_ref.py INPUT.json OUTPUT.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    output = {"scipy_version": scipy.__version__, "results": [evaluate(case) for case in cases]}
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(output, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
