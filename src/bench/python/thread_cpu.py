#!/usr/bin/env python3
"""CPU time per thread of a command and its child processes, by thread name (Linux).

Runs the command, reads /proc/PID/task/*/stat of it and its descendants every 50 ms, and prints the command's output
lines that mention an epoch, then each thread name's CPU seconds (user + system, as last seen before the thread ended)
with how many threads bore it. A thread takes the name of the thread that created it unless it renames itself: the
workers of libgomp (OpenMP) carry the name of the Java thread that started their team, OpenBLAS's that of the thread
that loaded OpenBLAS (ND4J's start: "convkit-nd4j-st...").

  src/bench/python/thread_cpu.py ./convkit --headless macros/train-folder.ijm "folder=DIR model=FILE.zip epochs=3"

(docs/benchmarks.md, "OpenBLAS on one thread").
"""
import os
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid):
    out = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            for child in f.read().split():
                out += descendants(int(child))
    except OSError:
        pass
    return out


def read_threads(pid, seen):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seen[(pid, tid)] = (name, (int(fields[11]) + int(fields[12])) / TICKS)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    # the output goes to a file: a pipe read only at the end would stop the command once 64 KB were waiting in it
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT)
        seen = {}
        start = time.monotonic()
        while proc.poll() is None:
            for pid in descendants(proc.pid):
                read_threads(pid, seen)
            time.sleep(0.05)
        wall = time.monotonic() - start
        output.seek(0)
        for line in output.read().decode(errors="replace").splitlines():
            if "epoch" in line.lower():
                print(line)
    by_name = {}
    for name, cpu in seen.values():
        by_name.setdefault(name, []).append(cpu)
    print(f"wall {wall:.2f} s, exit code {proc.returncode}; CPU seconds per thread name (threads):")
    for name, cpus in sorted(by_name.items(), key=lambda kv: -sum(kv[1])):
        if sum(cpus) >= 0.05:
            print(f"  {name:20s} {sum(cpus):6.2f}  ({len(cpus)}; most {max(cpus):.2f})")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
