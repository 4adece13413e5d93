#!/usr/bin/python3
# Owns the independent PyTorch LLaMA reference (what transformers' LlamaModel + LlamaForCausalLM /
# LlamaForSequenceClassification compute, written from the math; with Llama's attention_bias, Qwen2's
# q/k/v biases, an explicit head_dim and rope_scaling of type linear or llama3) and the dump of
# reference cases (config.json, model.safetensors, ref.safetensors) that the C model tests compare
# against, reward models' per-sequence rewards read where transformers reads them included.
# Usage: llama_ref.py dump --out DIR [--seed S]      (also runs the self-checks; exits 1 on FAIL)
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

REF_FORMAT_VERSION = "rgtg-llama-ref-1"
ADAMW = dict(lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
BOS_ID, EOS_ID, PAD_ID = 1, 2, 3
FIRST_ORDINARY_ID = 4  # random tokens avoid the special ids


# ----------------------------------------------------------------------------- model

class LlamaConfig:
    """The LlamaConfig fields the model reads (names as in config.json)."""

    def __init__(self, d):
        self.vocab_size = int(d["vocab_size"])
        self.hidden_size = int(d["hidden_size"])
        self.intermediate_size = int(d["intermediate_size"])
        self.num_hidden_layers = int(d["num_hidden_layers"])
        self.num_attention_heads = int(d["num_attention_heads"])
        self.num_key_value_heads = int(d.get("num_key_value_heads") or d["num_attention_heads"])
        self.rms_norm_eps = float(d.get("rms_norm_eps", 1e-6))
        self.rope_theta = float(d.get("rope_theta", 10000.0))
        self.tie_word_embeddings = bool(d.get("tie_word_embeddings", False))
        self.head_dim = int(d.get("head_dim") or self.hidden_size // self.num_attention_heads)
        archs = d.get("architectures") or ["LlamaForCausalLM"]
        self.head = "score" if archs[0].endswith("ForSequenceClassification") else "lm"
        self.model_type = d.get("model_type", "llama")
        # Qwen2: q/k/v biases always, none on o_proj; LLaMA: attention_bias on all four; Mistral: none
        self.qkv_bias = self.model_type == "qwen2" or (self.model_type == "llama" and bool(d.get("attention_bias")))
        self.o_bias = self.model_type == "llama" and bool(d.get("attention_bias"))
        self.rope_scaling = d.get("rope_scaling") or None
        self.pad_token_id = d.get("pad_token_id")
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):  # x [..., D]
        x32 = x.to(at_least_float32(x.dtype))
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


def at_least_float32(dtype):
    """Norms, softmax and loss run in float32 (float64 stays float64, for finite-difference checks)."""
    return torch.promote_types(dtype, torch.float32)


def position_ids_from_mask(attention_mask):
    """[B,T] 0/1 mask -> [B,T] positions: cumsum(mask) - 1, and 1 where mask == 0 (as HF generate)."""
    pos = attention_mask.long().cumsum(-1) - 1
    return pos.masked_fill(attention_mask == 0, 1)


def scaled_inv_freq(inv_freq, scaling):
    """rope_scaling applied to the base frequencies, as tensors: linear divides all by factor; llama3
    divides those with wavelength above original/low_freq_factor, keeps those below
    original/high_freq_factor and interpolates in between (in wavelength terms, as Meta's code)."""
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv_freq / scaling["factor"]
    assert kind == "llama3", kind
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv_freq
    smooth = (old / wavelen - low) / (high - low)
    mixed = (1 - smooth) * inv_freq / factor + smooth * inv_freq
    out = torch.where(wavelen > old / low, inv_freq / factor, mixed)
    return torch.where(wavelen < old / high, inv_freq, out)


def rotary_cos_sin(position_ids, head_dim, theta, scaling=None):
    """position_ids [B,T] -> cos, sin [B,T,head_dim] in the rotate-half layout (freqs repeated twice)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    inv_freq = scaled_inv_freq(inv_freq, scaling)
    freqs = position_ids.float()[..., None] * inv_freq  # [B,T,hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def attention_allowed(attention_mask, T):
    """[B,T] key mask -> [B,1,T,T] bool: query t may attend key s iff s <= t and key s is not padding."""
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    return causal[None, None] & (attention_mask[:, None, None, :] != 0)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        D, H, KV, hd = c.hidden_size, c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(D, H * hd, bias=c.qkv_bias)
        self.k_proj = nn.Linear(D, KV * hd, bias=c.qkv_bias)
        self.v_proj = nn.Linear(D, KV * hd, bias=c.qkv_bias)
        self.o_proj = nn.Linear(H * hd, D, bias=c.o_bias)

    def forward(self, x, cos, sin, allowed):  # x [B,T,D]; cos/sin [B,T,hd]; allowed [B,1,T,T]
        c = self.c
        B, T, _ = x.shape
        H, KV, hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        q = self.q_proj(x).view(B, T, H, hd).transpose(1, 2)  # [B,H,T,hd]
        k = self.k_proj(x).view(B, T, KV, hd).transpose(1, 2)  # [B,KV,T,hd]
        v = self.v_proj(x).view(B, T, KV, hd).transpose(1, 2)
        cos, sin = cos[:, None], sin[:, None]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        group = H // KV  # key/value head j serves query heads j*group .. j*group+group-1
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)  # [B,H,T,T]
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores.to(at_least_float32(scores.dtype)), dim=-1).to(q.dtype)
        out = (probs @ v).transpose(1, 2).reshape(B, T, H * hd)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, allowed):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, allowed)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaBody(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)

    def forward(self, input_ids, attention_mask=None):  # -> final hidden [B,T,D]
        B, T = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones(B, T, dtype=torch.long, device=input_ids.device)
        cos, sin = rotary_cos_sin(position_ids_from_mask(attention_mask), self.c.head_dim, self.c.rope_theta,
                                  self.c.rope_scaling)
        allowed = attention_allowed(attention_mask, T)
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin, allowed)
        return self.norm(x)


class LlamaRef(nn.Module):
    """Parameters are named exactly as Hugging Face names them (model.*, lm_head.weight, score.weight)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = LlamaBody(c)
        if c.head == "lm" and not c.tie_word_embeddings:
            self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        if c.head == "score":
            self.score = nn.Linear(c.hidden_size, 1, bias=False)

    def head(self, hidden):
        """LM: logits [B,T,V]; reward model: rewards [B,T]."""
        if self.c.head == "score":
            return self.score(hidden).squeeze(-1)
        weight = self.model.embed_tokens.weight if self.c.tie_word_embeddings else self.lm_head.weight
        return hidden @ weight.t()

    def forward(self, input_ids, attention_mask=None):
        return self.head(self.model(input_ids, attention_mask))


def lm_loss(logits, input_ids, labels_mask):
    """Mean next-token cross-entropy over positions t where labels_mask[:, t+1] == 1."""
    V = logits.shape[-1]
    flat_logits = logits[:, :-1].reshape(-1, V).to(at_least_float32(logits.dtype))
    per_token = F.cross_entropy(flat_logits, input_ids[:, 1:].reshape(-1), reduction="none")
    weight = labels_mask[:, 1:].reshape(-1).to(per_token.dtype)
    return (per_token * weight).sum() / weight.sum()


def last_real_index(attention_mask):
    """[B,T] -> [B]: index of each row's last position with mask == 1 (right or left padding)."""
    T = attention_mask.shape[1]
    return (torch.arange(T, device=attention_mask.device) * (attention_mask != 0)).max(dim=1).values


def bt_loss(rewards, attention_mask):
    """Bradley-Terry: rows (2i, 2i+1) are (chosen, rejected); reward read at the last real position."""
    r = rewards.gather(1, last_real_index(attention_mask)[:, None]).squeeze(1)
    return -F.logsigmoid(r[0::2] - r[1::2]).mean()


QK_INIT_STD = 0.1


def init_weights(model, generator):
    """Normal(0, 0.02) for matrices, except q/k projections at QK_INIT_STD: at 0.02 attention is
    almost uniform and a rotary bug moves the outputs by only ~1e-3. Norm weights 1 + 0.1 * randn."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=generator))
            elif name.endswith(".bias"):  # large enough that a dropped bias shows
                p.copy_(0.5 * torch.randn(p.shape, generator=generator))
            elif name.endswith(("q_proj.weight", "k_proj.weight")):
                p.copy_(QK_INIT_STD * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=generator))


def load_model(directory):
    """Builds a LlamaRef from a Hugging Face-layout directory (config.json + model.safetensors)."""
    with open(os.path.join(directory, "config.json")) as f:
        cfg = LlamaConfig(json.load(f))
    model = LlamaRef(cfg)
    tensors = st.load(os.path.join(directory, "model.safetensors"))
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    return model


# ----------------------------------------------------------------------------- loop reference
# A second, deliberately naive implementation (float64, one row, explicit loops over heads, positions
# and rotary pairs). `mutation` injects a known bug so that the check can show the tests discriminate.

def naive_row_forward(model, ids, mutation=None):
    """ids: 1-D LongTensor of one row's real tokens (no padding) -> logits [T,V] or rewards [T]."""
    c = model.c
    W = {k: v.detach().double() for k, v in model.state_dict().items()}
    H, KV, hd, T = c.num_attention_heads, c.num_key_value_heads, c.head_dim, len(ids)
    eps = c.rms_norm_eps * (100.0 if mutation == "eps" else 1.0)

    def rmsnorm(x, w):
        return torch.stack([w * row / math.sqrt(float((row * row).mean()) + eps) for row in x])

    def frequency(i):  # theta^(-2i/hd), then rope_scaling, one scalar at a time
        theta = 10000.0 if mutation == "theta_10000" else c.rope_theta
        f = theta ** (-2.0 * i / hd)
        s = None if mutation == "no_rope_scaling" else c.rope_scaling
        if not s:
            return f
        if s.get("rope_type", s.get("type")) == "linear":
            return f / s["factor"]
        wavelength = 2 * math.pi / f
        old = s["original_max_position_embeddings"]
        if wavelength < old / s["high_freq_factor"]:
            return f
        if wavelength > old / s["low_freq_factor"]:
            return f / s["factor"]
        t = (old / wavelength - s["low_freq_factor"]) / (s["high_freq_factor"] - s["low_freq_factor"])
        return (1 - t) * f / s["factor"] + t * f

    def rope(vec, pos):  # vec [hd]: pairs (i, i + hd/2) rotated by pos * frequency(i)
        out = vec.clone()
        half = hd // 2
        for i in range(half):
            angle = 0.0 if mutation == "no_rope" else pos * frequency(i)
            first, second = (2 * i, 2 * i + 1) if mutation == "rope_interleaved" else (i, i + half)
            a, b = float(vec[first]), float(vec[second])
            out[first] = a * math.cos(angle) - b * math.sin(angle)
            out[second] = b * math.cos(angle) + a * math.sin(angle)
        return out

    x = W["model.embed_tokens.weight"][ids]
    for layer in range(c.num_hidden_layers):
        p = f"model.layers.{layer}."
        h = rmsnorm(x, W[p + "input_layernorm.weight"])
        q = h @ W[p + "self_attn.q_proj.weight"].t()
        k = h @ W[p + "self_attn.k_proj.weight"].t()
        v = h @ W[p + "self_attn.v_proj.weight"].t()
        if c.qkv_bias and mutation != "no_bias":
            q, k, v = (q + W[p + "self_attn.q_proj.bias"], k + W[p + "self_attn.k_proj.bias"],
                       v + W[p + "self_attn.v_proj.bias"])
        attn = torch.zeros(T, H * hd, dtype=torch.float64)
        for head in range(H):
            kv_head = head // (H // KV) if mutation != "gqa_tiled" else head % KV
            qs = [rope(q[t, head * hd:(head + 1) * hd], t) for t in range(T)]
            ks = [rope(k[s, kv_head * hd:(kv_head + 1) * hd], s) for s in range(T)]
            for t in range(T):
                visible = range(T) if mutation == "no_causal" else range(t + 1)
                scores = torch.tensor([float(qs[t] @ ks[s]) / math.sqrt(hd) for s in visible],
                                      dtype=torch.float64)
                probs = torch.softmax(scores, dim=0)
                for j, s in enumerate(visible):
                    value = v[s, kv_head * hd:(kv_head + 1) * hd]
                    attn[t, head * hd:(head + 1) * hd] += probs[j] * value
        x = x + attn @ W[p + "self_attn.o_proj.weight"].t()
        if c.o_bias and mutation != "no_bias":
            x = x + W[p + "self_attn.o_proj.bias"]
        h = rmsnorm(x, W[p + "post_attention_layernorm.weight"])
        gate = h @ W[p + "mlp.gate_proj.weight"].t()
        up = h @ W[p + "mlp.up_proj.weight"].t()
        x = x + (gate * torch.sigmoid(gate) * up) @ W[p + "mlp.down_proj.weight"].t()
    x = rmsnorm(x, W["model.norm.weight"])
    if c.head == "score":
        return (x @ W["score.weight"].t()).squeeze(-1)
    head_weight = W["model.embed_tokens.weight"] if c.tie_word_embeddings else W["lm_head.weight"]
    return x @ head_weight.t()


# ----------------------------------------------------------------------------- cases

CASES = {
    "lm_mha": dict(vocab_size=97, hidden_size=32, intermediate_size=88, num_hidden_layers=2,
                   num_attention_heads=4, num_key_value_heads=4, rms_norm_eps=1e-5,
                   rope_theta=10000.0, tie_word_embeddings=False, head="lm"),
    "lm_gqa_tied": dict(vocab_size=97, hidden_size=48, intermediate_size=88, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                        rope_theta=500000.0, tie_word_embeddings=True, head="lm"),
    "rm_gqa": dict(vocab_size=97, hidden_size=48, intermediate_size=88, num_hidden_layers=2,
                   num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                   rope_theta=10000.0, tie_word_embeddings=False, head="score"),
    # Llama-3.1-style: llama3 rope scaling (original context 32, so that the 16 / 2 frequencies fall in
    # every band: kept, blended and divided), attention_bias, head_dim 16 != 48 / 4
    "lm_llama3_bias": dict(vocab_size=97, hidden_size=48, intermediate_size=88, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                           rope_theta=10000.0, tie_word_embeddings=False, head="lm", attention_bias=True,
                           head_dim=16, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                      "high_freq_factor": 4.0,
                                                      "original_max_position_embeddings": 32}),
    # Qwen2: q/k/v biases, tied embeddings, linear rope scaling (older "type" key)
    "lm_qwen2_linear": dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                            rope_theta=100.0, tie_word_embeddings=True, head="lm", model_type="qwen2",
                            rope_scaling={"type": "linear", "factor": 4.0}),
    # A Qwen2 reward model whose pad id is its EOS id (so rewards are read before a trailing EOS),
    # explicit head_dim 8 (48 / 4 = 12), llama3 scaling
    "rm_qwen2_pad_eos": dict(vocab_size=97, hidden_size=48, intermediate_size=88, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                             rope_theta=10000.0, tie_word_embeddings=False, head="score", model_type="qwen2",
                             head_dim=8, pad_token_id=EOS_ID,
                             rope_scaling={"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 8.0, "original_max_position_embeddings": 64}),
}
ARCH_PREFIX = {"llama": "Llama", "qwen2": "Qwen2", "mistral": "Mistral"}
BATCH, SEQ = 4, 12
LENGTHS = [12, 9, 11, 7]  # real tokens per row (right padding for the training batch)
PROMPT_LENGTHS = [3, 4, 2, 5]  # LM case: targets inside the prompt do not count in the loss


def config_json(spec):
    model_type = spec.get("model_type", "llama")
    d = {
        "architectures": [ARCH_PREFIX[model_type] + ("ForSequenceClassification" if spec["head"] == "score"
                                                      else "ForCausalLM")],
        "model_type": model_type, "hidden_act": "silu", "torch_dtype": "float32",
        "vocab_size": spec["vocab_size"], "hidden_size": spec["hidden_size"],
        "intermediate_size": spec["intermediate_size"], "num_hidden_layers": spec["num_hidden_layers"],
        "num_attention_heads": spec["num_attention_heads"],
        "num_key_value_heads": spec["num_key_value_heads"], "max_position_embeddings": 64,
        "rms_norm_eps": spec["rms_norm_eps"], "rope_theta": spec["rope_theta"],
        "tie_word_embeddings": spec["tie_word_embeddings"], "initializer_range": 0.02,
        "attention_bias": spec.get("attention_bias", False), "bos_token_id": BOS_ID, "eos_token_id": EOS_ID,
        "pad_token_id": spec.get("pad_token_id", PAD_ID),
    }
    for key in ("head_dim", "rope_scaling"):
        if key in spec:
            d[key] = spec[key]
    if model_type == "qwen2":  # as Qwen2.5 ships it: a window configured but not used
        d.update(use_sliding_window=False, sliding_window=4096, max_window_layers=2)
    if spec["head"] == "score":
        d.update(num_labels=1, id2label={"0": "LABEL_0"}, label2id={"LABEL_0": 0})
    return d


def make_batches(vocab_size, generator):
    """Right- and left-padded batches of the same sequences (BOS first, pad id where mask == 0)."""
    right_ids = torch.full((BATCH, SEQ), PAD_ID, dtype=torch.long)
    right_mask = torch.zeros(BATCH, SEQ, dtype=torch.long)
    left_ids, left_mask = right_ids.clone(), right_mask.clone()
    for b, n in enumerate(LENGTHS):
        seq = torch.randint(FIRST_ORDINARY_ID, vocab_size, (n,), generator=generator)
        seq[0] = BOS_ID
        right_ids[b, :n], right_mask[b, :n] = seq, 1
        left_ids[b, SEQ - n:], left_mask[b, SEQ - n:] = seq, 1
    labels_mask = right_mask.clone()
    for b, p in enumerate(PROMPT_LENGTHS):
        labels_mask[b, :p] = 0
    return right_ids, right_mask, labels_mask, left_ids, left_mask


SEQ_LENGTHS = [6, 4, 7, 3, 6]  # per-sequence reward cases (without BOS)


def reward_index(input_ids, pad_token_id):
    """Where transformers' *ForSequenceClassification reads the score: the last token that is not
    pad_token_id (transformers >= 4.48: argmax of position * (id != pad)); no pad id: the last."""
    if pad_token_id is None:
        return torch.full((input_ids.shape[0],), input_ids.shape[1] - 1, dtype=torch.long)
    T = input_ids.shape[1]
    return (torch.arange(T) * (input_ids != pad_token_id).long()).argmax(-1)


def sequence_reward_batch(model, generator):
    """Sequences (BOS first, right-padded with the pad id) ending in EOS, in two EOS, without EOS, and
    with an EOS inside; their rewards at reward_index."""
    pad = model.c.pad_token_id
    T = 1 + max(SEQ_LENGTHS)
    ids = torch.full((len(SEQ_LENGTHS), T), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for b, n in enumerate(SEQ_LENGTHS):
        seq = torch.randint(FIRST_ORDINARY_ID, model.c.vocab_size, (n,), generator=generator)
        if b in (0, 3):
            seq[-1] = EOS_ID
        if b == 1:
            seq[-2:] = EOS_ID
        if b == 4:
            seq[2] = seq[-1] = EOS_ID
        ids[b, 0], ids[b, 1:n + 1], mask[b, :n + 1] = BOS_ID, seq, 1
    with torch.no_grad():
        rewards = model(ids, mask)
    at = reward_index(ids, pad)
    return ids, torch.tensor(SEQ_LENGTHS, dtype=torch.long), rewards.gather(1, at[:, None]).squeeze(1), at


def zero_padding(out, mask):
    """Outputs at padded query positions are meaningless (undefined in HF too): store 0 there."""
    m = mask.bool()
    return out * (m[..., None] if out.dim() == 3 else m)


def dump_case(name, spec, out_dir, seed):
    generator = torch.Generator().manual_seed(seed)
    cfg_dict = config_json(spec)
    model = LlamaRef(LlamaConfig(cfg_dict))
    init_weights(model, generator)
    ids, mask, labels_mask, left_ids, left_mask = make_batches(spec["vocab_size"], generator)

    case_dir = os.path.join(out_dir, name)
    os.makedirs(case_dir, exist_ok=True)
    with open(os.path.join(case_dir, "config.json"), "w") as f:
        json.dump(cfg_dict, f, indent=2, sort_keys=True)
        f.write("\n")
    st.save(os.path.join(case_dir, "model.safetensors"), dict(model.state_dict()), {"format": "pt"})

    is_rm = spec["head"] == "score"
    hidden = model.model(ids, mask)
    out = model.head(hidden)
    loss = bt_loss(out, mask) if is_rm else lm_loss(out, ids, labels_mask)
    model.zero_grad()
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():
        left_out = model(left_ids, left_mask)

    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.AdamW(model.parameters(), **ADAMW)
    optimizer.step()
    after = {n: p.detach().clone() for n, p in model.named_parameters()}

    out_name = "rewards" if is_rm else "logits"
    ref = {
        "input_ids": ids, "attention_mask": mask, "position_ids": position_ids_from_mask(mask),
        "hidden": zero_padding(hidden.detach(), mask),
        out_name: zero_padding(out.detach(), mask),
        "loss": loss.detach().reshape(()),
        "left_input_ids": left_ids, "left_attention_mask": left_mask,
        "left_position_ids": position_ids_from_mask(left_mask),
        "left_" + out_name: zero_padding(left_out, left_mask),
    }
    if not is_rm:
        ref["labels_mask"] = labels_mask
    else:
        seq_ids, seq_lengths, seq_rewards, _ = sequence_reward_batch(model_at(model, before), generator)
        ref.update(seq_input_ids=seq_ids, seq_lengths=seq_lengths, seq_rewards=seq_rewards)
    for n in grads:
        ref["grad." + n] = grads[n]
        ref["adamw." + n] = after[n]
    meta = {"format": REF_FORMAT_VERSION, "case": name, "seed": str(seed),
            "loss": "bradley_terry_last_real_position" if is_rm else "lm_next_token_labels_mask",
            "adamw": json.dumps({"lr": ADAMW["lr"], "beta1": ADAMW["betas"][0], "beta2": ADAMW["betas"][1],
                                 "eps": ADAMW["eps"], "weight_decay": ADAMW["weight_decay"],
                                 "step": 1, "decay_applies_to": "all parameters"}),
            "padding": "outputs at positions with mask == 0 are stored as 0; compare only mask == 1"}
    st.save(os.path.join(case_dir, "ref.safetensors"), ref, meta)
    return model, ref, before, grads, after


# ----------------------------------------------------------------------------- self-checks

class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, label, ok, detail):
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {detail}")
        self.failed += 0 if ok else 1


def self_check(name, model, ref, before, grads, after, checker):
    c = model.c
    is_rm = c.head == "score"
    key = "rewards" if is_rm else "logits"
    mask = ref["attention_mask"]
    tol = 2e-5

    # 1. Right- and left-padded batches agree at every real position (positions, padding mask).
    worst = 0.0
    for b in range(BATCH):
        n = int(mask[b].sum())
        worst = max(worst, float((ref[key][b, :n] - ref["left_" + key][b, SEQ - n:]).abs().max()))
    checker.check(f"{name} left == right padding", worst < tol, f"max diff {worst:.2e}")

    # 2. The loop implementation (float64) agrees with the batched one on every row.
    worst = 0.0
    naive_rows = []
    for b in range(BATCH):
        n = int(mask[b].sum())
        naive = naive_row_forward(model_at(model, before), ref["input_ids"][b, :n])
        naive_rows.append(naive)
        worst = max(worst, float((naive.float() - ref[key][b, :n]).abs().max()))
    checker.check(f"{name} loop reference == batched", worst < tol, f"max diff {worst:.2e}")

    # 3. The loss recomputed from the loop outputs by hand.
    if is_rm:
        r = torch.stack([row[-1] for row in naive_rows])
        manual = float(sum(math.log1p(math.exp(-(float(r[i]) - float(r[i + 1])))) for i in range(0, BATCH, 2))
                       / (BATCH // 2))
    else:
        total, count = 0.0, 0
        for b, row in enumerate(naive_rows):
            for t in range(len(row) - 1):
                if int(ref["labels_mask"][b, t + 1]):
                    total += float(torch.logsumexp(row[t], 0) - row[t, ref["input_ids"][b, t + 1]])
                    count += 1
        manual = total / count
    checker.check(f"{name} loss by hand", abs(manual - float(ref["loss"])) < tol,
                  f"{manual:.7f} vs {float(ref['loss']):.7f}")

    # 4. Causality: changing the last real token of row 0 leaves earlier outputs unchanged.
    m0 = model_at(model, before)
    ids = ref["input_ids"].clone()
    n = int(mask[0].sum())
    ids[0, n - 1] = FIRST_ORDINARY_ID if int(ids[0, n - 1]) != FIRST_ORDINARY_ID else FIRST_ORDINARY_ID + 1
    with torch.no_grad():
        changed = m0(ids, mask)
    early = float((changed[0, :n - 1] - ref[key][0, :n - 1]).abs().max())
    late = float((changed[0, n - 1] - ref[key][0, n - 1]).abs().max())
    checker.check(f"{name} causal mask", early < 1e-6 and late > 1e-4,
                  f"earlier positions diff {early:.1e}, changed position diff {late:.1e}")

    # 5. The reference discriminates: each injected bug moves the outputs far beyond the tolerance.
    row = ref["input_ids"][0, :n]
    mutations = ["no_rope", "rope_interleaved", "no_causal", "eps"]
    if 1 < c.num_key_value_heads < c.num_attention_heads:
        mutations.append("gqa_tiled")
    if c.rope_theta != 10000.0:
        mutations.append("theta_10000")
    if c.qkv_bias:
        mutations.append("no_bias")
    if c.rope_scaling:
        mutations.append("no_rope_scaling")
    for mutation in mutations:
        moved = float((naive_row_forward(m0, row, mutation).float() - ref[key][0, :n]).abs().max())
        need = 50 * tol
        checker.check(f"{name} detects bug '{mutation}'", moved > need, f"output moves {moved:.2e}")

    # 5b. Rewards per sequence: where transformers reads them. With pad == EOS a trailing EOS is not read
    # (the reward equals that of the sequence without it); with another pad id it is.
    if is_rm:
        ids, lengths, rewards = ref["seq_input_ids"], ref["seq_lengths"], ref["seq_rewards"]
        worst, where_ok = 0.0, True
        for b in range(ids.shape[0]):
            row = ids[b, :1 + int(lengths[b])]
            if c.pad_token_id == EOS_ID:
                while len(row) > 1 and int(row[-1]) == EOS_ID:
                    row = row[:-1]
            alone = float(naive_row_forward(m0, row)[-1])
            worst = max(worst, abs(alone - float(rewards[b])))
            where_ok &= int(reward_index(ids[b:b + 1], c.pad_token_id)[0]) == len(row) - 1
        checker.check(f"{name} sequence rewards at transformers' position", worst < tol and where_ok,
                      f"max diff {worst:.2e} against each sequence alone")

    # 6. One AdamW step by the formula (step 1: m = (1-b1) g, v = (1-b2) g^2, bias-corrected).
    lr, (b1, b2), eps, wd = ADAMW["lr"], ADAMW["betas"], ADAMW["eps"], ADAMW["weight_decay"]
    worst = 0.0
    for pname, g in grads.items():
        m_hat = (1 - b1) * g / (1 - b1)
        v_hat = (1 - b2) * g * g / (1 - b2)
        expected = before[pname] * (1 - lr * wd) - lr * m_hat / (v_hat.sqrt() + eps)
        worst = max(worst, float((expected - after[pname]).abs().max()))
    checker.check(f"{name} AdamW by formula", worst < 1e-6, f"max diff {worst:.2e}")

    # 7. Gradient vs a central finite difference (float64) on a few entries of three parameters.
    m64 = model_at(model, before).double()
    worst = 0.0
    names = ["model.layers.0.self_attn.q_proj.weight", "model.layers.1.input_layernorm.weight",
             "model.embed_tokens.weight"]
    names += [n for n in ("model.layers.0.self_attn.k_proj.bias", "model.layers.1.self_attn.o_proj.bias")
              if n in dict(m64.named_parameters())]
    for pname in names:
        p = dict(m64.named_parameters())[pname]
        for flat in [0, 7, p.numel() // 2]:
            idx = (flat,) if p.dim() == 1 else divmod(flat, p.shape[1])
            if pname == "model.embed_tokens.weight":
                idx = (int(ref["input_ids"][0, 2]), flat % p.shape[1])  # a row that is used
            h = 1e-6
            with torch.no_grad():
                p[idx] += h
                up = float(loss_of(m64, ref))
                p[idx] -= 2 * h
                down = float(loss_of(m64, ref))
                p[idx] += h
            worst = max(worst, abs((up - down) / (2 * h) - float(grads[pname][idx])))
    checker.check(f"{name} grad vs finite difference", worst < 1e-5, f"max diff {worst:.2e}")


def loss_of(model, ref):
    out = model(ref["input_ids"], ref["attention_mask"])
    if model.c.head == "score":
        return bt_loss(out, ref["attention_mask"])
    return lm_loss(out, ref["input_ids"], ref["labels_mask"])


def model_at(model, params):
    """A copy of `model` holding the given (pre-step) parameters."""
    copy = LlamaRef(model.c)
    copy.load_state_dict(params, strict=True)
    return copy


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="write reference cases and run the self-checks")
    dump.add_argument("--out", required=True)
    dump.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)  # fixed reduction order: the dump is bit-for-bit deterministic
    start = time.time()
    checker = Checker()
    for i, (name, spec) in enumerate(CASES.items()):
        model, ref, before, grads, after = dump_case(name, spec, args.out, args.seed + i)
        print(f"{name}: loss {float(ref['loss']):.6f}")
        self_check(name, model, ref, before, grads, after, checker)
    print(f"llama_ref dump: {'FAIL' if checker.failed else 'PASS'} ({checker.failed} failed) "
          f"in {time.time() - start:.1f} s -> {args.out}")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
