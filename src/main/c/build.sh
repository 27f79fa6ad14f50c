#!/usr/bin/env bash
# Builds ConvKit's native Winograd kernels (winograd_f43*.c) into OUT_DIR/libconvkit_winograd.so, called by Maven's
# compile phase (pom.xml, execution "native-winograd"): the library then travels in the plugin jar under
# org/convkit/native/linux-x86_64/. Linux x86-64 only; elsewhere, or without gcc, nothing is built and ConvKit runs
# those convolutions on oneDNN (org.convkit.core.cnn.net.WinogradKernels), except under CI (CI=true), where a missing
# compiler must fail the build instead of testing the fallback only.
#
# Usage: src/main/c/build.sh OUT_DIR JAVA_HOME
set -euo pipefail
out="$1"
java_home="$2"
here="$(cd "$(dirname "$0")" && pwd)"
skip() {
	if [ "${CI:-}" = true ]; then
		echo "native-winograd: $1 (CI: failing instead of building without the native kernels)" >&2
		exit 1
	fi
	echo "native-winograd: $1: not built; ConvKit runs these convolutions on oneDNN" >&2
	exit 0
}
[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] || skip "not Linux x86-64"
command -v gcc >/dev/null || skip "no gcc (Debian: apt-get install gcc libc6-dev)"
[ -f "$java_home/include/jni.h" ] || skip "no jni.h under $java_home/include"
mkdir -p "$out"
tmp="$(mktemp "$out/.libconvkit_winograd.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# -mavx2 -mfma: the code is only loaded where /proc/cpuinfo lists both (WinogradKernels); no -ffast-math (IEEE
# arithmetic, NaN propagates). Plain C11: libc's aligned_alloc and free only.
gcc -std=c11 -O3 -mavx2 -mfma -fPIC -shared -Wall -Wextra -Wno-unused-parameter -Werror \
	-I"$java_home/include" -I"$java_home/include/linux" -Wl,-z,noexecstack \
	-o "$tmp" "$here/winograd_f43.c" "$here/winograd_f43_weights.c" || skip "gcc failed"
mv -f "$tmp" "$out/libconvkit_winograd.so"
trap - EXIT
echo "native-winograd: built $out/libconvkit_winograd.so"
