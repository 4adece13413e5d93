#!/usr/bin/python3
# Owns the plain-PyTorch peers of the decoding benchmark: what users run today for reward-guided
# decoding, on the same shapes and random models as `rgtg bench methods`:
#   authors  the PARGS authors' loop: no KV cache; every step one LM forward over the whole sequence and
#            one reward-model forward per candidate (prefix + candidate, batch 1 each);
#   args     an ARGS-style loop: LM and RM with KV caches; every step the RM cache is copied k times and
#            the k candidates scored as a batch of k single tokens; the chosen row's cache is kept;
#   topk     top-k sampling with the LM's KV cache (the unguided baseline in PyTorch).
# The model is tests/reference/llama_ref.py's LLaMA; the cached forward below is checked against it
# before timing. Prints one JSON line: wall and CPU ms per generated token of each loop.
# Usage: bench_torch_decode.py --config config.json [--batch 1] [--prompt 16] [--new-tokens 32] [--k 10]
#        [--threads 1] [--loops authors,args,topk]
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import llama_ref  # noqa: E402

BETA = 1.0


def forward_cached(model, ids, past, start):
    """ids [B, T] at positions start.. (rows aligned, no padding); past: per layer (k, v) [B, KV, P, hd]
    or None. Returns (logits [B, T, V] or rewards [B, T], the new past)."""
    c, body = model.c, model.model
    B, T = ids.shape
    H, KV, hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
    positions = torch.arange(start, start + T)[None].expand(B, T)
    cos, sin = llama_ref.rotary_cos_sin(positions, hd, c.rope_theta)
    cos, sin = cos[:, None], sin[:, None]
    x = body.embed_tokens(ids)
    new_past = []
    for i, layer in enumerate(body.layers):
        att = layer.self_attn
        h = layer.input_layernorm(x)
        q = att.q_proj(h).view(B, T, H, hd).transpose(1, 2)
        k = att.k_proj(h).view(B, T, KV, hd).transpose(1, 2)
        v = att.v_proj(h).view(B, T, KV, hd).transpose(1, 2)
        q = q * cos + llama_ref.rotate_half(q) * sin
        k = k * cos + llama_ref.rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[i][0], k], dim=2)
            v = torch.cat([past[i][1], v], dim=2)
        new_past.append((k, v))
        kk, vv = k.repeat_interleave(H // KV, dim=1), v.repeat_interleave(H // KV, dim=1)
        scores = (q @ kk.transpose(-1, -2)) / math.sqrt(hd)  # [B, H, T, P + T]
        total = kk.shape[2]
        allowed = torch.arange(total)[None, :] <= torch.arange(total - T, total)[:, None]
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        out = (torch.softmax(scores, dim=-1) @ vv).transpose(1, 2).reshape(B, T, H * hd)
        x = x + att.o_proj(out)
        x = x + layer.mlp(layer.post_attention_layernorm(x))
    return model.head(body.norm(x)), new_past


def sample(weights, generator):
    """One draw per row from softmax(weights) [B, k]."""
    return torch.multinomial(torch.softmax(weights, dim=-1), 1, generator=generator).squeeze(-1)


def loop_authors(lm, rm, prompt, new_tokens, k, generator):
    seq = prompt.clone()
    for _ in range(new_tokens):
        logprob = torch.log_softmax(lm(seq)[:, -1], dim=-1)
        top = torch.topk(logprob, k)
        rewards = torch.empty_like(top.values)
        for j in range(k):  # one reward-model forward per candidate
            rewards[:, j] = rm(torch.cat([seq, top.indices[:, j:j + 1]], dim=1))[:, -1]
        chosen = sample(top.values + BETA * rewards, generator)
        seq = torch.cat([seq, top.indices.gather(1, chosen[:, None])], dim=1)
    return seq


def loop_args(lm, rm, prompt, new_tokens, k, generator):
    B, P = prompt.shape
    logits, lm_past = forward_cached(lm, prompt, None, 0)
    _, rm_past = forward_cached(rm, prompt, None, 0)
    logits = logits[:, -1]
    out = prompt
    for step in range(new_tokens):
        top = torch.topk(torch.log_softmax(logits, dim=-1), k)
        # the RM cache copied k times: row b*k + j scores candidate j of row b
        copied = [(kc.repeat_interleave(k, dim=0), vc.repeat_interleave(k, dim=0)) for kc, vc in rm_past]
        rewards, scored_past = forward_cached(rm, top.indices.reshape(B * k, 1), copied, P + step)
        chosen = sample(top.values + BETA * rewards.reshape(B, k), generator)
        keep = torch.arange(B) * k + chosen
        rm_past = [(kc[keep], vc[keep]) for kc, vc in scored_past]
        token = top.indices.gather(1, chosen[:, None])
        out = torch.cat([out, token], dim=1)
        logits, lm_past = forward_cached(lm, token, lm_past, P + step)
        logits = logits[:, -1]
    return out


def loop_topk(lm, rm, prompt, new_tokens, k, generator):
    B, P = prompt.shape
    logits, past = forward_cached(lm, prompt, None, 0)
    logits = logits[:, -1]
    out = prompt
    for step in range(new_tokens):
        top = torch.topk(torch.log_softmax(logits, dim=-1), k)
        token = top.indices.gather(1, sample(top.values, generator)[:, None])
        out = torch.cat([out, token], dim=1)
        logits, past = forward_cached(lm, token, past, P + step)
        logits = logits[:, -1]
    return out


LOOPS = {"authors": loop_authors, "args": loop_args, "topk": loop_topk}


def main(argv):
    parser = argparse.ArgumentParser(description="plain-PyTorch reward-guided decoding loops")
    parser.add_argument("--config", required=True, help="the LM's config.json (the RM is the same body with a score head)")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--prompt", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loops", default="authors,args,topk")
    args = parser.parse_args(argv)
    loops = args.loops.split(",")
    if min(args.batch, args.prompt, args.new_tokens, args.k, args.threads) < 1 or any(l not in LOOPS for l in loops):
        print("bench_torch_decode: sizes must be >= 1 and --loops a list of " + ",".join(LOOPS), file=sys.stderr)
        return 2
    with open(args.config) as f:
        raw = json.load(f)
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    generator = torch.Generator().manual_seed(args.seed)
    models = {}
    for head in ("lm", "score"):
        cfg = llama_ref.LlamaConfig(dict(raw, architectures=["LlamaForSequenceClassification" if head == "score"
                                                              else "LlamaForCausalLM"]))
        model = llama_ref.LlamaRef(cfg)
        llama_ref.init_weights(model, generator)
        models[head] = model.eval()
    lm, rm = models["lm"], models["score"]
    prompt = torch.randint(4, lm.c.vocab_size, (args.batch, args.prompt), generator=generator)
    # the cached forward must equal the reference model before it is timed
    full = lm(prompt)
    first, past = forward_cached(lm, prompt[:, :-1], None, 0)
    last, _ = forward_cached(lm, prompt[:, -1:], past, args.prompt - 1)
    diff = max(float((first - full[:, :-1]).abs().max()), float((last[:, 0] - full[:, -1]).abs().max()))
    if diff > 1e-4:
        print(f"bench_torch_decode: the cached forward differs from the reference by {diff}", file=sys.stderr)
        return 1
    result = {"bench": "torch_decode", "batch": args.batch, "k": args.k, "new_tokens": args.new_tokens,
              "threads": args.threads, "params": sum(p.numel() for p in lm.parameters())}
    for name in loops:
        LOOPS[name](lm, rm, prompt, 2, args.k, generator)  # warm-up
        wall, cpu = time.perf_counter(), time.process_time()
        LOOPS[name](lm, rm, prompt, args.new_tokens, args.k, generator)
        tokens = args.batch * args.new_tokens
        result[name + "_ms"] = round(1000 * (time.perf_counter() - wall) / tokens, 3)
        result[name + "_cpu_ms"] = round(1000 * (time.process_time() - cpu) / tokens, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
