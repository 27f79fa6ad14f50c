package org.convkit.core.filter;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.convkit.core.cv.Mats;
import org.convkit.core.image.Region;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REFLECT;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.DFT_COMPLEX_OUTPUT;
import static org.bytedeco.opencv.global.opencv_core.DFT_REAL_OUTPUT;
import static org.bytedeco.opencv.global.opencv_core.DFT_SCALE;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_core.dft;
import static org.bytedeco.opencv.global.opencv_core.getOptimalDFTSize;
import static org.bytedeco.opencv.global.opencv_core.idft;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;

/**
 * High-pass filters on one float plane, in place inside a {@link Region} (pixels outside it are read, never written).
 * <ul>
 * <li>Gaussian: {@code out = in − GaussianBlur(in, σ) + offset}; OpenCV GaussianBlur with a kernel radius of
 * {@code ceil(σ·sqrt(−2·ln 0.0002)) + 1} (the radius ImageJ's GaussianBlur uses at accuracy 0.0002) and
 * BORDER_REPLICATE (ImageJ's GaussianBlur uses the edge pixels for out-of-image pixels).</li>
 * <li>FFT: Butterworth {@code H(f) = 1 / (1 + (f_c/f)^(2n))}, {@code f_c = 1/cutoff}, H(0) = 0; order 0 is the ideal
 * filter {@code H = 1 if f ≥ f_c else 0}. f = sqrt((u/W')² + (v/H')²) cycles/pixel on the padded W'×H' grid. Each
 * dimension n is mirror-padded (edge pixel repeated, numpy 'symmetric', OpenCV BORDER_REFLECT) to
 * {@link #paddedSize(int)} = getOptimalDFTSize(2n), the image centred ({@code (n'−n)/2} before), so the periodic
 * wrap-around seam lies about n/2 pixels away from the image.</li>
 * </ul>
 * Non-finite pixels (the README's policy): the Gaussian method computes pixel by pixel in IEEE arithmetic, so a NaN
 * reaches only the pixels within the blur's radius and stays NaN itself. A transform would carry one NaN into every
 * pixel, so the FFT method fills NaN and infinite pixels with the mean of the plane's finite pixels for the
 * transform and puts them back afterwards: they are unchanged, every other pixel is filtered.
 */
public final class HighPass {
	private HighPass() {}

	/** Filters {@code pixels} (width × height, row-major) in place inside {@code region}. */
	public static void apply(float[] pixels, int width, int height, Region region, HighPassParams p) {
		if ((long) width * height != pixels.length)
			throw new IllegalArgumentException("Pixel array of " + pixels.length + " does not match " + width + "x" + height);
		if (region.x + region.width > width || region.y + region.height > height)
			throw new IllegalArgumentException("Region " + region + " is outside the " + width + "x" + height + " image");
		if (p.method == HighPassParams.Method.GAUSSIAN) gaussian(pixels, width, height, region, p.sigma, p.offset);
		else fft(pixels, width, height, region, p.cutoff, p.order, p.offset);
	}

	/** The whole image, in place. */
	public static void apply(float[] pixels, int width, int height, HighPassParams p) {
		apply(pixels, width, height, Region.whole(width, height), p);
	}

	/** Checks that the filter can run on a width × height image (FFT on a single pixel is meaningless). */
	public static void checkSize(int width, int height, HighPassParams p) {
		if (p.method == HighPassParams.Method.FFT && (long) width * height < 2)
			throw new IllegalArgumentException("The FFT high-pass needs an image of at least 2 pixels; this one is "
					+ width + "x" + height + ".");
	}

	/** The Gaussian kernel radius used for {@code sigma}. */
	public static int gaussianRadius(double sigma) {
		return (int) Math.ceil(sigma * Math.sqrt(-2 * Math.log(0.0002))) + 1;
	}

	/** The padded FFT size of a dimension of {@code n} pixels: getOptimalDFTSize(2n), or 1 when n is 1. */
	public static int paddedSize(int n) {
		return n == 1 ? 1 : getOptimalDFTSize(2 * n);
	}

	/** The Butterworth (order ≥ 1) or ideal (order 0) high-pass response at frequency f cycles/pixel. */
	public static double response(double f, double cutoff, int order) {
		double fc = 1 / cutoff;
		if (order == 0) return f >= fc ? 1 : 0;
		if (f == 0) return 0;
		return 1 / (1 + Math.pow(fc / f, 2.0 * order));
	}

	private static void gaussian(float[] px, int w, int h, Region r, double sigma, double offset) {
		int radius = gaussianRadius(sigma);
		// Blur only the region plus the kernel's reach: a margin ≥ radius makes the crop's border irrelevant.
		int x0 = Math.max(0, r.x - radius), y0 = Math.max(0, r.y - radius);
		int x1 = Math.min(w, r.x + r.width + radius), y1 = Math.min(h, r.y + r.height + radius);
		int cw = x1 - x0, ch = y1 - y0;
		float[] crop = new float[cw * ch];
		for (int y = 0; y < ch; y++)
			System.arraycopy(px, (y + y0) * w + x0, crop, y * cw, cw);
		float[] blurred;
		try (Mat src = Mats.fromFloats(crop, cw, ch); Mat dst = new Mat(); Size k = new Size(2 * radius + 1, 2 * radius + 1)) {
			GaussianBlur(src, dst, k, sigma, sigma, BORDER_REPLICATE);
			blurred = Mats.toFloats(dst, null);
		}
		for (int y = r.y; y < r.y + r.height; y++)
			for (int x = r.x; x < r.x + r.width; x++) {
				int i = y * w + x, j = (y - y0) * cw + (x - x0);
				px[i] = (float) (px[i] - blurred[j] + offset);
			}
	}

	/** The number of NaN or infinite pixels; the FFT method fills them for the transform and restores them. */
	public static int nonFinite(float[] pixels) {
		int n = 0;
		for (float v : pixels)
			if (!Float.isFinite(v)) n++;
		return n;
	}

	private static void fft(float[] px, int w, int h, Region r, double cutoff, int order, double offset) {
		checkSize(w, h, HighPassParams.fft(cutoff, order, offset));
		int pw = paddedSize(w), ph = paddedSize(h);
		int left = (pw - w) / 2, top = (ph - h) / 2;
		float[] in = px;
		if (nonFinite(px) > 0) {
			double sum = 0;
			int finite = 0;
			for (float v : px)
				if (Float.isFinite(v)) {
					sum += v;
					finite++;
				}
			float fill = finite == 0 ? 0 : (float) (sum / finite);
			in = px.clone();
			for (int i = 0; i < in.length; i++)
				if (!Float.isFinite(in[i])) in[i] = fill;
		}
		float[] out;
		try (Mat src = Mats.fromFloats(in, w, h); Mat padded = new Mat(); Mat spectrum = new Mat(); Mat back = new Mat()) {
			copyMakeBorder(src, padded, top, ph - h - top, left, pw - w - left, BORDER_REFLECT);
			dft(padded, spectrum, DFT_COMPLEX_OUTPUT, 0);
			float[] c = new float[2 * pw * ph];
			try (FloatPointer fp = new FloatPointer(spectrum.data())) {
				fp.get(c, 0, c.length);
				multiplyByResponse(c, pw, ph, cutoff, order);
				fp.put(c, 0, c.length);
			}
			idft(spectrum, back, DFT_SCALE | DFT_REAL_OUTPUT, 0);
			out = Mats.toFloats(back, null);
		}
		for (int y = r.y; y < r.y + r.height; y++)
			for (int x = r.x; x < r.x + r.width; x++)
				if (Float.isFinite(px[y * w + x])) px[y * w + x] = (float) (out[(y + top) * pw + x + left] + offset);
	}

	private static void multiplyByResponse(float[] c, int pw, int ph, double cutoff, int order) {
		for (int v = 0; v < ph; v++) {
			double fv = (v <= ph / 2 ? v : v - ph) / (double) ph;
			for (int u = 0; u < pw; u++) {
				double fu = (u <= pw / 2 ? u : u - pw) / (double) pw;
				float g = (float) response(Math.sqrt(fu * fu + fv * fv), cutoff, order);
				int i = 2 * (v * pw + u);
				c[i] *= g;
				c[i + 1] *= g;
			}
		}
	}
}
