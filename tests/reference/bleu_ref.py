#!/usr/bin/env python3
"""tests/reference/bleu_ref.py: a second implementation of the 13a tokenizer and of sacreBLEU-style
corpus BLEU, for random-input parity with eval/tok13a.c and eval/bleu.c (the published sacreBLEU values
are checked in tests/test_bleu.c itself). Standard library only.

Usage: bleu_ref.py INPUT.json OUTPUT.json

INPUT:  {"tokenize": [str, ...],
         "bleu": [{"hypotheses": [str], "references": [[str|null, ...] per segment],
                   "max_order": int, "effective_order": bool}, ...]}
OUTPUT: {"tokenize": [str, ...],
         "bleu": [{"score": float, "counts": [int], "totals": [int], "sys_len": int, "ref_len": int}, ...]}

The 13a rules are mteval-v13a.pl's, as sacreBLEU documents and applies them: unescape a few entities,
split the punctuation class with a regular expression, split periods and commas that do not touch
digits, split a dash after a digit, then normalise whitespace (Python's str.split()).
"""
import json
import math
import re
import sys
from collections import Counter

PUNCTUATION = re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])")
PERIOD_AFTER_NON_DIGIT = re.compile(r"([^0-9])([\.,])")
PERIOD_BEFORE_NON_DIGIT = re.compile(r"([\.,])([^0-9])")
DASH_AFTER_DIGIT = re.compile(r"([0-9])(-)")


def tokenize_13a(line):
    line = line.rstrip()
    for old, new in (("<skipped>", ""), ("-\n", ""), ("\n", " "), ("&quot;", '"'), ("&amp;", "&"),
                     ("&lt;", "<"), ("&gt;", ">")):
        line = line.replace(old, new)
    line = " " + line + " "
    line = PUNCTUATION.sub(r" \1 ", line)
    line = PERIOD_AFTER_NON_DIGIT.sub(r"\1 \2 ", line)
    line = PERIOD_BEFORE_NON_DIGIT.sub(r" \1 \2", line)
    line = DASH_AFTER_DIGIT.sub(r"\1 \2 ", line)
    return " ".join(line.split())


def ngrams(tokens, max_order):
    counts = Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


def corpus_bleu(hypotheses, references, max_order, effective_order):
    counts, totals = [0] * max_order, [0] * max_order
    sys_len = ref_len = 0
    for hypothesis, refs in zip(hypotheses, references):
        refs = [tokenize_13a(r).split() for r in refs if r]
        best = Counter()
        for ref in refs:
            for gram, count in ngrams(ref, max_order).items():
                best[gram] = max(best[gram], count)
        hyp = tokenize_13a(hypothesis).split()
        for gram, count in ngrams(hyp, max_order).items():
            totals[len(gram) - 1] += count
            counts[len(gram) - 1] += min(count, best[gram])
        sys_len += len(hyp)
        ref_len += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]  # closest, shorter on ties
    bp = 1.0 if sys_len >= ref_len else (math.exp(1 - ref_len / sys_len) if sys_len else 0.0)
    score = 0.0
    if any(counts):
        precisions, halvings, used = [0.0] * max_order, 1, max_order
        for k in range(max_order):
            if totals[k] == 0:
                break
            if effective_order:
                used = k + 1
            if counts[k]:
                precisions[k] = 100.0 * counts[k] / totals[k]
            else:
                halvings *= 2
                precisions[k] = 100.0 / (halvings * totals[k])
        logs = [math.log(p) if p > 0 else -9999999999.0 for p in precisions[:used]]
        score = bp * math.exp(sum(logs) / used)
    return {"score": score, "counts": counts, "totals": totals, "sys_len": sys_len, "ref_len": ref_len}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: bleu_ref.py INPUT.json OUTPUT.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        request = json.load(f)
    output = {
        "tokenize": [tokenize_13a(text) for text in request["tokenize"]],
        "bleu": [corpus_bleu(c["hypotheses"], c["references"], c["max_order"], c["effective_order"])
                 for c in request["bleu"]],
    }
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(output, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
