// Winograd F(4x4, 3x3) convolution for ConvKit's fused convolution block on processors whose oneDNN kernels are AVX2
// ones (oneDNN 2.5 has Winograd kernels for AVX-512 only): a 3x3 convolution of stride 1 and padding 1 on oneDNN's
// nChw8c layout, forward (bias and ReLU folded in) and backward to the input (the error convolved with the kernels
// turned by 180 degrees, in and out channels swapped). Each 4x4 output tile is computed from a 6x6 input tile with
// 36 multiplications per input and output channel instead of 144 (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016). Work goes by groups of tile rows of one image, so the transformed tiles
// (V), the 36 products (M) and the output stay in the core's cache; AVX2 and FMA intrinsics, 8 channels per vector.
// Called through JNI by org.convkit.core.cnn.net.WinogradKernels, which checks every size and layout before calling
// and loads this library only on a processor with AVX2 and FMA. Built by src/main/c/build.sh (Maven's compile
// phase). Plain IEEE arithmetic (no -ffast-math): NaN and infinities propagate as in oneDNN's kernels.
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

// A^T m A for one tile: m[36] -> y[16] (4x4).
static inline void output_tile(const V8 *m, V8 *y) {
	V8 t[24];
	const V8 two = _mm256_set1_ps(2.f), four = _mm256_set1_ps(4.f), eight = _mm256_set1_ps(8.f);
	for (int c = 0; c < 6; c++) {
		V8 m0 = m[c], m1 = m[6 + c], m2 = m[12 + c], m3 = m[18 + c], m4 = m[24 + c], m5 = m[30 + c];
		V8 s12 = _mm256_add_ps(m1, m2), d12 = _mm256_sub_ps(m1, m2);
		V8 s34 = _mm256_add_ps(m3, m4), d34 = _mm256_sub_ps(m3, m4);
		t[c] = _mm256_add_ps(_mm256_add_ps(m0, s12), s34);
		t[6 + c] = _mm256_fmadd_ps(two, d34, d12);
		t[12 + c] = _mm256_fmadd_ps(four, s34, s12);
		t[18 + c] = _mm256_add_ps(_mm256_fmadd_ps(eight, d34, d12), m5);
	}
	for (int r = 0; r < 4; r++) {
		const V8 *x = t + 6 * r;
		V8 s12 = _mm256_add_ps(x[1], x[2]), d12 = _mm256_sub_ps(x[1], x[2]);
		V8 s34 = _mm256_add_ps(x[3], x[4]), d34 = _mm256_sub_ps(x[3], x[4]);
		y[4 * r] = _mm256_add_ps(_mm256_add_ps(x[0], s12), s34);
		y[4 * r + 1] = _mm256_fmadd_ps(two, d34, d12);
		y[4 * r + 2] = _mm256_fmadd_ps(four, s34, s12);
		y[4 * r + 3] = _mm256_add_ps(_mm256_fmadd_ps(eight, d34, d12), x[5]);
	}
}

// C[rows x n] = A[rows x k] B[k x n], row-major, n a multiple of 8: blocks of 6 rows x 16 columns (12 accumulators,
// two loads of B and six broadcasts of A per step of k), then the columns and rows left over.
static void product(const float *a, const float *b, float *c, int rows, int k, int n) {
	int r = 0, n16 = n / 16 * 16;
	for (; r + 6 <= rows; r += 6)
		for (int j = 0; j < n16; j += 16) {
			V8 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
			   c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
			const float *ar = a + (size_t) r * k;
			for (int p = 0; p < k; p++) {
				V8 b0 = _mm256_loadu_ps(b + (size_t) p * n + j), b1 = _mm256_loadu_ps(b + (size_t) p * n + j + 8);
				V8 x = _mm256_broadcast_ss(ar + p);
				c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
				x = _mm256_broadcast_ss(ar + k + p);
				c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
				x = _mm256_broadcast_ss(ar + 2 * k + p);
				c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
				x = _mm256_broadcast_ss(ar + 3 * k + p);
				c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
				x = _mm256_broadcast_ss(ar + 4 * k + p);
				c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
				x = _mm256_broadcast_ss(ar + 5 * k + p);
				c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
			}
			float *cr = c + (size_t) r * n + j;
			_mm256_storeu_ps(cr, c00); _mm256_storeu_ps(cr + 8, c01); cr += n;
			_mm256_storeu_ps(cr, c10); _mm256_storeu_ps(cr + 8, c11); cr += n;
			_mm256_storeu_ps(cr, c20); _mm256_storeu_ps(cr + 8, c21); cr += n;
			_mm256_storeu_ps(cr, c30); _mm256_storeu_ps(cr + 8, c31); cr += n;
			_mm256_storeu_ps(cr, c40); _mm256_storeu_ps(cr + 8, c41); cr += n;
			_mm256_storeu_ps(cr, c50); _mm256_storeu_ps(cr + 8, c51);
		}
	for (int i = 0; i < rows; i++) // what the blocks left: every row's last 8 columns, the last rows' columns
		for (int j = i < r ? n16 : 0; j < n; j += 8) {
			V8 c0 = _mm256_setzero_ps();
			for (int p = 0; p < k; p++)
				c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (size_t) i * k + p),
						_mm256_loadu_ps(b + (size_t) p * n + j), c0);
			_mm256_storeu_ps(c + (size_t) i * n + j, c0);
		}
}

// U[xi][inC][outC] = G g G^T for every kernel g. Forward: g = w[o][i] (w in oihw order, o < outC, i < inC). Backward
// to the input (backward != 0): the convolution's input is the error of w's outputs, so inC = w's out channels,
// outC = w's in channels, and g = w[i][o] turned by 180 degrees.
static void transform_weights(const float *w, float *u, int inC, int outC, int backward) {
	static const float G[6][3] = { { 1 / 4.f, 0, 0 }, { -1 / 6.f, -1 / 6.f, -1 / 6.f }, { -1 / 6.f, 1 / 6.f, -1 / 6.f },
			{ 1 / 24.f, 1 / 12.f, 1 / 6.f }, { 1 / 24.f, -1 / 12.f, 1 / 6.f }, { 0, 0, 1 } };
	for (int o = 0; o < outC; o++)
		for (int i = 0; i < inC; i++) {
			float g[9];
			if (backward) {
				const float *k = w + ((size_t) i * outC + o) * 9;
				for (int t = 0; t < 9; t++) g[t] = k[8 - t];
			} else {
				const float *k = w + ((size_t) o * inC + i) * 9;
				for (int t = 0; t < 9; t++) g[t] = k[t];
			}
			float t[6][3];
			for (int r = 0; r < 6; r++)
				for (int c = 0; c < 3; c++) t[r][c] = G[r][0] * g[c] + G[r][1] * g[3 + c] + G[r][2] * g[6 + c];
			for (int r = 0; r < 6; r++)
				for (int c = 0; c < 6; c++)
					u[((size_t) (r * 6 + c) * inC + i) * outC + o] =
							t[r][0] * G[c][0] + t[r][1] * G[c][1] + t[r][2] * G[c][2];
		}
}

// Tiles per group: enough rows of tiles for the products' blocks of 6 tiles to fill (at least 24 tiles).
static int rows_per_group(int tilesWide, int tilesHigh) {
	int rows = (24 + tilesWide - 1) / tilesWide;
	return rows < tilesHigh ? rows : tilesHigh;
}

// The convolution of images [first, end) of src (nChw8c, inC channels, h x w) with the transformed kernels u into dst
// (nChw8c, outC channels, h x w), plus bias (may be NULL), then ReLU if relu. Returns 0, or 1 if memory ran out.
static int convolve(const float *src, const float *u, const float *bias, float *dst, int first, int end, int inC,
		int outC, int h, int w, int relu) {
	int tw = (w + 3) / 4, th = (h + 3) / 4, cbIn = inC / 8, cbOut = outC / 8, groupRows = rows_per_group(tw, th);
	size_t maxTiles = (size_t) groupRows * tw;
	float *v = aligned_alloc(32, (36 * maxTiles * inC * sizeof(float) + 31) / 32 * 32);
	float *m = aligned_alloc(32, (36 * maxTiles * outC * sizeof(float) + 31) / 32 * 32);
	if (!v || !m) {
		free(v);
		free(m);
		return 1;
	}
	const V8 zero = _mm256_setzero_ps();
	for (int img = first; img < end; img++)
		for (int ty0 = 0; ty0 < th; ty0 += groupRows) {
			int rows = th - ty0 < groupRows ? th - ty0 : groupRows, tiles = rows * tw;
			for (int cb = 0; cb < cbIn; cb++) {
				const float *plane = src + ((size_t) img * cbIn + cb) * h * w * 8;
				for (int tr = 0; tr < rows; tr++)
					for (int tx = 0; tx < tw; tx++) {
						V8 d[36], vv[36];
						int y0 = (ty0 + tr) * 4 - 1, x0 = tx * 4 - 1;
						for (int r = 0; r < 6; r++) {
							int y = y0 + r;
							for (int c = 0; c < 6; c++) {
								int x = x0 + c; // outside the image: the padding's zeros
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
			for (int xi = 0; xi < 36; xi++)
				product(v + (size_t) xi * tiles * inC, u + (size_t) xi * inC * outC, m + (size_t) xi * tiles * outC,
						tiles, inC, outC);
			for (int ob = 0; ob < cbOut; ob++) {
				V8 b = bias ? _mm256_loadu_ps(bias + ob * 8) : zero;
				float *plane = dst + ((size_t) img * cbOut + ob) * h * w * 8;
				for (int tr = 0; tr < rows; tr++)
					for (int tx = 0; tx < tw; tx++) {
						V8 mm[36], y[16];
						int t = tr * tw + tx;
						for (int xi = 0; xi < 36; xi++)
							mm[xi] = _mm256_loadu_ps(m + ((size_t) xi * tiles + t) * outC + ob * 8);
						output_tile(mm, y);
						int yy = (ty0 + tr) * 4, xx = tx * 4;
						for (int r = 0; r < 4 && yy + r < h; r++)
							for (int c = 0; c < 4 && xx + c < w; c++) {
								V8 o = _mm256_add_ps(y[r * 4 + c], b);
								// ReLU as oneDNN's: max(0, x) keeps NaN (maxps returns its second operand when unordered)
								if (relu) o = _mm256_max_ps(zero, o);
								_mm256_storeu_ps(plane + ((size_t) (yy + r) * w + xx + c) * 8, o);
							}
					}
			}
		}
	free(v);
	free(m);
	return 0;
}

// The transformed kernels for convolve: 36 * inC * outC floats at u (see transform_weights), unless the weights
// (9 * inC * outC floats) equal copy, the weights u was made from (known: copy holds such weights), bit for bit:
// classification calls with the same weights every time, training with new ones every step. Returns whether it
// transformed (and copied the weights).
JNIEXPORT jint JNICALL Java_org_convkit_core_cnn_net_WinogradKernels_transform(JNIEnv *env, jclass cls, jlong weights,
		jlong u, jlong copy, jint inC, jint outC, jint backward, jint known) {
	const float *w = (const float *) (intptr_t) weights;
	float *c = (float *) (intptr_t) copy;
	size_t bytes = (size_t) 9 * inC * outC * sizeof(float);
	if (known && memcmp(w, c, bytes) == 0) return 0;
	transform_weights(w, (float *) (intptr_t) u, inC, outC, backward);
	memcpy(c, w, bytes);
	return 1;
}

JNIEXPORT jint JNICALL Java_org_convkit_core_cnn_net_WinogradKernels_convolve(JNIEnv *env, jclass cls, jlong src,
		jlong u, jlong bias, jlong dst, jint first, jint end, jint inC, jint outC, jint h, jint w, jint relu) {
	return convolve((const float *) (intptr_t) src, (const float *) (intptr_t) u, (const float *) (intptr_t) bias,
			(float *) (intptr_t) dst, first, end, inC, outC, h, w, relu);
}
