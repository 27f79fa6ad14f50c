// Winograd F(4x4, 3x3) for ConvKit's fused convolution block on processors whose oneDNN kernels are AVX2 ones
// (oneDNN 2.5 has Winograd kernels for AVX-512 only): 3x3 convolutions of stride 1 and padding 1 on oneDNN's nChw8c
// layout. Each 4x4 output tile is computed from a 6x6 input tile with 36 multiplications per input and output channel
// instead of 144 (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). Work goes by groups of
// tile rows of one image, so the transformed tiles and their products stay in the core's cache; AVX2 and FMA
// intrinsics, 8 channels per vector. winograd_f43.c: the forward pass and the backward pass to the input;
// winograd_f43_weights.c: the weight gradient. This header: the input's transform, which all three passes share.
// Called through JNI by org.convkit.core.cnn.net.WinogradKernels, which checks every size and layout before calling
// and loads the library only on a processor with AVX2 and FMA. Built by src/main/c/build.sh (Maven's compile phase).
// Plain IEEE arithmetic (no -ffast-math): NaN and infinities propagate as in oneDNN's kernels.
#ifndef CONVKIT_WINOGRAD_F43_H
#define CONVKIT_WINOGRAD_F43_H
#include <immintrin.h>
#include <stddef.h>

#define V8 __m256

// B^T d B for one 6x6 tile of 8-channel vectors (rows of d at d[r*6 + c]), result in v[36].
static inline void input_tile(const V8 *d, V8 *v) {
	V8 t[36];
	const V8 four = _mm256_set1_ps(4.f), five = _mm256_set1_ps(5.f), two = _mm256_set1_ps(2.f);
	for (int c = 0; c < 6; c++) { // t = B^T d, column c
		V8 d0 = d[c], d1 = d[6 + c], d2 = d[12 + c], d3 = d[18 + c], d4 = d[24 + c], d5 = d[30 + c];
		t[c] = _mm256_fmadd_ps(four, d0, _mm256_fnmadd_ps(five, d2, d4));
		V8 a = _mm256_fnmadd_ps(four, d1, d3), b = _mm256_fnmadd_ps(four, d2, d4);
		t[6 + c] = _mm256_add_ps(a, b);
		t[12 + c] = _mm256_sub_ps(b, a);
		V8 e = _mm256_mul_ps(two, _mm256_sub_ps(d3, d1)), f = _mm256_sub_ps(d4, d2);
		t[18 + c] = _mm256_add_ps(f, e);
		t[24 + c] = _mm256_sub_ps(f, e);
		t[30 + c] = _mm256_fmadd_ps(four, d1, _mm256_fnmadd_ps(five, d3, d5));
	}
	for (int r = 0; r < 6; r++) { // v = t B, row r
		const V8 *x = t + 6 * r;
		V8 *o = v + 6 * r;
		o[0] = _mm256_fmadd_ps(four, x[0], _mm256_fnmadd_ps(five, x[2], x[4]));
		V8 a = _mm256_fnmadd_ps(four, x[1], x[3]), b = _mm256_fnmadd_ps(four, x[2], x[4]);
		o[1] = _mm256_add_ps(a, b);
		o[2] = _mm256_sub_ps(b, a);
		V8 e = _mm256_mul_ps(two, _mm256_sub_ps(x[3], x[1])), f = _mm256_sub_ps(x[4], x[2]);
		o[3] = _mm256_add_ps(f, e);
		o[4] = _mm256_sub_ps(f, e);
		o[5] = _mm256_fmadd_ps(four, x[1], _mm256_fnmadd_ps(five, x[3], x[5]));
	}
}

// Rows of tiles per group: at least `least` tiles (all rows if the image has fewer).
static inline int rows_per_group(int tilesWide, int tilesHigh, int least) {
	int rows = (least + tilesWide - 1) / tilesWide;
	return rows < tilesHigh ? rows : tilesHigh;
}

// B^T d B for the tiles of rows [ty0, ty0 + rows) of one image (plane: its first channel block, nChw8c, cbIn blocks
// of h x w x 8) into v[36][rows * tw][cbIn * 8]; pixels outside the image are the padding's zeros.
static inline void input_tiles(const float *image, float *v, int ty0, int rows, int tw, int h, int w, int cbIn) {
	const V8 zero = _mm256_setzero_ps();
	int tiles = rows * tw, inC = cbIn * 8;
	for (int cb = 0; cb < cbIn; cb++) {
		const float *plane = image + (size_t) cb * h * w * 8;
		for (int tr = 0; tr < rows; tr++)
			for (int tx = 0; tx < tw; tx++) {
				V8 d[36], vv[36];
				int y0 = (ty0 + tr) * 4 - 1, x0 = tx * 4 - 1;
				for (int r = 0; r < 6; r++) {
					int y = y0 + r;
					for (int c = 0; c < 6; c++) {
						int x = x0 + c;
						d[r * 6 + c] = (y < 0 || y >= h || x < 0 || x >= w) ? zero
								: _mm256_loadu_ps(plane + ((size_t) y * w + x) * 8);
					}
				}
				input_tile(d, vv);
				int t = tr * tw + tx;
				for (int xi = 0; xi < 36; xi++)
					_mm256_storeu_ps(v + ((size_t) xi * tiles + t) * inC + cb * 8, vv[xi]);
			}
	}
}
#endif
