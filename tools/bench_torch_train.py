#!/usr/bin/python3
# Owns the PyTorch side of the training benchmark: trains the reference LLaMA (tests/reference/llama_ref.py)
# with AdamW on random token batches (LM cross-entropy) and prints one JSON line of throughput, to set
# beside the C trainer's numbers.
# Usage: bench_torch_train.py --config config.json --batch B --seq T --steps N --threads K --warmup W
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import llama_ref  # noqa: E402


def main(argv):
    parser = argparse.ArgumentParser(description="PyTorch LLaMA training throughput")
    parser.add_argument("--config", required=True, help="Hugging Face LlamaConfig config.json")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--seq", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True, help="timed optimizer steps")
    parser.add_argument("--threads", type=int, required=True, help="torch intra-op threads")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args(argv)
    if min(args.batch, args.seq, args.steps, args.threads) < 1 or args.warmup < 0:
        print("bench_torch_train: --batch, --seq, --steps, --threads must be >= 1, --warmup >= 0",
              file=sys.stderr)
        return 2
    try:
        with open(args.config) as f:
            raw_config = json.load(f)
        config = llama_ref.LlamaConfig(raw_config)
    except (OSError, ValueError, KeyError) as e:
        print(f"bench_torch_train: {args.config}: {e}", file=sys.stderr)
        return 1
    config.head = "lm"  # the benchmark trains a language model whatever the architectures field says

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    generator = torch.Generator().manual_seed(args.seed)
    model = llama_ref.LlamaRef(config)
    llama_ref.init_weights(model, generator)
    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), eps=1e-8,
                                  weight_decay=0.1)
    labels_mask = torch.ones(args.batch, args.seq, dtype=torch.long, device=device)

    def step():
        ids = torch.randint(0, config.vocab_size, (args.batch, args.seq), generator=generator).to(device)
        loss = llama_ref.lm_loss(model(ids), ids, labels_mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    sync()
    elapsed = time.perf_counter() - start
    result = {
        "tokens_per_s": args.batch * args.seq * args.steps / elapsed,
        "step_ms": 1000.0 * elapsed / args.steps,
        "threads": args.threads,
        "batch": args.batch, "seq": args.seq, "steps": args.steps, "warmup": args.warmup,
        "params": sum(p.numel() for p in model.parameters()),
        "final_loss": float(loss), "device": args.device, "torch": torch.__version__,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
