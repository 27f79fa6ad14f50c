#!/usr/bin/env python3
"""Legacy-SSE instructions in oneDNN's JIT kernels, as dumped by ONEDNN_JIT_DUMP=1 (one .bin per kernel).

For each kernel: its 256/512-bit instructions and its legacy-SSE instructions (an xmm operand without a VEX or EVEX
prefix: objdump prints them without the leading 'v'), in all and inside loops (between a backward jump and its
target). A legacy-SSE instruction inside a loop that also runs 256-bit code pays the processor's mix penalty once
per iteration where the processor charges one (src/bench/sse-avx-mix.sh). Usage: jit-scan.py DUMP_DIRECTORY
"""
import collections
import glob
import os
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([0-9a-f]+):\t[0-9a-f ]+\t(\S+)\s*(.*)$")
JUMP = re.compile(r"^j[a-z]+$")


def scan(path):
    text = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", path], capture_output=True,
                          text=True, check=True).stdout
    code = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            code.append((int(m.group(1), 16), m.group(2), m.group(3)))
    loops = []
    for address, mnemonic, operands in code:
        if JUMP.match(mnemonic):
            target = re.match(r"0x([0-9a-f]+)", operands)
            if target and int(target.group(1), 16) <= address:
                loops.append((int(target.group(1), 16), address))
    wide = sum(1 for _, m, o in code if "%ymm" in o or "%zmm" in o)
    legacy = [(a, m) for a, m, o in code if "%xmm" in o and not m.startswith("v")]
    in_loops = [(a, m) for a, m in legacy if any(lo <= a <= hi for lo, hi in loops)]
    return wide, legacy, in_loops


def main(directory):
    kernels = collections.OrderedDict()
    for path in sorted(glob.glob(os.path.join(directory, "*.bin")), key=lambda p: int(p.split(".")[-2])):
        name = re.sub(r"^dnnl_dump_(cpu_)?|\.\d+\.bin$", "", os.path.basename(path))
        wide, legacy, in_loops = scan(path)
        kernels.setdefault(name, []).append((wide, len(legacy), len(in_loops),
                                             sorted(set(m for _, m in in_loops))))
    print("| kernel | dumps | 256/512-bit instructions | legacy SSE | legacy SSE inside loops | which |")
    print("|---|---:|---:|---:|---:|---|")
    for name, dumps in sorted(kernels.items(), key=lambda kv: -max(d[2] for d in kv[1])):
        wide = max(d[0] for d in dumps)
        legacy = "%d-%d" % (min(d[1] for d in dumps), max(d[1] for d in dumps))
        loops = "%d-%d" % (min(d[2] for d in dumps), max(d[2] for d in dumps))
        which = ", ".join(sorted(set(m for d in dumps for m in d[3])))
        print("| %s | %d | %d | %s | %s | %s |" % (name, len(dumps), wide, legacy, loops, which))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
