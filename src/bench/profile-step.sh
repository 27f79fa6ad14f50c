#!/usr/bin/env bash
# Where a CNN benchmark case spends its time: runs `./convkit --bench ROUNDS CASE` (default: 2 lenet) under Java Flight
# Recorder and prints, for ConvKit's training (samples under EpochRunner) and classification (under Predictor), the
# share of time in each method (inclusive) and the top frames. Native frames are sampled half as often as Java ones
# by JFR's "profile" settings (20 against 10 ms), so native samples count twice. Add the narrowing of
# src/bench/run-all.sh to the environment to profile what an AVX2-only processor runs.
#
# Usage: src/bench/profile-step.sh [ROUNDS [CASE]]    e.g. src/bench/profile-step.sh 2 vgg64
# Needs python3 and the JDK's jfr tool.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
rounds="${1:-2}"
case_="${2:-lenet}"
work="$(mktemp -d "${TMPDIR:-/tmp}/convkit-profile.XXXXXX")"
trap 'rm -rf "$work"' EXIT
JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -XX:StartFlightRecording=filename=$work/run.jfr,settings=profile" \
	"$HERE/convkit" --bench "$rounds" "$case_" | grep -E '^\|' || true
jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 96 "$work/run.jfr" >"$work/run.json"
python3 - "$work/run.json" <<'PY'
import collections, json, sys
events = json.load(open(sys.argv[1]))['recording']['events']
for title, marker in (('training (under EpochRunner.run)', 'EpochRunner.run'),
                      ('classification (under Predictor.predict)', 'Predictor.predict')):
    total, inclusive, top = 0, collections.Counter(), collections.Counter()
    for e in events:
        st = e['values'].get('stackTrace')
        if not st:
            continue
        frames = [f['method']['type']['name'].split('/')[-1] + '.' + f['method']['name'] for f in st['frames']]
        if not any(marker in f for f in frames):
            continue
        weight = 2 if e['type'] == 'jdk.NativeMethodSample' else 1
        total += weight
        top[frames[0]] += weight
        for f in set(frames):
            inclusive[f] += weight
    print('\n%s: %d weighted samples' % (title, total))
    if not total:
        continue
    print('  inclusive share, ConvKit and DL4J methods:')
    # ConvKit's and DL4J's layer-level methods; MultiLayerNetwork's own frames (fit, backprop) would hold everything
    kinds = ('Layer', 'Helper', 'Updater', 'Forward', 'Steps', 'Im2Col', 'Relu', 'Adam', 'Product', 'Pooling', 'Dense',
             'Convolution')
    for name, n in inclusive.most_common():
        if n / total >= 0.02 and not name.startswith('MultiLayerNetwork.') and any(k in name for k in kinds):
            print('  %5.1f %%  %s' % (100 * n / total, name))
    print('  top frames:')
    for name, n in top.most_common(8):
        print('  %5.1f %%  %s' % (100 * n / total, name))
PY
