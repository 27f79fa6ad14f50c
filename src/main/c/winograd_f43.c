// ConvKit's Winograd F(4x4, 3x3) kernels (winograd_f43.h): the forward pass (bias and ReLU folded into the output's
// transform) and the backward pass to the input (the error convolved with the kernels turned by 180 degrees, in and
// out channels swapped).
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winograd_f43.h"

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

// The convolution of images [first, end) of src (nChw8c, inC channels, h x w) with the transformed kernels u into dst
// (nChw8c, outC channels, h x w), plus bias (may be NULL), then ReLU if relu; where mask is not NULL (a ReLU's output
// laid out as dst), each value times 1 where the mask is above 0 and 0 elsewhere: that ReLU's backprop, as oneDNN's
// (a NaN error stays NaN, a negative one gives -0). Returns 0, or 1 if memory ran out.
static int convolve(const float *src, const float *u, const float *bias, float *dst, int first, int end, int inC,
		int outC, int h, int w, int relu, const float *mask) {
	int tw = (w + 3) / 4, th = (h + 3) / 4, cbIn = inC / 8, cbOut = outC / 8, groupRows = rows_per_group(tw, th, 24);
	size_t maxTiles = (size_t) groupRows * tw;
	float *v = aligned_alloc(32, (36 * maxTiles * inC * sizeof(float) + 31) / 32 * 32);
	float *m = aligned_alloc(32, (36 * maxTiles * outC * sizeof(float) + 31) / 32 * 32);
	if (!v || !m) {
		free(v);
		free(m);
		return 1;
	}
	const V8 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f);
	for (int img = first; img < end; img++)
		for (int ty0 = 0; ty0 < th; ty0 += groupRows) {
			int rows = th - ty0 < groupRows ? th - ty0 : groupRows, tiles = rows * tw;
			input_tiles(src + (size_t) img * cbIn * h * w * 8, v, ty0, rows, tw, h, w, cbIn);
			for (int xi = 0; xi < 36; xi++)
				product(v + (size_t) xi * tiles * inC, u + (size_t) xi * inC * outC, m + (size_t) xi * tiles * outC,
						tiles, inC, outC);
			for (int ob = 0; ob < cbOut; ob++) {
				V8 b = bias ? _mm256_loadu_ps(bias + ob * 8) : zero;
				size_t at = ((size_t) img * cbOut + ob) * h * w * 8;
				float *plane = dst + at;
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
								// ReLU as oneDNN's: max(0, x) keeps NaN (maxps returns its second operand
								// when unordered)
								if (relu) o = _mm256_max_ps(zero, o);
								size_t p = ((size_t) (yy + r) * w + xx + c) * 8;
								if (mask) o = _mm256_mul_ps(o, _mm256_and_ps(one, _mm256_cmp_ps(
										_mm256_loadu_ps(mask + at + p), zero, _CMP_GT_OQ)));
								_mm256_storeu_ps(plane + p, o);
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
		jlong u, jlong bias, jlong dst, jint first, jint end, jint inC, jint outC, jint h, jint w, jint relu,
		jlong mask) {
	return convolve((const float *) (intptr_t) src, (const float *) (intptr_t) u, (const float *) (intptr_t) bias,
			(float *) (intptr_t) dst, first, end, inC, outC, h, w, relu, (const float *) (intptr_t) mask);
}
