// ConvKit's Winograd kernels (winograd_f43.h): the weight gradient of a 3x3 convolution of stride 1 and padding 1,
// F(3x3, 4x4) as the transpose of the forward F(4x4, 3x3), and the bias's gradient.
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winograd_f43.h"

// A y A^T for one 4x4 tile of an output's error (y[16], rows of 4) into m[36]: the error's transform for the weight
// gradient.
static inline void error_tile(const V8 *y, V8 *m) {
	V8 t[24];
	const V8 two = _mm256_set1_ps(2.f), four = _mm256_set1_ps(4.f);
	for (int c = 0; c < 4; c++) { // t = A y, column c (6 rows)
		V8 y0 = y[c], y1 = y[4 + c], y2 = y[8 + c], y3 = y[12 + c];
		V8 s02 = _mm256_add_ps(y0, y2), s13 = _mm256_add_ps(y1, y3);
		V8 f02 = _mm256_fmadd_ps(four, y2, y0), e13 = _mm256_fmadd_ps(four, y3, y1);
		t[c] = y0;
		t[4 + c] = _mm256_add_ps(s02, s13);
		t[8 + c] = _mm256_sub_ps(s02, s13);
		t[12 + c] = _mm256_fmadd_ps(two, e13, f02);
		t[16 + c] = _mm256_fnmadd_ps(two, e13, f02);
		t[20 + c] = y3;
	}
	for (int r = 0; r < 6; r++) { // m = t A^T, row r
		const V8 *x = t + 4 * r;
		V8 *o = m + 6 * r;
		V8 s02 = _mm256_add_ps(x[0], x[2]), s13 = _mm256_add_ps(x[1], x[3]);
		V8 f02 = _mm256_fmadd_ps(four, x[2], x[0]), e13 = _mm256_fmadd_ps(four, x[3], x[1]);
		o[0] = x[0];
		o[1] = _mm256_add_ps(s02, s13);
		o[2] = _mm256_sub_ps(s02, s13);
		o[3] = _mm256_fmadd_ps(two, e13, f02);
		o[4] = _mm256_fnmadd_ps(two, e13, f02);
		o[5] = x[3];
	}
}

// A y A^T for the error tiles of rows [ty0, ty0 + rows) of one image (nChw8c, cbOut blocks of h x w x 8) into
// m[36][rows * tw][cbOut * 8]; outside the image the error is 0. Adds each error value once to sum[cbOut] (the bias's
// gradient: the 4x4 tiles cover the image without overlap).
static void error_tiles(const float *image, float *m, V8 *sum, int ty0, int rows, int tw, int h, int w, int cbOut) {
	const V8 zero = _mm256_setzero_ps();
	int tiles = rows * tw, outC = cbOut * 8;
	for (int ob = 0; ob < cbOut; ob++) {
		const float *plane = image + (size_t) ob * h * w * 8;
		V8 s = sum[ob];
		for (int tr = 0; tr < rows; tr++)
			for (int tx = 0; tx < tw; tx++) {
				V8 y[16], mm[36];
				int y0 = (ty0 + tr) * 4, x0 = tx * 4;
				for (int r = 0; r < 4; r++)
					for (int c = 0; c < 4; c++) {
						int yy = y0 + r, xx = x0 + c;
						y[r * 4 + c] = yy >= h || xx >= w ? zero : _mm256_loadu_ps(plane + ((size_t) yy * w + xx) * 8);
						s = _mm256_add_ps(s, y[r * 4 + c]);
					}
				error_tile(y, mm);
				int t = tr * tw + tx;
				for (int xi = 0; xi < 36; xi++)
					_mm256_storeu_ps(m + ((size_t) xi * tiles + t) * outC + ob * 8, mm[xi]);
			}
		sum[ob] = s;
	}
}

// c[o][j] += sum over t < tiles of a[t][o] b[t][j] for rows o in [o0, o0 + R) and columns j in [j0, j0 + 8 NV):
// a [tiles][rows], b [tiles][n], c [rows][n], row-major. R <= 6, NV <= 2: up to 12 accumulators in registers.
static inline __attribute__((always_inline)) void accumulate_block(const float *a, const float *b, float *c, int tiles,
		int rows, int n, int o0, int j0, int R, int NV) {
	V8 acc[6][2];
	for (int r = 0; r < R; r++)
		for (int q = 0; q < NV; q++) acc[r][q] = _mm256_setzero_ps();
	for (int t = 0; t < tiles; t++) {
		V8 bv[2];
		for (int q = 0; q < NV; q++) bv[q] = _mm256_loadu_ps(b + (size_t) t * n + j0 + 8 * q);
		const float *at = a + (size_t) t * rows + o0;
		for (int r = 0; r < R; r++) {
			V8 x = _mm256_broadcast_ss(at + r);
			for (int q = 0; q < NV; q++) acc[r][q] = _mm256_fmadd_ps(x, bv[q], acc[r][q]);
		}
	}
	for (int r = 0; r < R; r++) // the group's sum added to the others': rounding error grows with the groups' count
		for (int q = 0; q < NV; q++) { // plus the group's tiles', not with all the part's tiles
			float *to = c + (size_t) (o0 + r) * n + j0 + 8 * q;
			_mm256_storeu_ps(to, _mm256_add_ps(_mm256_loadu_ps(to), acc[r][q]));
		}
}

// c[rows x n] += a^T b for a [tiles x rows] and b [tiles x n]; rows and n multiples of 8 (blocks of 6 rows, then 4 or
// 2; 16 columns, then 8).
static void accumulate(const float *a, const float *b, float *c, int tiles, int rows, int n) {
	for (int o = 0; o < rows;) {
		int left = rows - o, R = left >= 6 ? 6 : left;
		for (int j = 0; j < n; j += 16) {
			int NV = n - j >= 16 ? 2 : 1;
			if (R == 6 && NV == 2) accumulate_block(a, b, c, tiles, rows, n, o, j, 6, 2);
			else if (R == 6) accumulate_block(a, b, c, tiles, rows, n, o, j, 6, 1);
			else if (R == 4 && NV == 2) accumulate_block(a, b, c, tiles, rows, n, o, j, 4, 2);
			else if (R == 4) accumulate_block(a, b, c, tiles, rows, n, o, j, 4, 1);
			else if (NV == 2) accumulate_block(a, b, c, tiles, rows, n, o, j, 2, 2);
			else accumulate_block(a, b, c, tiles, rows, n, o, j, 2, 1);
		}
		o += R;
	}
}

// One part's weight gradient in Winograd's domain, F(3x3, 4x4) as the transpose of the forward F(4x4, 3x3): for a
// 4x4 output tile with error y and its 6x6 input tile d, the gradient of the 3x3 kernel is
// G^T [(A y A^T) . (B^T d B)] G (Lavin and Gray), so acc[xi][o][i] sums (A y A^T)[xi] (B^T d B)[xi] over the tiles
// of images [first, end), and acc[36 outC inC + o] the error (the bias's gradient); finish_weights applies G^T . G
// once. acc is overwritten.
// Returns 0, or 1 if memory ran out.
static int weight_gradient(const float *src, const float *diffDst, float *acc, int first, int end, int inC, int outC,
		int h, int w) {
	int tw = (w + 3) / 4, th = (h + 3) / 4, cbIn = inC / 8, cbOut = outC / 8, groupRows = rows_per_group(tw, th, 64);
	size_t maxTiles = (size_t) groupRows * tw, kernels = (size_t) 36 * outC * inC;
	float *v = aligned_alloc(32, (36 * maxTiles * inC * sizeof(float) + 31) / 32 * 32);
	float *m = aligned_alloc(32, (36 * maxTiles * outC * sizeof(float) + 31) / 32 * 32);
	V8 *sum = aligned_alloc(32, cbOut * sizeof(V8));
	if (!v || !m || !sum) {
		free(v);
		free(m);
		free(sum);
		return 1;
	}
	memset(acc, 0, (kernels + outC) * sizeof(float));
	for (int ob = 0; ob < cbOut; ob++) sum[ob] = _mm256_setzero_ps();
	for (int img = first; img < end; img++)
		for (int ty0 = 0; ty0 < th; ty0 += groupRows) {
			int rows = th - ty0 < groupRows ? th - ty0 : groupRows, tiles = rows * tw;
			input_tiles(src + (size_t) img * cbIn * h * w * 8, v, ty0, rows, tw, h, w, cbIn);
			error_tiles(diffDst + (size_t) img * cbOut * h * w * 8, m, sum, ty0, rows, tw, h, w, cbOut);
			for (int xi = 0; xi < 36; xi++)
				accumulate(m + (size_t) xi * tiles * outC, v + (size_t) xi * tiles * inC,
						acc + (size_t) xi * outC * inC, tiles, outC, inC);
		}
	for (int ob = 0; ob < cbOut; ob++) _mm256_storeu_ps(acc + kernels + ob * 8, sum[ob]);
	free(v);
	free(m);
	free(sum);
	return 0;
}

// The weight gradient dw[o][i][3][3] (oihw) = G^T (sum of the parts' acc) G and the bias's db[o] = sum of the parts'
// error sums, from `parts` accumulators `stride` floats apart (weight_gradient's). In double: the parts in order, then
// the transform, whose constants (1/6, 1/12, 1/24) are not exact in binary.
static void finish_weights(const float *acc, int parts, size_t stride, float *dw, float *db, int inC, int outC) {
	static const double G[6][3] = { { 1 / 4., 0, 0 }, { -1 / 6., -1 / 6., -1 / 6. }, { -1 / 6., 1 / 6., -1 / 6. },
			{ 1 / 24., 1 / 12., 1 / 6. }, { 1 / 24., -1 / 12., 1 / 6. }, { 0, 0, 1 } };
	size_t kernels = (size_t) 36 * outC * inC;
	for (int o = 0; o < outC; o++) {
		for (int i = 0; i < inC; i++) {
			double s[36], t[3][6];
			for (int xi = 0; xi < 36; xi++) {
				double x = 0;
				for (int p = 0; p < parts; p++) x += acc[p * stride + (size_t) xi * outC * inC + (size_t) o * inC + i];
				s[xi] = x;
			}
			for (int a = 0; a < 3; a++) // t = G^T s
				for (int c = 0; c < 6; c++) {
					double x = 0;
					for (int r = 0; r < 6; r++) x += G[r][a] * s[r * 6 + c];
					t[a][c] = x;
				}
			float *k = dw + ((size_t) o * inC + i) * 9;
			for (int a = 0; a < 3; a++) // t G
				for (int b = 0; b < 3; b++) {
					double x = 0;
					for (int c = 0; c < 6; c++) x += t[a][c] * G[c][b];
					k[a * 3 + b] = (float) x;
				}
		}
		double x = 0;
		for (int p = 0; p < parts; p++) x += acc[p * stride + kernels + o];
		if (db) db[o] = (float) x;
	}
}

JNIEXPORT jint JNICALL Java_org_convkit_core_cnn_net_WinogradKernels_weightGradient(JNIEnv *env, jclass cls, jlong src,
		jlong diffDst, jlong acc, jint first, jint end, jint inC, jint outC, jint h, jint w) {
	return weight_gradient((const float *) (intptr_t) src, (const float *) (intptr_t) diffDst, (float *) (intptr_t) acc,
			first, end, inC, outC, h, w);
}

JNIEXPORT void JNICALL Java_org_convkit_core_cnn_net_WinogradKernels_finishWeights(JNIEnv *env, jclass cls, jlong acc,
		jint parts, jlong stride, jlong dw, jlong db, jint inC, jint outC) {
	finish_weights((const float *) (intptr_t) acc, parts, (size_t) stride, (float *) (intptr_t) dw,
			(float *) (intptr_t) db, inC, outC);
}
