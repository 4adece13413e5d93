"""Decoding reference test driver: dumps a small LM and reward model (decode_ref.py dump), has the C
engine decode with them (test_decode_ref steps / freq), and checks its step weights and its draw
frequencies against the independent reference. Usage: run_decode_ref.py PATH/TO/test_decode_ref"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    exe = sys.argv[1]
    ref = [sys.executable, os.path.join(HERE, "decode_ref.py")]
    with tempfile.TemporaryDirectory(prefix="rgtg-decode-ref-") as tmp:
        if subprocess.run(ref + ["dump", tmp]).returncode != 0:
            print("FAIL: the reference dump failed")
            return 1
        failures = 0
        for mode in ("steps", "freq"):
            out = os.path.join(tmp, mode + ".json")
            if subprocess.run([exe, mode, tmp, out]).returncode != 0:
                print(f"FAIL: test_decode_ref {mode}")
                failures += 1
                continue
            failures += subprocess.run(ref + [mode, tmp, out]).returncode != 0
        print(f"decode reference: {failures} failure(s)")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
