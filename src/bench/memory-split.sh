#!/usr/bin/env bash
# Where the resident memory of the macro path goes: trains LeNet for 1 epoch on IMAGES seeded 28x28 8-bit PNGs in 10
# class folders with ./convkit --headless macros/train-folder.ijm (the defaults, as a user runs it) and prints the
# peak resident set (VmHWM) and, at the highest resident set seen, its split: the Java heap (resident pages of the
# heap's address range; committed and used from the JVM), the JVM's own native memory (Native Memory Tracking: GC
# tables, metaspace, code, threads), native memory the JVM does not track (ND4J/oneDNN/OpenBLAS and image decoding,
# mostly in glibc's malloc arenas) and the shared libraries.
#
# Usage: src/bench/memory-split.sh IMAGES [JVM OPTION...]   e.g. 10000, or 10000 -XX:+UseG1GC to compare collectors
# Needs python3 with numpy, jcmd and pmap. Memory does not depend much on the machine's load; times do.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 20 ] || { echo "usage: $0 IMAGES [JVM OPTION...] (IMAGES >= 20)" >&2; exit 2; }
images="$1"
shift
work="$(mktemp -d "${TMPDIR:-/tmp}/convkit-memory.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python3 "$HERE/src/bench/python/blob_pngs.py" "$work/images" "$images"

start=$(date +%s.%N)
JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -XX:NativeMemoryTracking=summary $*" "$HERE/convkit" --headless \
	"$HERE/macros/train-folder.ijm" "folder=[$work/images] model=[$work/model.zip] epochs=1" >"$work/log" 2>&1 &
pid=$!
best=0
peak=0
i=0
while kill -0 "$pid" 2>/dev/null; do
	rss="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
	hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
	[ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
	# the split at the highest resident set seen (every 1.5 s: each look costs the JVM a safepoint)
	if [ $((i % 3)) = 2 ] && [ -n "$rss" ] && [ "$rss" -gt "$best" ] && grep -q java "/proc/$pid/comm" 2>/dev/null; then
		if pmap -x "$pid" >"$work/pmap.new" 2>/dev/null && jcmd "$pid" VM.native_memory summary >"$work/nmt.new" 2>/dev/null &&
			jcmd "$pid" GC.heap_info >"$work/heap.new" 2>/dev/null; then
			best=$rss
			for f in pmap nmt heap; do mv "$work/$f.new" "$work/$f"; done
		fi
	fi
	i=$((i + 1))
	sleep 0.5
done
status=0
wait "$pid" || status=$?
seconds="$(echo "$(date +%s.%N) - $start" | bc)"
if [ "$status" != 0 ] || [ ! -f "$work/pmap" ]; then
	cat "$work/log" >&2
	echo "memory-split: the run failed (exit $status)" >&2
	exit 1
fi

python3 - "$work" "$images" "$peak" "$best" "$seconds" "$*" <<'EOF'
import re, sys
work, images, peak, best, seconds, options = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
heap_info = open(work + '/heap').read()
addresses = [int(a, 16) for a in re.findall(r'0x[0-9a-f]{16}', heap_info)]  # the generations' or regions' bounds
lo, hi = min(addresses), max(addresses)
generations = re.findall(r'^ \S[^\n]*?total (\d+)K, used (\d+)K', heap_info, re.M)
nmt = open(work + '/nmt').read()
def committed(name):
    m = re.search(r'(?:-\s+|^)' + name + r':? \(?reserved=\d+KB, committed=(\d+)KB', nmt, re.M)
    return int(m.group(1)) if m else 0
split = {'heap': 0, 'libs': 0, 'anon': 0, 'files': 0}
for line in open(work + '/pmap'):
    p = line.split()
    if len(p) < 6 or not re.match(r'^[0-9a-f]{16}$', p[0]): continue
    addr, rss, name = int(p[0], 16), int(p[2]), ' '.join(p[5:])
    if lo <= addr < hi: split['heap'] += rss
    elif name == '[ anon ]': split['anon'] += rss
    elif '.so' in name: split['libs'] += rss
    else: split['files'] += rss
jvm_native = committed('Total') - committed('Java Heap') - committed('Shared class space')
used = sum(int(u) for _, u in generations)
mb = lambda kb: kb / 1024
print('%d PNGs, 1 epoch, %.0f s; JVM options: %s' % (images, seconds, options or '(the launcher\'s)'))
print('peak resident set (VmHWM): %.0f MB; split at the highest resident set sampled (%.0f MB):' % (mb(peak), mb(best)))
print('  Java heap, resident            %6.0f MB (committed %.0f MB, in use %.0f MB)' % (mb(split['heap']), mb(committed('Java Heap')), mb(used)))
print('  JVM native (NMT: GC %.0f, metaspace %.0f, code %.0f, other %.0f MB, part resident)'
      % (mb(committed('GC')), mb(committed('Metaspace')), mb(committed('Code')),
         mb(jvm_native - committed('GC') - committed('Metaspace') - committed('Code'))))
print('  anonymous memory outside the heap %6.0f MB: the JVM native above and, at least %.0f MB, untracked native memory'
      ' (ND4J, oneDNN, OpenBLAS, image decoding: glibc malloc arenas)' % (mb(split['anon']), mb(max(0, split['anon'] - jvm_native))))
print('  shared libraries               %6.0f MB' % mb(split['libs']))
print('  other mapped files (CDS, modules) %6.0f MB' % mb(split['files']))
EOF
