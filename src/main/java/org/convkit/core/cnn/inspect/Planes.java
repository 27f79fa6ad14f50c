package org.convkit.core.cnn.inspect;

/** Whole-plane operations on NCHW tensors that the image-synthesis methods share: shifts, blur, clipping. */
final class Planes {
	private Planes() {
	}

	/** A copy of every plane shifted circularly by (dy, dx): out(y, x) = in(y - dy, x - dx). */
	static Tensor roll(Tensor t, int dy, int dx) {
		if (dy == 0 && dx == 0) return t.copy();
		float[] out = new float[t.data.length];
		int h = t.height, w = t.width;
		int sy = Math.floorMod(dy, h), sx = Math.floorMod(dx, w);
		for (int p = 0; p < t.n * t.channels; p++) {
			int o = p * h * w;
			for (int y = 0; y < h; y++) {
				int ty = (y + sy) % h;
				for (int x = 0; x < w; x++) out[o + ty * w + (x + sx) % w] = t.data[o + y * w + x];
			}
		}
		return new Tensor(out, t.n, t.channels, h, w);
	}

	/** Gaussian blur of every plane in place (separable, edge pixels repeated, radius 3 sigma). */
	static void blur(Tensor t, double sigma) {
		int r = Math.max(1, (int) Math.ceil(3 * sigma));
		float[] k = new float[2 * r + 1];
		double sum = 0;
		for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
		for (int i = 0; i < k.length; i++) k[i] /= sum;
		int h = t.height, w = t.width;
		float[] tmp = new float[h * w];
		for (int p = 0; p < t.n * t.channels; p++) {
			int o = p * h * w;
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					double s = 0;
					for (int i = -r; i <= r; i++) s += k[i + r] * t.data[o + y * w + Math.min(w - 1, Math.max(0, x + i))];
					tmp[y * w + x] = (float) s;
				}
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					double s = 0;
					for (int i = -r; i <= r; i++) s += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
					t.data[o + y * w + x] = (float) s;
				}
		}
	}

	/** Clips channel c of every image to [lo[c], hi[c]] in place. */
	static void clip(Tensor t, float[] lo, float[] hi) {
		int plane = t.planeSize();
		for (int i = 0; i < t.n; i++)
			for (int c = 0; c < t.channels; c++) {
				int o = t.offset(i, c);
				for (int j = o; j < o + plane; j++) t.data[j] = Math.min(hi[c], Math.max(lo[c], t.data[j]));
			}
	}

	/** Divides each image's values by their mean absolute value (gradient normalisation). */
	static void normaliseEach(Tensor g) {
		int size = g.imageSize();
		for (int i = 0; i < g.n; i++) {
			double s = 0;
			for (int j = i * size; j < (i + 1) * size; j++) s += Math.abs(g.data[j]);
			float inv = (float) (1 / (s / size + 1e-8));
			for (int j = i * size; j < (i + 1) * size; j++) g.data[j] *= inv;
		}
	}
}
