package org.convkit.core.cnn.patch;

import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.SourcePlanes;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.train.Predictor;

/**
 * A class-probability map of one image plane: the model slides over the plane and classifies the patch around
 * window centres {@code stride} pixels apart (patches made as in training, {@link SourcePlanes#patch}, in batches).
 * Each pixel gets the weighted average of the windows whose centres surround it, weighted by closeness (1 at a
 * centre, falling linearly to 0 at the neighbouring centres: bilinear interpolation between the windows' results).
 * So a pixel that is a window centre — every pixel with stride 1 — holds exactly the probabilities of the patch
 * centred on it, which is what Classify ROIs gives for an ROI centred there; between centres the windows' results
 * blend smoothly.
 * <p>
 * Centres: x = 0, stride, 2·stride, ... and the last column (width − 1), likewise y; all inside the image. Memory:
 * the weighted probabilities are added into the caller's preallocated output planes as each batch comes back; no
 * window's result is kept, so memory is the output plus one batch of patches, however large the plane.
 */
public final class ProbabilityMap {
	/** Called after each batch of windows. */
	public interface Progress {
		void update(long done, long total);
	}

	private final ModelBundle bundle;
	private final int stride;
	private final InputFormat format;
	private int batchSize = 256;
	private Progress progress = (d, t) -> {};
	private volatile boolean cancelled;

	/** @throws IllegalArgumentException for a stride below 1 */
	public ProbabilityMap(ModelBundle bundle, int stride) {
		if (bundle == null) throw new IllegalArgumentException("model missing");
		if (stride < 1) throw new IllegalArgumentException("stride=" + stride + " must be at least 1 (pixels between "
				+ "window centres)");
		this.bundle = bundle;
		this.stride = stride;
		this.format = PatchClassifier.format(bundle);
	}

	public ProbabilityMap batchSize(int n) {
		if (n < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + n);
		batchSize = n;
		return this;
	}

	public ProbabilityMap progress(Progress p) {
		progress = p == null ? (d, t) -> {} : p;
		return this;
	}

	/** Stops after the current batch (from any thread, e.g. on Esc). */
	public void cancel() {
		cancelled = true;
	}

	/** The window centres along a side of n pixels: 0, stride, ... and n − 1. */
	public static int[] centres(int n, int stride) {
		int count = (n - 1) / stride + 1;
		boolean last = (count - 1) * stride != n - 1;
		int[] c = new int[count + (last ? 1 : 0)];
		for (int i = 0; i < count; i++) c[i] = i * stride;
		if (last) c[count] = n - 1;
		return c;
	}

	/** Windows on a plane of this size. */
	public long windows(int width, int height) {
		return (long) centres(width, stride).length * centres(height, stride).length;
	}

	/**
	 * Adds the plane's class probabilities into {@code out[class][y × width + x]} (zero-filled by the caller, one array
	 * per class of width × height).
	 *
	 * @return false when cancelled (out then holds only part of the map)
	 */
	public boolean compute(SourcePlanes planes, float[][] out) {
		int w = planes.width(), h = planes.height(), k = bundle.labels().size();
		if (out.length != k) throw new IllegalArgumentException(out.length + " output planes for " + k + " classes");
		int[] cx = centres(w, stride), cy = centres(h, stride);
		long total = (long) cx.length * cy.length;
		int size = format.size();
		int batch = (int) Math.min(batchSize, total);
		float[] x = new float[batch * size];
		int[] bx = new int[batch], by = new int[batch]; // grid indices of the batch's windows
		Predictor predictor = new Predictor(bundle);
		long done = 0;
		int n = 0;
		for (int j = 0; j < cy.length; j++)
			for (int i = 0; i < cx.length; i++) {
				planes.patch(cx[i], cy[j], null, format, bundle.normalisation(), x, n * size);
				bx[n] = i;
				by[n] = j;
				if (++n == batch || done + n == total) {
					if (cancelled) return false;
					float[] features = n == batch ? x : java.util.Arrays.copyOf(x, n * size);
					float[][] p = predictor.predictNormalised(NdArrays.array(features, n, format.channels(),
							format.height(), format.width()));
					for (int m = 0; m < n; m++) spread(p[m], bx[m], by[m], cx, cy, w, out);
					done += n;
					n = 0;
					progress.update(done, total);
				}
			}
		return true;
	}

	/** Adds one window's probabilities, weighted by the tent between its neighbouring centres. */
	private static void spread(float[] p, int i, int j, int[] cx, int[] cy, int w, float[][] out) {
		int x0 = i > 0 ? cx[i - 1] + 1 : cx[i], x1 = i < cx.length - 1 ? cx[i + 1] - 1 : cx[i];
		int y0 = j > 0 ? cy[j - 1] + 1 : cy[j], y1 = j < cy.length - 1 ? cy[j + 1] - 1 : cy[j];
		for (int y = y0; y <= y1; y++) {
			float wy = weight(y, j, cy);
			for (int x = x0; x <= x1; x++) {
				float weight = wy * weight(x, i, cx);
				int at = y * w + x;
				if (weight == 1f) for (int c = 0; c < p.length; c++) out[c][at] += p[c];
				else for (int c = 0; c < p.length; c++) out[c][at] += weight * p[c];
			}
		}
	}

	/** 1 at centre i, falling linearly to 0 at its neighbours. */
	private static float weight(int v, int i, int[] c) {
		int d = v - c[i];
		if (d == 0) return 1f;
		return d < 0 ? (float) (v - c[i - 1]) / (c[i] - c[i - 1]) : (float) (c[i + 1] - v) / (c[i + 1] - c[i]);
	}
}
