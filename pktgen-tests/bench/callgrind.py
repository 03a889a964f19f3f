"""Counting the instructions a running process spends on a workload
(DESIGN.md section 5): callgrind's counters are zeroed, the workload runs,
the counters are dumped and the dump's total read. The caller subtracts an
idle stretch of the same length, measured the same way."""
import re

from sltest import sh


class Callgrind:
    """callgrind_control of one process started with --callgrind-out-file=out."""

    def __init__(self, pid, out, timeout=300):
        self.pid = pid
        self.out = out
        self.timeout = timeout
        self.dumps = 0
        self.last = None  # the path of the latest dump

    def ctl(self, opt):
        r = sh("callgrind_control", opt, str(self.pid), check=False, timeout=self.timeout)
        if r.returncode != 0 or "OK" not in r.stdout:
            raise RuntimeError(f"callgrind_control {opt}: {r.stdout}{r.stderr}")

    def measure(self, fn):
        """(instructions spent while fn() ran, fn's result); the dump is self.last."""
        self.ctl("-z")
        v = fn()
        self.ctl("-d")
        self.dumps += 1
        self.last = f"{self.out}.{self.dumps}"
        with open(self.last) as f:
            ir = int(re.search(r"^totals: (\d+)", f.read(), re.M).group(1))
        return ir, v
