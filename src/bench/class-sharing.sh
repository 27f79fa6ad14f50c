#!/usr/bin/env bash
# What the class archive of ./convkit --headless (class_sharing in ./convkit) saves: the same headless runs with it
# and without it (JAVA_TOOL_OPTIONS=-Xshare:auto, a class-sharing option of the user's, which turns ConvKit's off),
# in interleaved rounds: an empty macro (naming CNN in a comment, so that it maps the archive), and Train CNN
# Classifier for 1 epoch on the bundled sample cells (120 images, batch 16: mostly the start of ImageJ, ND4J and DL4J,
# and the first save). Prints each round and the medians.
#
# Usage: src/bench/class-sharing.sh [ROUNDS]   (default 5; builds ConvKit and records the archive first if needed)
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
ROUNDS="${1:-5}"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS]" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/convkit-sharing.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# (the comment names CNN: ./convkit maps the archive only for macros that do)
echo 'print("started"); // CNN' >"$work/empty.ijm"
"$HERE/convkit" --headless "$work/empty.ijm" >/dev/null 2>&1 # builds and records the archive when needed
ls "$HERE"/target/app/cds/headless-*.jsa >/dev/null 2>&1 || { echo "no class archive was recorded" >&2; exit 1; }
train="folder=$HERE/sample-images/cell-classes/train model=$work/model.zip batch=16 epochs=1 overwrite"
seconds() { # ENV COMMAND...: wall seconds of one run; fails when the run fails
	local start out environment="$1"
	shift
	start=$(date +%s.%N)
	out="$(env $environment "$@" 2>&1)" || { echo "failed: $* $out" >&2; exit 1; }
	echo "$(date +%s.%N) - $start" | bc
}
declare -a empty_on empty_off train_on train_off
for r in $(seq 1 "$ROUNDS"); do
	empty_on+=("$(seconds X=1 "$HERE/convkit" --headless "$work/empty.ijm")")
	empty_off+=("$(seconds JAVA_TOOL_OPTIONS=-Xshare:auto "$HERE/convkit" --headless "$work/empty.ijm")")
	train_on+=("$(seconds X=1 "$HERE/convkit" --headless "$HERE/macros/train-folder.ijm" "$train")")
	train_off+=("$(seconds JAVA_TOOL_OPTIONS=-Xshare:auto "$HERE/convkit" --headless "$HERE/macros/train-folder.ijm" \
		"$train")")
	printf 'round %d: empty macro %.2f s with the archive, %.2f s without; 1-epoch training %.2f s with, %.2f s without\n' \
		"$r" "${empty_on[-1]}" "${empty_off[-1]}" "${train_on[-1]}" "${train_off[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf 'median of %d: empty macro %.2f s with the archive, %.2f s without; 1-epoch training %.2f s with, %.2f s without (%s, load %s)\n' \
	"$ROUNDS" "$(median "${empty_on[@]}")" "$(median "${empty_off[@]}")" "$(median "${train_on[@]}")" \
	"$(median "${train_off[@]}")" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(cut -d' ' -f1-3 /proc/loadavg)"
