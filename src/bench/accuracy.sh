#!/usr/bin/env bash
# Accuracy of "Train CNN Classifier..." on real images that ship with Debian's python3-sklearn and python3-skimage
# (src/bench/python/real_data.py; nothing is downloaded), through the real macro path: train-folder.ijm on a
# training folder, classify-folder.ijm on the held-out test folder, the test accuracy from the CSV.
#
#   src/bench/accuracy.sh [SET [KEYS...]]
#     SET   digits | textures | photos | photos64 | photos64r | all (default: all)
#     KEYS  extra keys for Train CNN Classifier, one run per argument (default: one run with the defaults), e.g.
#           src/bench/accuracy.sh digits "" "width=28 height=28" "augment=none"
#
# Prints one line per run: "SET KEYS: test accuracy A (R of N), best epoch E of M, validation accuracy V, T s".
# Work files go to target/accuracy/ (exported PNGs, models, CSVs). Results of the defaults: docs/accuracy.md.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
PY="${CONVKIT_PYTHON:-/usr/bin/python3}"
[ -x "$PY" ] || PY=python3
WORK="$HERE/target/accuracy"
SET="${1:-all}"
shift || true
RUNS=("$@")
[ ${#RUNS[@]} -gt 0 ] || RUNS=("")

# exported once; the marker tells a complete export from one that stopped half-way (-4: since photos64r in tiles)
if [ ! -f "$WORK/data/.exported-4" ]; then
	if ! "$PY" -c "import sklearn, skimage" 2>/dev/null; then
		echo "accuracy.sh: $PY has no scikit-learn or scikit-image (Debian: apt-get install python3-sklearn" \
			"python3-skimage)" >&2
		exit 2
	fi
	rm -rf "$WORK/data"
	mkdir -p "$WORK"
	"$PY" "$HERE/src/bench/python/real_data.py" export "$WORK/data" >&2
	touch "$WORK/data/.exported-4"
fi

sets=(digits textures photos photos64 photos64r)
[ "$SET" = all ] || sets=("$SET")
for s in "${sets[@]}"; do
	for keys in "${RUNS[@]}"; do
		tag="$(echo "$s $keys" | tr -c 'A-Za-z0-9.\n' '_')"
		model="$WORK/$tag.zip"
		log="$WORK/$tag.log"
		start=$(date +%s)
		"$HERE/convkit" --headless "$HERE/macros/train-folder.ijm" \
			"folder=[$WORK/data/$s/train] model=[$model] overwrite $keys" >"$log" 2>&1 ||
			{ echo "$s $keys: training failed:" >&2; grep -v SLF4J "$log" | tail -3 >&2; continue; }
		"$HERE/convkit" --headless "$HERE/macros/classify-folder.ijm" \
			"model=[$model] folder=[$WORK/data/$s/test] output=[$WORK/$tag.csv] recursive overwrite" >>"$log" 2>&1
		read -r acc right total < <("$PY" "$HERE/src/bench/python/real_data.py" score "$WORK/$tag.csv")
		summary="$(grep 'train-folder: best model' "$log" | sed -E 's/.*\(epoch ([0-9]+), validation accuracy ([0-9.na/()= ]+)\).*, ([0-9]+) epochs.*/best epoch \1 of \3, validation accuracy \2/')"
		echo "$s ${keys:-(defaults)}: test accuracy $acc ($right of $total), $summary, $(($(date +%s) - start)) s"
	done
done
