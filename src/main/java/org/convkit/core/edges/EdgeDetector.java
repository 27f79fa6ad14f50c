package org.convkit.core.edges;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.convkit.core.cv.MatPool;
import org.convkit.core.cv.Mats;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REFLECT_101;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgproc.Canny;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.Scharr;
import static org.bytedeco.opencv.global.opencv_imgproc.Sobel;

/**
 * OpenCV edge detectors on one plane; thread-safe, no GUI. Borders: BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba) for
 * Sobel, Scharr, Laplacian and the Canny pre-blur; OpenCV's Canny computes its own internal Sobel gradient.
 * <ul>
 * <li>Canny: 8-bit input ({@link EightBitScaling} for other types), result 0/255.</li>
 * <li>Sobel/Scharr: 32-bit dx, dy (correlation with the textbook kernels, x to the right, y down), magnitude
 * sqrt(dx²+dy²), or direction atan2(dy, dx) in degrees, −180..180 (y down, so 90 points down the image).</li>
 * <li>Laplacian: 32-bit, d²/dx² + d²/dy² (OpenCV kernels; ksize 1 = [0 1 0; 1 −4 1; 0 1 0]).</li>
 * </ul>
 */
public final class EdgeDetector {
	/** Images must be at least this wide and high: the smallest neighbourhood is 3×3. */
	public static final int MIN_SIZE = 3;

	private EdgeDetector() {}

	public static void checkSize(int width, int height) {
		if (width < MIN_SIZE || height < MIN_SIZE)
			throw new IllegalArgumentException("Edge detection needs an image of at least " + MIN_SIZE + "x" + MIN_SIZE
					+ " pixels; this one is " + width + "x" + height + ".");
	}

	/** Canny edges of an 8-bit plane: a new array, 255 on edges, 0 elsewhere. */
	public static byte[] canny(byte[] gray, int width, int height, EdgeParams p) {
		require(p, p.method == EdgeParams.Method.CANNY);
		checkSize(width, height);
		byte[] input = p.blur > 0 ? blur(gray, width, height, p.blur) : gray;
		// Pooled buffers: first-touch page faults of new native memory cost as much as a copy (see MatPool).
		Mat src = Mats.pooledFromBytes(input, width, height);
		Mat edges = MatPool.borrow(height, width, CV_8U);
		try {
			Canny(src, edges, p.low, p.high, p.aperture, p.l2);
			return Mats.toBytes(edges, null);
		} finally {
			MatPool.release(src);
			MatPool.release(edges);
		}
	}

	/** The Gaussian kernel radius of the Canny pre-blur: ceil(4σ). */
	public static int blurRadius(double sigma) {
		return Math.max(1, (int) Math.ceil(4 * sigma));
	}

	private static byte[] blur(byte[] gray, int w, int h, double sigma) {
		int k = 2 * blurRadius(sigma) + 1;
		float[] blurred;
		try (Mat src = Mats.fromFloats(EightBitScaling.toFloats(gray), w, h); Mat dst = new Mat(); Size size = new Size(k, k)) {
			GaussianBlur(src, dst, size, sigma, sigma, BORDER_REFLECT_101);
			blurred = Mats.toFloats(dst, null);
		}
		byte[] out = new byte[blurred.length];
		for (int i = 0; i < out.length; i++) out[i] = (byte) Math.max(0, Math.min(255, Math.round(blurred[i])));
		return out;
	}

	/**
	 * Sobel, Scharr or Laplacian of a float plane (raw values, no scaling): a new 32-bit array. NaN pixels are NaN
	 * in the result (OpenCV skips the zero weights of a derivative kernel, e.g. the centre of Sobel X) and reach only
	 * the pixels whose kernel covers them.
	 */
	public static float[] gradient(float[] pixels, int width, int height, EdgeParams p) {
		float[] out = gradientOf(pixels, width, height, p);
		for (int i = 0; i < pixels.length; i++)
			if (pixels[i] != pixels[i]) out[i] = Float.NaN;
		return out;
	}

	private static float[] gradientOf(float[] pixels, int width, int height, EdgeParams p) {
		require(p, p.method != EdgeParams.Method.CANNY);
		checkSize(width, height);
		try (Mat src = Mats.fromFloats(pixels, width, height)) {
			if (p.method == EdgeParams.Method.LAPLACIAN) {
				try (Mat dst = new Mat()) {
					Laplacian(src, dst, CV_32F, p.ksize, 1, 0, BORDER_REFLECT_101);
					return Mats.toFloats(dst, null);
				}
			}
			float[] dx = p.output == EdgeParams.Gradient.Y ? null : derivative(src, p, 1, 0);
			float[] dy = p.output == EdgeParams.Gradient.X ? null : derivative(src, p, 0, 1);
			switch (p.output) {
				case X:
					return dx;
				case Y:
					return dy;
				case DIRECTION:
					for (int i = 0; i < dx.length; i++) dx[i] = (float) Math.toDegrees(Math.atan2(dy[i], dx[i]));
					return dx;
				default:
					for (int i = 0; i < dx.length; i++) dx[i] = (float) Math.sqrt((double) dx[i] * dx[i] + (double) dy[i] * dy[i]);
					return dx;
			}
		}
	}

	private static float[] derivative(Mat src, EdgeParams p, int dx, int dy) {
		try (Mat dst = new Mat()) {
			if (p.method == EdgeParams.Method.SCHARR) Scharr(src, dst, CV_32F, dx, dy, 1, 0, BORDER_REFLECT_101);
			else Sobel(src, dst, CV_32F, dx, dy, p.ksize, 1, 0, BORDER_REFLECT_101);
			return Mats.toFloats(dst, null);
		}
	}

	private static void require(EdgeParams p, boolean ok) {
		if (!ok) throw new IllegalArgumentException("Wrong detector for method " + p.method.label);
	}
}
