// How long libgomp's idle threads poll on this processor: GOMP_SPINCOUNT counts iterations of a loop that loads a
// flag and runs one `pause` instruction (libgomp's do_spin); this times that loop for libgomp's default count
// (300,000) and ConvKit's (3,000; org.convkit.core.cnn.runtime.OpenMpSpinning). Run by src/bench/pause-cost.sh.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile int flag; // never set: every iteration polls and pauses, as an idle worker does

static double spin_ms(long count) {
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < count && !flag; i++) _mm_pause();
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	if (rounds < 1) rounds = 1;
	for (int r = 0; r < rounds; r++) {
		double d = spin_ms(300000), c = spin_ms(3000);
		printf("round %d: 300,000 polls (libgomp's default) %.2f ms, 3,000 (ConvKit's) %.3f ms, %.1f ns per poll\n",
				r + 1, d, c, d * 1e6 / 300000);
	}
	return 0;
}
