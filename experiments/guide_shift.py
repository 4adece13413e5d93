#!/usr/bin/python3
"""experiments/guide_shift.py: what a guide does to each step's sampling distribution, measured along
another method's own trajectories (e.g. top-k's generations): the spread of the guide's scores over the
k candidates, how often it scores the LM's most likely token highest, and, per beta, the entropy of
softmax(log pi + beta * r) over the top k, its mass on the LM's top token and on the end token, and how
often the greedy rule keeps the LM's top token. Uses the PyTorch reference model of the tests
(tests/reference/llama_ref.py), float32, no cache: slow, for a few hundred prompts.

Usage: guide_shift.py --lm DIR --rm DIR --data prefs.h5 --gens GENS.jsonl [--prompts 100] [--k 10]
                      [--betas 0.5,1,2] [--threads 2]
The generations must come from --lm on --data's prompts (their `id` is the pair index, as decode writes).
"""
import argparse
import json
import os
import sys

import h5py
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import llama_ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lm", required=True)
    ap.add_argument("--rm", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--gens", required=True)
    ap.add_argument("--prompts", type=int, default=100)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--betas", default="0.5,1,2")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    betas = [float(b) for b in a.betas.split(",")]
    lm = llama_ref.load_model(a.lm).eval()
    rm = llama_ref.load_model(a.rm).eval()
    with open(os.path.join(a.lm, "config.json")) as f:
        config = json.load(f)
    bos, eos = config.get("bos_token_id"), config["eos_token_id"]
    with h5py.File(a.data, "r") as f:
        offsets, tokens = f["prompt/offsets"][:], f["prompt/tokens"][:]
    with open(a.gens) as f:
        rows = [json.loads(line) for line in f][:a.prompts]
    sums = {"spread_sd": 0.0, "spread_range": 0.0, "top_minus_rest": 0.0, "top_scored_highest": 0.0,
            "entropy": 0.0, "top_mass": 0.0, "eos_mass": 0.0}
    per_beta = {b: {"entropy": 0.0, "top_mass": 0.0, "eos_mass": 0.0, "greedy_keeps_top": 0.0} for b in betas}
    steps = outside = 0  # outside: trajectory tokens not among the LM's top k (a wrong --lm or --data)
    with torch.no_grad():
        for row in rows:
            sequence = ([bos] if bos is not None else []) + [int(t) for t in tokens[offsets[row["id"]]:offsets[row["id"] + 1]]]
            for token in row["tokens"]:
                top = torch.topk(torch.log_softmax(lm(torch.tensor([sequence]))[0, -1].double(), -1), a.k)
                log_pi = top.values - torch.logsumexp(top.values, 0)
                r = rm(torch.tensor([sequence + [int(v)] for v in top.indices]))[:, -1].double()
                is_eos = (top.indices == eos).double()
                pi = log_pi.exp()
                sums["spread_sd"] += float(r.std())
                sums["spread_range"] += float(r.max() - r.min())
                sums["top_minus_rest"] += float(r[0] - r[1:].mean())
                sums["top_scored_highest"] += float(int(torch.argmax(r)) == 0)
                sums["entropy"] += float(-(pi * log_pi).sum())
                sums["top_mass"] += float(pi[0])
                sums["eos_mass"] += float((pi * is_eos).sum())
                for b in betas:
                    w = log_pi + b * r
                    q = torch.softmax(w, 0)
                    per_beta[b]["entropy"] += float(-(q * torch.log_softmax(w, 0)).sum())
                    per_beta[b]["top_mass"] += float(q[0])
                    per_beta[b]["eos_mass"] += float((q * is_eos).sum())
                    per_beta[b]["greedy_keeps_top"] += float(int(torch.argmax(w)) == 0)
                steps += 1
                outside += int(token) not in top.indices.tolist()
                sequence.append(int(token))
                if token == eos:
                    break
    n = max(steps, 1)
    print(f"{len(rows)} prompts, {steps} steps of {a.gens}'s trajectories, k = {a.k}; "
          f"{outside} of their tokens outside the LM's top k")
    print(f"guide scores over the candidates: SD {sums['spread_sd'] / n:.3f}, max - min {sums['spread_range'] / n:.3f}; "
          f"LM's top token minus the others' mean {sums['top_minus_rest'] / n:+.3f}, scored highest in "
          f"{sums['top_scored_highest'] / n:.3f} of steps (chance {1 / a.k:.3f})")
    print(f"LM alone:   entropy {sums['entropy'] / n:.3f} nats, mass on its top token {sums['top_mass'] / n:.3f}, "
          f"on the end token {sums['eos_mass'] / n:.4f}")
    for b in betas:
        s = per_beta[b]
        print(f"beta {b:<5g}: entropy {s['entropy'] / n:.3f} nats, mass on the LM's top token {s['top_mass'] / n:.3f}, "
              f"on the end token {s['eos_mass'] / n:.4f}; the greedy rule keeps the LM's top token in "
              f"{s['greedy_keeps_top'] / n:.3f} of steps")


if __name__ == "__main__":
    main()
