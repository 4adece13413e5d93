#!/usr/bin/python3
# Owns the independent PyTorch reference for the training objectives of train/losses.c: dense
# (per-prefix) Bradley-Terry, sequence log-probability and DPO, and the CD-FUDGE value regressions
# (MSE and BCE), each written as plain loops over pairs / prefix lengths / positions in float64. It
# dumps random-input cases (gradients w.r.t. the rewards, logits or values) and tiny-model cases from
# llama_ref (gradients w.r.t. every parameter) for tests/test_losses.c, after self-checks.
# Usage: losses_ref.py dump --out DIR [--seed S]      (exits 1 when a self-check fails)
import argparse
import copy
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402
import st  # noqa: E402

FORMAT_VERSION = "rgtg-losses-ref-1"
TOL = 1e-4  # the C test's tolerance; a mutation must move a loss far beyond it
MIN_MARGIN = 1e-3  # accuracies are compared exactly, so no margin may sit near 0
DPO_BETA = 0.5
DPO_MODEL_BETA = 0.1

# pairs of (prompt length P, preferred response length Lc, other Lr): Lc > Lr, Lc < Lr, Lc == Lr
RANDOM_PAIRS = [(2, 5, 3), (4, 3, 6), (3, 7, 7)]
RANDOM_T = 12
MODEL_PAIRS = [(3, 4, 2), (4, 2, 5)]
MODEL_T = 10
SCORE_SCALE = 20.0


# ----------------------------------------------------------------------------- the objectives, by loops

def softplus(x):
    """log(1 + exp(x)) for a 0-d tensor, stable for either sign (-log sigmoid(z) == softplus(-z)).
    Branches on the sign rather than using |x|, whose kink would give slope 1 instead of 1/2 at 0."""
    if float(x) <= 0:
        return torch.log1p(torch.exp(x))
    return x + torch.log1p(torch.exp(-x))


def dense_position(P, L, j, mutation=None):
    """Position read for prefix length j of a response of length L after a prompt of length P."""
    if mutation == "no_prefix_clamp":
        return P + j - 1  # a shorter response keeps being read past its EOS
    if mutation == "off_by_one":
        return P + min(j, L)
    return P + min(j, L) - 1


def dense_bt(rewards, pairs, mutation=None):
    """rewards [2B, T] -> (loss, accuracy, margins): mean over pairs of the mean over prefix lengths
    j = 1..max(Lc, Lr) of -log sigmoid(r_c(j) - r_r(j))."""
    pair_losses, hits, count, margins = [], 0, 0, []
    for i, (P, Lc, Lr) in enumerate(pairs):
        last = max(Lc, Lr) if mutation != "min_length_only" else min(Lc, Lr)
        terms = []
        for j in range(1, last + 1):
            margin = rewards[2 * i, dense_position(P, Lc, j, mutation)] - \
                rewards[2 * i + 1, dense_position(P, Lr, j, mutation)]
            terms.append(softplus(-margin))
            hits += int(float(margin) > 0)
            count += 1
            margins.append(float(margin))
        pair_losses.append(sum(terms) if mutation == "sum_over_prefixes" else sum(terms) / len(terms))
    return sum(pair_losses) / len(pairs), hits / count, margins


def sequence_logprob(logits, ids, loss_mask):
    """[B, T, V] -> [B]: sum over t with loss_mask[b, t+1] of log p(ids[b, t+1] | logits[b, t])."""
    rows = []
    B, T, _ = logits.shape
    for b in range(B):
        total = logits.new_zeros(())
        for t in range(T - 1):
            if float(loss_mask[b, t + 1]) != 0:
                row = logits[b, t]
                top = row.max().detach()
                log_z = top + torch.log(torch.exp(row - top).sum())
                total = total + float(loss_mask[b, t + 1]) * (row[int(ids[b, t + 1])] - log_z)
        rows.append(total)
    return torch.stack(rows)


def dpo(policy_logp, reference_logp, beta):
    """Sigmoid DPO over pairs (2i preferred, 2i+1 other) -> (loss, accuracy, mean margin, margins)."""
    reference_logp = reference_logp.detach()
    losses, margins = [], []
    for i in range(policy_logp.shape[0] // 2):
        chosen_reward = beta * (policy_logp[2 * i] - reference_logp[2 * i])
        other_reward = beta * (policy_logp[2 * i + 1] - reference_logp[2 * i + 1])
        margin = chosen_reward - other_reward
        losses.append(softplus(-margin))
        margins.append(float(margin))
    accuracy = sum(m > 0 for m in margins) / len(margins)
    return sum(losses) / len(losses), accuracy, sum(margins) / len(margins), margins


def value_mse(values, target, mask):
    total, count = values.new_zeros(()), 0.0
    for b in range(values.shape[0]):
        for t in range(values.shape[1]):
            if float(mask[b, t]) != 0:
                total = total + float(mask[b, t]) * (values[b, t] - float(target[b])) ** 2
                count += float(mask[b, t])
    return total / count


def value_bce(values, label, mask):
    total, count = values.new_zeros(()), 0.0
    for b in range(values.shape[0]):
        y = float(label[b])
        for t in range(values.shape[1]):
            if float(mask[b, t]) != 0:
                p = torch.sigmoid(values[b, t])
                total = total - float(mask[b, t]) * (y * torch.log(p) + (1 - y) * torch.log(1 - p))
                count += float(mask[b, t])
    return total / count


# ----------------------------------------------------------------------------- second opinions (self-checks)

def dense_bt_vectorized(rewards, pairs):
    """The same loss from torch builtins: an explicit index table and F.logsigmoid."""
    M = max(max(Lc, Lr) for _, Lc, Lr in pairs)
    out = []
    for i, (P, Lc, Lr) in enumerate(pairs):
        n = max(Lc, Lr)
        js = torch.arange(1, n + 1)
        c = rewards[2 * i, P + torch.clamp(js, max=Lc) - 1]
        r = rewards[2 * i + 1, P + torch.clamp(js, max=Lr) - 1]
        out.append(-F.logsigmoid(c - r).mean())
    assert M >= 1
    return torch.stack(out).mean()


def sequence_logprob_builtin(logits, ids, loss_mask):
    V = logits.shape[-1]
    nll = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1), reduction="none")
    return -(nll.view(ids.shape[0], -1) * loss_mask[:, 1:]).sum(1)


def value_bce_builtin(values, label, mask):
    target = label[:, None].expand_as(values).to(values.dtype)
    per = F.binary_cross_entropy_with_logits(values, target, reduction="none")
    return (per * mask).sum() / mask.sum()


def value_mse_builtin(values, target, mask):
    sel = mask != 0
    return F.mse_loss(values[sel], target[:, None].expand_as(values)[sel].to(values.dtype))


class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, label, ok, detail):
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {detail}")
        self.failed += 0 if ok else 1

    def close(self, label, a, b, tol=1e-10):
        diff = abs(float(a) - float(b))
        self.check(label, diff <= tol, f"{float(a):.10f} vs {float(b):.10f}")

    def margins(self, label, margins):
        low = min(abs(m) for m in margins)
        self.check(f"{label} margins away from 0", low > MIN_MARGIN, f"min |margin| {low:.2e}")


def check_mutations(checker, label, rewards, pairs, loss):
    for mutation in ["no_prefix_clamp", "off_by_one", "min_length_only", "sum_over_prefixes"]:
        moved = abs(float(dense_bt(rewards, pairs, mutation)[0]) - float(loss))
        checker.check(f"{label} detects '{mutation}'", moved > 50 * TOL * max(1.0, abs(float(loss))),
                      f"loss moves {moved:.2e}")


# ----------------------------------------------------------------------------- batches

def pair_lengths(pairs):
    prompt = torch.tensor([p for p, _, _ in pairs], dtype=torch.int64)
    chosen = torch.tensor([c for _, c, _ in pairs], dtype=torch.int64)
    other = torch.tensor([r for _, _, r in pairs], dtype=torch.int64)
    return prompt, chosen, other


def pair_batch(pairs, T, vocab_size, generator):
    """Right-padded rows 2i (prompt + preferred) and 2i+1 (same prompt + other); BOS first, responses
    end with EOS. Returns ids, mask [2B, T] int64 and the response mask [2B, T] f32."""
    rows = 2 * len(pairs)
    ids = torch.full((rows, T), llama_ref.PAD_ID, dtype=torch.int64)
    mask = torch.zeros(rows, T, dtype=torch.int64)
    response = torch.zeros(rows, T)
    for i, (P, Lc, Lr) in enumerate(pairs):
        prompt = torch.randint(llama_ref.FIRST_ORDINARY_ID, vocab_size, (P,), generator=generator)
        prompt[0] = llama_ref.BOS_ID
        for row, L in ((2 * i, Lc), (2 * i + 1, Lr)):
            reply = torch.randint(llama_ref.FIRST_ORDINARY_ID, vocab_size, (L,), generator=generator)
            reply[-1] = llama_ref.EOS_ID
            ids[row, :P], ids[row, P:P + L] = prompt, reply
            mask[row, :P + L] = 1
            response[row, P:P + L] = 1
    return ids, mask, response


# ----------------------------------------------------------------------------- cases

def random_cases(generator, ref, checker):
    # dense Bradley-Terry on random rewards
    rewards = torch.randn(2 * len(RANDOM_PAIRS), RANDOM_T, generator=generator)
    r64 = rewards.double().requires_grad_(True)
    loss, accuracy, margins = dense_bt(r64, RANDOM_PAIRS)
    loss.backward()
    prompt, chosen, other = pair_lengths(RANDOM_PAIRS)
    ref.update({"bt_dense.rewards": rewards, "bt_dense.prompt_len": prompt, "bt_dense.chosen_len": chosen,
                "bt_dense.rejected_len": other, "bt_dense.loss": loss.detach(),
                "bt_dense.accuracy": torch.tensor(accuracy, dtype=torch.float64), "bt_dense.grad": r64.grad})
    checker.close("random dense BT loop == vectorized", loss, dense_bt_vectorized(r64.detach(), RANDOM_PAIRS))
    checker.margins("random dense BT", margins)
    check_mutations(checker, "random dense BT", r64.detach(), RANDOM_PAIRS, loss)
    worst = 0.0
    for idx in [(0, 2), (1, 4), (3, 6), (4, 8), (5, 9)]:  # preferred and other rows, clamped positions too
        h = 1e-6
        up, down = r64.detach().clone(), r64.detach().clone()
        up[idx] += h
        down[idx] -= h
        fd = (float(dense_bt(up, RANDOM_PAIRS)[0]) - float(dense_bt(down, RANDOM_PAIRS)[0])) / (2 * h)
        worst = max(worst, abs(fd - float(r64.grad[idx])))
    checker.check("random dense BT grad vs finite difference", worst < 1e-7, f"max diff {worst:.2e}")

    # sequence log-probability and DPO on random logits
    V = 11
    ids, _, response = pair_batch(RANDOM_PAIRS, RANDOM_T, V, generator)
    logits = 2.0 * torch.randn(ids.shape[0], RANDOM_T, V, generator=generator)
    reference_logp = -10.0 + 3.0 * torch.randn(ids.shape[0], generator=generator)
    l64 = logits.double().requires_grad_(True)
    policy_logp = sequence_logprob(l64, ids, response)
    loss, accuracy, margin, margins = dpo(policy_logp, reference_logp.double(), DPO_BETA)
    loss.backward()
    ref.update({"dpo.logits": logits, "dpo.ids": ids, "dpo.loss_mask": response,
                "dpo.reference_logp": reference_logp, "dpo.beta": torch.tensor(DPO_BETA, dtype=torch.float64),
                "dpo.policy_logp": policy_logp.detach(), "dpo.loss": loss.detach(),
                "dpo.accuracy": torch.tensor(accuracy, dtype=torch.float64),
                "dpo.margin": torch.tensor(margin, dtype=torch.float64), "dpo.grad": l64.grad})
    builtin = sequence_logprob_builtin(l64.detach(), ids, response.double())
    checker.check("random sequence logprob loop == cross_entropy",
                  float((builtin - policy_logp.detach()).abs().max()) < 1e-10,
                  f"max diff {float((builtin - policy_logp.detach()).abs().max()):.2e}")
    checker.margins("random DPO", margins)
    at_zero = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    dpo(at_zero, at_zero.detach(), DPO_BETA)[0].backward()
    checker.check("random DPO slope at margin 0 is -beta/2", abs(float(at_zero.grad[0]) + DPO_BETA / 2) < 1e-12,
                  f"{float(at_zero.grad[0]):.6f}")
    checker.check("random DPO accuracy is informative", 0 < accuracy < 1, f"accuracy {accuracy}")

    # value regressions on random values
    B, T = 4, 10
    values = 1.5 * torch.randn(B, T, generator=generator)
    target = torch.randn(B, generator=generator)
    label = torch.tensor([1.0, 0.0, 1.0, 0.0])
    label_soft = torch.tensor([0.3, 1.0, 0.0, 0.75])
    mask = torch.zeros(B, T)
    for b, (start, end) in enumerate([(2, 9), (4, 6), (1, 10), (3, 4)]):
        mask[b, start:end] = 1
    ref.update({"value.values": values, "value.target": target, "value.label": label,
                "value.label_soft": label_soft, "value.mask": mask})
    for name, fn, y, builtin_fn in [("mse", value_mse, target, value_mse_builtin),
                                    ("bce", value_bce, label, value_bce_builtin),
                                    ("bce_soft", value_bce, label_soft, value_bce_builtin)]:
        v64 = values.double().requires_grad_(True)
        loss = fn(v64, y.double(), mask.double())
        loss.backward()
        ref[f"value.{name}"] = loss.detach()
        ref[f"value.{name}_grad"] = v64.grad
        checker.close(f"random value {name} loop == builtin", loss,
                      builtin_fn(values.double(), y.double(), mask.double()))


def save_model(model, directory, cfg):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    st.save(os.path.join(directory, "model.safetensors"), dict(model.state_dict()), {"format": "pt"})


def new_model(spec_name, generator):
    cfg = llama_ref.config_json(llama_ref.CASES[spec_name])
    model = llama_ref.LlamaRef(llama_ref.LlamaConfig(cfg))
    llama_ref.init_weights(model, generator)
    if cfg["architectures"] == ["LlamaForSequenceClassification"]:
        with torch.no_grad():  # rewards of order 1 (not 0.1), so a wrong position moves the loss far
            model.score.weight.mul_(SCORE_SCALE)
    return model, cfg


def param_grads(model, loss, prefix, ref):
    model.zero_grad()
    loss.backward()
    for n, p in model.named_parameters():
        ref[f"{prefix}.grad.{n}"] = p.grad.detach().clone()


def model_cases(generator, out_dir, ref, checker):
    # reward / value model: dense Bradley-Terry and the value regressions through the score head
    rm, cfg = new_model("rm_gqa", generator)
    save_model(rm, os.path.join(out_dir, "rm"), cfg)
    rm64 = copy.deepcopy(rm).double()
    ids, mask, response = pair_batch(MODEL_PAIRS, MODEL_T, cfg["vocab_size"], generator)
    prompt, chosen, other = pair_lengths(MODEL_PAIRS)
    ref.update({"rm.ids": ids, "rm.mask": mask, "rm.prompt_len": prompt, "rm.chosen_len": chosen,
                "rm.rejected_len": other, "rm.value_mask": response})
    rewards = rm64(ids, mask)
    loss, accuracy, margins = dense_bt(rewards, MODEL_PAIRS)
    ref["rm.bt_dense.loss"] = loss.detach()
    ref["rm.bt_dense.accuracy"] = torch.tensor(accuracy, dtype=torch.float64)
    checker.margins("model dense BT", margins)
    check_mutations(checker, "model dense BT", rewards.detach(), MODEL_PAIRS, loss)
    param_grads(rm64, loss, "rm.bt_dense", ref)

    rows = ids.shape[0]
    target = torch.randn(rows, generator=generator)
    label = (torch.arange(rows) % 2 == 0).float()
    ref.update({"rm.target": target, "rm.label": label})
    for name, fn, y in [("value_mse", value_mse, target), ("value_bce", value_bce, label)]:
        loss = fn(rm64(ids, mask), y.double(), response.double())
        ref[f"rm.{name}.loss"] = loss.detach()
        param_grads(rm64, loss, f"rm.{name}", ref)

    # policy: DPO through the LM head, against a constant reference from another model, and against
    # itself (the usual first step: the reference must be detached or the gradient vanishes)
    lm, cfg = new_model("lm_mha", generator)
    save_model(lm, os.path.join(out_dir, "lm"), cfg)
    other_model, _ = new_model("lm_mha", generator)
    lm64, other64 = copy.deepcopy(lm).double(), other_model.double()
    ids, mask, response = pair_batch(MODEL_PAIRS, MODEL_T, cfg["vocab_size"], generator)
    with torch.no_grad():
        reference_logp = sequence_logprob(other64(ids, mask), ids, response.double())
    policy_logp = sequence_logprob(lm64(ids, mask), ids, response.double())
    loss, accuracy, margin, margins = dpo(policy_logp, reference_logp, DPO_MODEL_BETA)
    ref.update({"lm.ids": ids, "lm.mask": mask, "lm.loss_mask": response, "lm.reference_logp": reference_logp,
                "lm.beta": torch.tensor(DPO_MODEL_BETA, dtype=torch.float64),
                "lm.policy_logp": policy_logp.detach(), "lm.dpo.loss": loss.detach(),
                "lm.dpo.accuracy": torch.tensor(accuracy, dtype=torch.float64),
                "lm.dpo.margin": torch.tensor(margin, dtype=torch.float64)})
    checker.margins("model DPO", margins)
    param_grads(lm64, loss, "lm.dpo", ref)
    policy_logp = sequence_logprob(lm64(ids, mask), ids, response.double())
    loss, _, _, _ = dpo(policy_logp, policy_logp.detach(), DPO_MODEL_BETA)
    checker.close("model DPO against itself is log 2", loss, math.log(2.0))
    ref["lm.dpo_self.loss"] = loss.detach()
    param_grads(lm64, loss, "lm.dpo_self", ref)
    worst = max(float(ref[k].abs().max()) for k in ref if k.startswith("lm.dpo_self.grad."))
    checker.check("model DPO against itself has a gradient", worst > 1e-4, f"max |grad| {worst:.2e}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="write the reference cases and run the self-checks")
    dump.add_argument("--out", required=True)
    dump.add_argument("--seed", type=int, default=4321)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(args.seed)
    checker = Checker()
    ref = {}
    os.makedirs(args.out, exist_ok=True)
    random_cases(generator, ref, checker)
    model_cases(generator, args.out, ref, checker)
    meta = {"format": FORMAT_VERSION, "seed": str(args.seed),
            "dense": "prefix j=1..max(Lc,Lr): position P+min(j,L)-1; mean over j, then over pairs",
            "grads": "float64 reference; random cases w.r.t. the input tensor, model cases w.r.t. parameters"}
    st.save(os.path.join(args.out, "losses.safetensors"), ref, meta)
    print(f"losses_ref dump: {'FAIL' if checker.failed else 'PASS'} ({checker.failed} failed) -> {args.out}")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
