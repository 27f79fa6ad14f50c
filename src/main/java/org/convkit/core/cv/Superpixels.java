package org.convkit.core.cv;

import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_ximgproc.SuperpixelSLIC;

import static org.bytedeco.opencv.global.opencv_core.CV_32S;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_ximgproc.SLICO;
import static org.bytedeco.opencv.global.opencv_ximgproc.createSuperpixelSLIC;

/**
 * Superpixels by OpenCV's SLICO (SLIC with adaptive compactness, {@code ximgproc}): regions of similar
 * neighbouring pixels, about {@code count} of them. RGB images are segmented on their colours; grayscale images
 * (8/16/32-bit) on their values scaled to 0..255 by the plane's range, so the result does not depend on the type.
 * Deterministic for a given image.
 */
public final class Superpixels {
	private Superpixels() {
	}

	/** The label (0 .. n-1, consecutive, in order of first appearance) of every pixel, row by row. */
	public static int[] labels(ImageProcessor ip, int count) {
		int w = ip.getWidth(), h = ip.getHeight();
		if (count < 1 || count > w * h)
			throw new IllegalArgumentException("superpixels must be between 1 and the pixel count " + w * h);
		int region = Math.max(2, (int) Math.round(Math.sqrt((double) w * h / count)));
		int[] raw = new int[w * h];
		try (Mat mat = mat(ip); SuperpixelSLIC slic = createSuperpixelSLIC(mat, SLICO, region, 10f);
				Mat labels = new Mat()) {
			slic.iterate(10);
			slic.enforceLabelConnectivity(25);
			slic.getLabels(labels);
			if (labels.type() != CV_32S || !labels.isContinuous())
				throw new IllegalStateException("unexpected SLIC label type " + labels.type());
			try (IntPointer p = new IntPointer(labels.data())) {
				p.get(raw, 0, raw.length);
			}
		}
		return compact(raw);
	}

	/** Renumbers labels 0, 1, 2, ... in order of first appearance. */
	static int[] compact(int[] raw) {
		java.util.Map<Integer, Integer> ids = new java.util.HashMap<>();
		int[] out = new int[raw.length];
		for (int i = 0; i < raw.length; i++) {
			Integer id = ids.get(raw[i]);
			if (id == null) ids.put(raw[i], id = ids.size());
			out[i] = id;
		}
		return out;
	}

	/** The number of distinct labels in a compact labelling. */
	public static int count(int[] labels) {
		int max = -1;
		for (int l : labels) max = Math.max(max, l);
		return max + 1;
	}

	private static Mat mat(ImageProcessor ip) {
		int w = ip.getWidth(), h = ip.getHeight(), n = w * h;
		if (ip instanceof ColorProcessor) {
			int[] px = (int[]) ip.getPixels();
			byte[] bgr = new byte[3 * n];
			for (int i = 0; i < n; i++) {
				bgr[3 * i] = (byte) px[i];
				bgr[3 * i + 1] = (byte) (px[i] >> 8);
				bgr[3 * i + 2] = (byte) (px[i] >> 16);
			}
			Mat m = new Mat(h, w, CV_8UC3);
			BytePointer d = m.data();
			d.put(bgr, 0, bgr.length);
			return m;
		}
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (int i = 0; i < n; i++) {
			float v = ip.getf(i);
			if (v < min) min = v;
			if (v > max) max = v;
		}
		float scale = max > min && Float.isFinite(max - min) ? 255f / (max - min) : 0f;
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			float x = (ip.getf(i) - min) * scale;
			v[i] = Float.isFinite(x) ? x : 0f;
		}
		return Mats.fromFloats(v, w, h);
	}
}
