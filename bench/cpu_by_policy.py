"""Who has the CPU: every half second, the CPU seconds each process used since the last sample, summed
by its command and its threads' scheduling policy (0 normal, 3 batch, 5 idle), and each command's
autogroup nice. Run it beside bench/bench_load.py to see whether the browsers really stay off the
server's CPU (BENCHMARKS.md, the load test of 2026-11-27 06:00–07:00):

    python bench/cpu_by_policy.py SECONDS > cpu.txt
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter

TICK = os.sysconf("SC_CLK_TCK")


def threads() -> dict[tuple[str, str], tuple[str, int, float, str]]:
    """(pid, tid) → (the process's command, the thread's policy, its CPU seconds, the group's nice)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
                command = comm.read().strip()
            try:
                with open(f"/proc/{pid}/autogroup", encoding="ascii") as group:
                    nice = group.read().split()[-1]
            except OSError:  # no autogroups in this kernel
                nice = "-"
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/stat", encoding="utf-8", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()  # field 3 (state) is fields[0]
                found[(pid, tid)] = (command, int(fields[38]), (int(fields[11]) + int(fields[12])) / TICK, nice)
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
    return found


def main(seconds: float) -> None:
    before, end = threads(), time.time() + seconds
    while time.time() < end:
        time.sleep(0.5)
        now, used = threads(), Counter()
        for key, (command, policy, cpu, nice) in now.items():
            if key in before and before[key][0] == command and cpu > before[key][2]:
                used[(command, policy, nice)] += cpu - before[key][2]
        before = now
        print(f"{time.time():.2f} " + " ".join(f"{command}/policy{policy}/nice{nice}={cpu:.2f}"
                                               for (command, policy, nice), cpu in used.most_common(8)), flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
