"""Parity test driver: dumps the PyTorch reference cases into a temporary folder, then runs the C
side (test_parity) on them. Usage: run_parity.py PATH/TO/test_parity"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["lm_mha", "lm_gqa_tied", "rm_gqa", "lm_llama3_bias", "lm_qwen2_linear", "rm_qwen2_pad_eos"]


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="rgtg-parity-") as tmp:
        dump = subprocess.run([sys.executable, os.path.join(HERE, "llama_ref.py"), "dump", "--out", tmp])
        if dump.returncode != 0:
            print("FAIL: the reference dump or its self-check failed")
            return 1
        return subprocess.run([exe, tmp] + CASES).returncode


if __name__ == "__main__":
    sys.exit(main())
