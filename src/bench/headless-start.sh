#!/usr/bin/env bash
# What a headless run costs before its macro does anything: an empty macro through ./convkit --headless (ImageJ
# patched at build time, target/app/launcher/ij-headless.jar) against the same JVM patching ImageJ at start-up with
# ConvKit's agent (-javaagent:ConvKit_.jar, as ./convkit did before) and against plain ImageJ 1.x unpatched
# (java -cp ij.jar ij.ImageJ -batch), in interleaved rounds; prints each round and the medians.
#
# Usage: src/bench/headless-start.sh [ROUNDS]   (default 5; builds ConvKit first if needed)
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
ROUNDS="${1:-5}"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS]" >&2; exit 2; }
APP="$HERE/target/app"
work="$(mktemp -d "${TMPDIR:-/tmp}/convkit-start.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo 'print("started");' >"$work/empty.ijm"
"$HERE/convkit" --headless "$work/empty.ijm" >/dev/null 2>&1 # builds when needed, warms the file cache
agent="$(ls "$APP"/plugins/ConvKit_*.jar | head -n 1)"
patcher="$(ls "$APP"/launcher/ij1-patcher-*.jar | head -n 1):$(ls "$APP"/launcher/javassist-*.jar | head -n 1)"
seconds() { # COMMAND...: wall seconds of one run; fails when the macro did not print
	local start out
	start=$(date +%s.%N)
	out="$("$@" 2>&1)" || { echo "failed: $* $out" >&2; exit 1; }
	grep -q started <<<"$out" || { echo "the macro did not run: $*: $out" >&2; exit 1; }
	echo "$(date +%s.%N) - $start" | bc
}
declare -a launcher patching plain
for r in $(seq 1 "$ROUNDS"); do
	launcher+=("$(seconds "$HERE/convkit" --headless "$work/empty.ijm")")
	patching+=("$(seconds java -Xms32m -Xmx4g -XX:+UseSerialGC -Djava.awt.headless=true \
		--add-opens=java.base/java.lang=ALL-UNNAMED -javaagent:"$agent" -Dplugins.dir="$APP" -Dconvkit.home="$HERE" \
		-cp "$APP/plugins/*:$APP/jars/*:$APP/imagej/*:$patcher" \
		org.convkit.app.HeadlessRunner "$work/empty.ijm")")
	plain+=("$(seconds java -Xms32m -XX:+UseSerialGC -Djava.awt.headless=true -cp "$APP/imagej/*" ij.ImageJ -batch \
		"$work/empty.ijm")")
	printf 'round %d: ./convkit --headless %.2f s, patching at start-up (agent) %.2f s, plain ImageJ -batch %.2f s\n' \
		"$r" "${launcher[-1]}" "${patching[-1]}" "${plain[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf 'median of %d: ./convkit --headless %.2f s, patching at start-up %.2f s, plain ImageJ -batch %.2f s (%s, load %s)\n' \
	"$ROUNDS" "$(median "${launcher[@]}")" "$(median "${patching[@]}")" "$(median "${plain[@]}")" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(cut -d' ' -f1-3 /proc/loadavg)"
