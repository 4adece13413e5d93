"""Training-objective test driver: dumps the PyTorch loss references (losses_ref.py) into a temporary
folder, then runs the C side (test_losses) on them. Usage: run_losses.py PATH/TO/test_losses"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) != 2:
        print("usage: run_losses.py PATH/TO/test_losses")
        return 2
    with tempfile.TemporaryDirectory(prefix="rgtg-losses-") as tmp:
        dump = subprocess.run([sys.executable, os.path.join(HERE, "losses_ref.py"), "dump", "--out", tmp])
        if dump.returncode != 0:
            print("FAIL: the loss reference dump or its self-check failed")
            return 1
        return subprocess.run([sys.argv[1], tmp]).returncode


if __name__ == "__main__":
    sys.exit(main())
