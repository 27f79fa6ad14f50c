/*
 * What one legacy-SSE instruction costs when the upper halves of the vector registers hold data ("dirty upper
 * state"): a 256-bit (or 512-bit) add, then `movq %rax,%xmm3` (legacy SSE, no VEX prefix), in a loop; against the
 * same with the VEX form `vmovq` and with `vzeroupper` in between. oneDNN 2.5's pooling kernels put `movq` inside
 * their loops (src/bench/onednn-jit-scan.sh); on processors that charge for the mix, each costs this much.
 * Build and run through src/bench/sse-avx-mix.sh. Figures in TSC ticks per iteration (the TSC runs at the nominal
 * clock, not necessarily the core's).
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <x86intrin.h>

#define ITERATIONS 10000000L

static double ticks(int variant) {
	uint64_t t0 = __rdtsc();
	long x = 1;
	for (long i = 0; i < ITERATIONS; i++) {
		switch (variant) {
		case 0: __asm__ volatile("vaddps %%ymm0,%%ymm1,%%ymm1\n\tvmovq %0,%%xmm3" ::"r"(x) : "xmm1", "xmm3"); break;
		case 1: __asm__ volatile("vaddps %%ymm0,%%ymm1,%%ymm1\n\tvzeroupper\n\tmovq %0,%%xmm3" ::"r"(x)
				: "xmm1", "xmm3"); break;
		case 2: __asm__ volatile("vaddps %%ymm0,%%ymm1,%%ymm1\n\tmovq %0,%%xmm3" ::"r"(x) : "xmm1", "xmm3"); break;
#ifdef __AVX512F__
		case 3: __asm__ volatile("vaddps %%zmm0,%%zmm1,%%zmm1\n\tmovq %0,%%xmm3" ::"r"(x) : "xmm1", "xmm3"); break;
#endif
		}
	}
	__asm__ volatile("vzeroupper");
	return (double) (__rdtsc() - t0) / ITERATIONS;
}

int main(int argc, char **argv) {
	const char *names[] = { "256-bit add, then vmovq (VEX)", "256-bit add, vzeroupper, then movq (legacy SSE)",
			"256-bit add, then movq (legacy SSE): dirty upper state", "512-bit add, then movq (legacy SSE)" };
	int variants = 3;
#ifdef __AVX512F__
	variants = 4;
#endif
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	for (int r = 0; r < rounds; r++)
		for (int v = 0; v < variants; v++) printf("%-56s %8.1f TSC ticks per iteration\n", names[v], ticks(v));
	return 0;
}
