#!/usr/bin/env python3
"""necurs, one 2,048-name window, whole processes side by side (issue 15).

cautery against scripts/necurs-reference.py (plain Python written from
Bader's write-up), both pinned to one core, run in interleaved rounds so that
the load of the shared machine falls on both alike. Each process's CPU time
(user + system, from wait4, microsecond resolution) and wall time are taken;
the medians are reported, and their ratio. An empty program (/bin/true) is
timed beside them, the floor under any whole-process figure, with the time
cautery would need for 1000x.

Usage: scripts/bench-necurs.py [BINARY] [ROUNDS] [CAUTERY_PER_ROUND]
(defaults: target/release/cautery, 15 rounds, 20 cautery runs per round).
"""

import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAY, MAGIC = "2015-08-29", "9"


def run(argv):
    """(cpu seconds, wall seconds, stdout) of one process (on core 0, as
    this script is: no preexec function, so the child is spawned without
    a fork of this interpreter, whose cost would count as the child's)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed")
    return usage.ru_utime + usage.ru_stime, wall, out


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/cautery")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    per_round = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    os.sched_setaffinity(0, {0})
    cautery = [binary, "generate", "necurs", "--seed", MAGIC, "--date", DAY]
    python = [sys.executable, os.path.join(ROOT, "scripts/necurs-reference.py"), DAY, MAGIC]
    with open("/proc/loadavg") as f:
        load_before = " ".join(f.read().split()[:3])
    # The floor of any whole-process figure: an empty program's exec, fork
    # and exit, timed the same way.
    empty = ["/bin/true"]
    py, ca, floor = [], [], []
    for _ in range(rounds):
        cpu, wall, py_out = run(python)
        py.append((cpu, wall))
        for _ in range(per_round):
            cpu, wall, ca_out = run(cautery)
            ca.append((cpu, wall))
            cpu, wall, _ = run(empty)
            floor.append((cpu, wall))
        if py_out != ca_out:
            sys.exit("necurs-reference.py and cautery disagree")
    with open("/proc/loadavg") as f:
        load_after = " ".join(f.read().split()[:3])
    med = lambda rows, i: statistics.median(r[i] for r in rows)
    p_cpu, c_cpu = med(py, 0), med(ca, 0)
    p_wall, c_wall = med(py, 1), med(ca, 1)
    print(f"load average {load_before} before, {load_after} after; one core (affinity 0)")
    print(f"Python  {len(py):4} runs: median {p_cpu * 1000:8.2f} ms CPU, {p_wall * 1000:8.2f} ms wall")
    print(f"cautery {len(ca):4} runs: median {c_cpu * 1000:8.2f} ms CPU, {c_wall * 1000:8.2f} ms wall")
    print(f"ratio: {p_cpu / c_cpu:.0f}x in CPU time, {p_wall / c_wall:.0f}x in wall time")
    f_cpu, f_wall = med(floor, 0), med(floor, 1)
    print(f"/bin/true {len(floor):3} runs: median {f_cpu * 1000:8.2f} ms CPU, {f_wall * 1000:8.2f} ms wall "
          f"(1000x needs cautery under {p_cpu:.2f} ms CPU / {p_wall:.2f} ms wall)")


if __name__ == "__main__":
    main()
