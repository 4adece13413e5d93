#!/usr/bin/env python3
"""tests/reference/rouge_ref.py: NLTK's Porter stemmer and rouge-score's ROUGE-L recipe, for
tests/test_rouge.c (eval/porter.c, eval/rouge.c).

Usage: rouge_ref.py INPUT.json OUTPUT.json   (run by /usr/bin/python3 with python3-nltk and wordnet-base)

INPUT:  {"extra_words": [str], "pairs": [{"candidate": str, "reference": str}]}
OUTPUT: {"nltk_version": str, "words": [str], "stems": [str],
         "pairs": [{"plain": SCORE, "stemmed": SCORE}]}   SCORE = {"lcs", "candidate_tokens",
         "reference_tokens", "precision", "recall", "f1"}

words: English words from WordNet 3.0 (/usr/share/wordnet): every fifth single-word lemma of the four
index files (multi-word lemmas split at "_" and "-"), every inflected form of the exception lists,
regular inflections (-s, -ed, -ing, -er, -est, -ly, -ness, -ation, -ful, -ize) of every fiftieth lemma,
plus extra_words; stems: nltk.stem.porter.PorterStemmer() (the default NLTK_EXTENSIONS mode, the one
rouge-score's DefaultTokenizer builds) of each.

ROUGE-L as rouge-score's tokenizer and scorer define it: text.lower(); every run of characters other
than a-z and 0-9 becomes a space; split; with the stemmer, tokens longer than 3 characters are stemmed;
tokens that are not [a-z0-9]+ are dropped; LCS by the full table; P = lcs / len(candidate),
R = lcs / len(reference), F = 2PR / (P + R), all 0 when either side has no tokens.
"""
import json
import re
import sys

import nltk
from nltk.stem.porter import PorterStemmer

WORDNET = "/usr/share/wordnet"
STEMMER = PorterStemmer()
TOKEN = re.compile(r"^[a-z0-9]+$")


def wordnet_words():
    lemmas = set()
    for pos in ("noun", "verb", "adj", "adv"):
        with open(f"{WORDNET}/index.{pos}", encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):  # the licence header
                    continue
                for part in re.split(r"[_\-]", line.split(" ", 1)[0]):
                    if re.fullmatch(r"[a-z0-9]+", part):
                        lemmas.add(part)
    lemmas = sorted(lemmas)
    words = set(lemmas[::5])
    for pos in ("noun", "verb", "adj", "adv"):
        with open(f"{WORDNET}/{pos}.exc", encoding="utf-8") as f:
            for line in f:
                words.update(w for w in line.split() if re.fullmatch(r"[a-z]+", w))
    suffixes = ("s", "ed", "ing", "er", "est", "ly", "ness", "ation", "ful", "ize")
    for lemma in lemmas[::50]:
        words.update(lemma + suffix for suffix in suffixes)
    return sorted(words)


def rouge_tokens(text, stem):
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    tokens = re.split(r"\s+", text)
    if stem:
        tokens = [STEMMER.stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if TOKEN.match(t)]


def lcs_length(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def rouge_l(candidate, reference, stem):
    c, r = rouge_tokens(candidate, stem), rouge_tokens(reference, stem)
    score = {"lcs": 0, "candidate_tokens": len(c), "reference_tokens": len(r), "precision": 0.0, "recall": 0.0,
             "f1": 0.0}
    if c and r:
        lcs = lcs_length(c, r)
        p, rec = lcs / len(c), lcs / len(r)
        score.update(lcs=lcs, precision=p, recall=rec, f1=2 * p * rec / (p + rec) if p + rec > 0 else 0.0)
    return score


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: rouge_ref.py INPUT.json OUTPUT.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        request = json.load(f)
    words = wordnet_words() + request["extra_words"]
    output = {
        "nltk_version": nltk.__version__,
        "words": words,
        "stems": [STEMMER.stem(w) for w in words],
        "pairs": [{"plain": rouge_l(p["candidate"], p["reference"], False),
                   "stemmed": rouge_l(p["candidate"], p["reference"], True)} for p in request["pairs"]],
    }
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(output, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
