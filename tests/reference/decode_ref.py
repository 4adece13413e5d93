#!/usr/bin/python3
# Owns the independent PyTorch reference for the decoding tests: the weights one reward-guided step
# must give, and how often each candidate must be drawn. Built on llama_ref.py's LLaMA (float64 here), with no KV
# cache and one separate reward-model forward per candidate (the paper's definition, not the C
# engine's candidate scoring).
#   dump DIR                 writes DIR/lm, DIR/rm (config.json + model.safetensors) and DIR/prompts.json
#   steps DIR STEPS.json     checks every recorded step of the C engine (test_decode_ref steps)
#   freq DIR COUNTS.json     chi-square test of the C engine's draws (test_decode_ref freq)
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402
import st  # noqa: E402

SPEC = dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False)
PROMPTS = [[17, 40, 5, 66, 23], [8, 90], [31, 32, 33, 34, 35, 36, 37, 38]]
WEIGHT_TOL = 1e-5       # max |C - reference| / (1 + |reference|) of a step's weights
P_VALUE_FLOOR = 1e-3    # chi-square p-values must exceed this


def make_model(head, seed):
    spec = dict(SPEC, head=head)
    cfg = llama_ref.config_json(spec)
    model = llama_ref.LlamaRef(llama_ref.LlamaConfig(cfg))
    generator = torch.Generator().manual_seed(seed)
    llama_ref.init_weights(model, generator)
    with torch.no_grad():  # spread the logits and rewards, so that ranks are far from ties
        for name, p in model.named_parameters():
            if name.endswith(("embed_tokens.weight", "lm_head.weight", "score.weight")):
                p.mul_(40.0)
    return cfg, model


def dump(directory):
    for name, head, seed in (("lm", "lm", 11), ("rm", "score", 12)):
        cfg, model = make_model(head, seed)
        path = os.path.join(directory, name)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
        st.save(os.path.join(path, "model.safetensors"), dict(model.state_dict()), {"format": "pt"})
    with open(os.path.join(directory, "prompts.json"), "w") as f:
        json.dump({"prompts": PROMPTS, "bos": llama_ref.BOS_ID}, f)
    return 0


def load(directory, name):
    model = llama_ref.load_model(os.path.join(directory, name)).double()
    model.eval()
    return model


def lm_logprob(lm, seq):
    """log pi(. | seq) over the full vocabulary, from a full forward (no cache)."""
    with torch.no_grad():
        logits = lm(torch.tensor([seq]))[0, -1]
    return torch.log_softmax(logits, dim=-1)


def reward(rm, seq):
    """r(seq): a separate forward of the whole sequence, read at its last token."""
    with torch.no_grad():
        return float(rm(torch.tensor([seq]))[0, -1])


def check_steps(directory, steps_path):
    lm, rm = load(directory, "lm"), load(directory, "rm")
    with open(steps_path) as f:
        record = json.load(f)
    bos, beta, k = record["bos"], record["beta"], record["k"]
    worst, gap_min, failures = 0.0, math.inf, 0
    for s in record["steps"]:
        seq = [bos] + PROMPTS[s["row"]] + s["prefix"]
        logprob = lm_logprob(lm, seq)
        top = torch.topk(logprob, k + 1)
        gap_min = min(gap_min, float(top.values[k - 1] - top.values[k]))
        ids = top.indices[:k].tolist()
        if ids != s["cands"]:
            print(f"FAIL row {s['row']} step {s['step']}: candidates {s['cands']} != reference {ids}")
            failures += 1
            continue
        for j, v in enumerate(ids):
            want = float(logprob[v]) + beta * reward(rm, seq + [v])
            diff = abs(s["weights"][j] - want) / (1 + abs(want))
            worst = max(worst, diff)
    ok = failures == 0 and worst <= WEIGHT_TOL and len(record["steps"]) > 0
    print(f"{'ok  ' if ok else 'FAIL'} {len(record['steps'])} PARGS steps (k={k}, beta={beta}): weights vs the reference "
          f"(log-softmax over the vocabulary + beta * r from separate RM forwards): max rel diff {worst:.3g} "
          f"(tolerance {WEIGHT_TOL}); smallest top-k margin {gap_min:.3g}")
    return 0 if ok else 1


def chi_square(counts, expected_p, label):
    """Pools cells expected below 5 draws; returns (ok, message)."""
    from scipy import stats
    n = sum(counts)
    cells_obs, cells_exp, pool_obs, pool_exp = [], [], 0, 0.0
    for c, p in zip(counts, expected_p):
        if p * n >= 5:
            cells_obs.append(c)
            cells_exp.append(p * n)
        else:
            pool_obs += c
            pool_exp += p * n
    if pool_exp > 0:
        cells_obs.append(pool_obs)
        cells_exp.append(pool_exp)
    statistic, p_value = stats.chisquare(cells_obs, cells_exp)
    ok = p_value > P_VALUE_FLOOR and len(cells_obs) >= 3
    return ok, (f"{'ok  ' if ok else 'FAIL'} {label}: {n} draws over {len(cells_obs)} cells, chi-square {statistic:.1f}, "
                f"p = {p_value:.3g} (must exceed {P_VALUE_FLOOR})")


def check_freq(directory, counts_path):
    lm, rm = load(directory, "lm"), load(directory, "rm")
    with open(counts_path) as f:
        record = json.load(f)
    failures = 0
    for run in record["runs"]:
        seq = [record["bos"]] + PROMPTS[run["row"]]
        logprob = lm_logprob(lm, seq)
        counts = {int(t): c for t, c in run["counts"].items()}
        t = run["temperature"]
        if run["method"] == "pargs":
            top = torch.topk(logprob, run["k"])
            ids = top.indices.tolist()
            w = torch.tensor([float(logprob[v]) + run["beta"] * reward(rm, seq + [v]) for v in ids], dtype=torch.float64)
            p = torch.softmax(w / t, dim=0).tolist()
            label = f"pargs k={run['k']} beta={run['beta']} T={t}"
        else:  # topp: the smallest most-likely set holding mass p of softmax(log pi / T)
            q = torch.softmax(logprob / t, dim=0)
            order = torch.argsort(q, descending=True).tolist()
            kept, mass = [], 0.0
            for v in order:
                if mass >= run["p"]:
                    break
                kept.append(v)
                mass += float(q[v])
            ids = kept
            total = sum(float(q[v]) for v in kept)
            p = [float(q[v]) / total for v in kept]
            label = f"topp p={run['p']} T={t} (nucleus of {len(kept)} tokens)"
        outside = sum(c for tok, c in counts.items() if tok not in ids)
        if outside:
            print(f"FAIL {label}: {outside} draws outside the candidate set")
            failures += 1
            continue
        ok, message = chi_square([counts.get(v, 0) for v in ids], p, label)
        print(message)
        failures += not ok
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "dump":
        return dump(argv[1])
    if len(argv) >= 3 and argv[0] == "steps":
        return check_steps(argv[1], argv[2])
    if len(argv) >= 3 and argv[0] == "freq":
        return check_freq(argv[1], argv[2])
    print(__doc__ or "usage: decode_ref.py dump DIR | steps DIR STEPS.json | freq DIR COUNTS.json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
