package org.convkit.core.filter;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.convkit.core.cnn.spec.Padding;
import org.convkit.core.cv.MatPool;
import org.convkit.core.cv.Mats;
import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_imgproc.filter2D;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Correlates a 32-bit plane with a {@link Kernel} through OpenCV's filter2D (which switches to a DFT for large
 * kernels). Only pixels inside the region are written; neighbours outside it but inside the image are read, and
 * the {@link Border} makes up pixels beyond the image edge.
 * <p>
 * Copies: the whole-image case with a border filter2D supports (Reflect, Replicate, Constant 0) is one copy in,
 * filter2D, one copy out. Otherwise the region plus the kernel's reach is copied once into a padded Mat whose rim
 * holds the border pixels, filter2D runs on the region's view of it (OpenCV reads a view's neighbours from the
 * parent Mat unless BORDER_ISOLATED is given), and the region is copied out.
 */
public final class KernelCorrelator {
	/** Whole-image correlations running right now, across threads. */
	private static final AtomicInteger ACTIVE = new AtomicInteger();

	private KernelCorrelator() {}

	/**
	 * Writes the correlation of {@code pixels} (row-major, {@code width × height}) with {@code kernel} into
	 * {@code pixels} inside {@code region}. {@code constant} is the outside value for {@link Border#CONSTANT}.
	 */
	public static void apply(float[] pixels, int width, int height, Region region, Kernel kernel, Border border,
			double constant) {
		check(pixels, width, height, region, kernel, border, constant);
		try (Mat k = Mats.fromFloats(kernel.floatValues(), kernel.width(), kernel.height());
				Point anchor = new Point(-1, -1)) {
			boolean native0 = border != Border.WRAP && !(border == Border.CONSTANT && constant != 0);
			if (region.isWhole(width, height) && native0) {
				correlateInStrips(pixels, width, height, k, border);
				return;
			}
			int ax = kernel.anchorX(), ay = kernel.anchorY();
			int pw = region.width + kernel.width() - 1, ph = region.height + kernel.height() - 1;
			try (Mat padded = padded(pixels, width, height, region, kernel, border, (float) constant, pw, ph);
					Rect inner = new Rect(ax, ay, region.width, region.height);
					Mat view = padded.apply(inner);
					Mat dst = new Mat(region.height, region.width, CV_32F)) {
				// Any non-isolated border type: every pixel the view needs is inside the padded parent.
				filter2D(view, dst, CV_32F, k, anchor, 0, BORDER_REPLICATE);
				try (FloatPointer out = new FloatPointer(dst.data())) {
					for (int j = 0; j < region.height; j++)
						out.position((long) j * region.width).get(pixels, (region.y + j) * width + region.x,
								region.width);
				}
			}
		}
	}

	/** The grids of {@code kernel} with the stride and padding on a width × height plane (see {@link WindowGrid#kernel}). */
	public static WindowGrid[] grids(int width, int height, Kernel kernel, int stride, Padding padding) {
		return new WindowGrid[] {WindowGrid.kernel(width, kernel.width(), stride, padding),
				WindowGrid.kernel(height, kernel.height(), stride, padding)};
	}

	/**
	 * A strided and/or Valid correlation as a new array of gx.out × gy.out: the stride-1 result (what
	 * {@link #apply} writes, borders included) at the pixels under the kernel's anchor, {@link WindowGrid#anchor}.
	 * Same: pixels 0, s, 2s, ...; Valid: only windows that lie wholly inside the image, so the border does not
	 * matter. {@code pixels} is not changed.
	 */
	public static float[] applyStrided(float[] pixels, int width, int height, Kernel kernel, Border border,
			double constant, WindowGrid gx, WindowGrid gy) {
		if (gx.size != width || gy.size != height || gx.window != kernel.width() || gy.window != kernel.height())
			throw new IllegalArgumentException("The grids " + gx + " / " + gy + " do not fit the image and kernel.");
		float[] full = pixels.clone();
		apply(full, width, height, Region.whole(width, height), kernel, border, constant);
		float[] out = new float[gx.out * gy.out];
		for (int oy = 0; oy < gy.out; oy++) {
			int row = gy.anchor(oy) * width;
			for (int ox = 0; ox < gx.out; ox++) out[oy * gx.out + ox] = full[row + gx.anchor(ox)];
		}
		return out;
	}

	/**
	 * The whole-image path: filter2D runs on one core here (measured: 1 or 2 OpenCV threads give the same time),
	 * so the image is cut into horizontal strips, one per core, each copied in, filtered and copied out on its
	 * own thread. Each strip is a view of the full source Mat, so its rows beyond the strip are real neighbours
	 * (not border pixels) and the result is identical to one filter2D call. All strips are copied in first.
	 */
	private static void correlateInStrips(float[] pixels, int width, int height, Mat kernel, Border border) {
		// Stack planes already run in parallel (PlugInFilterRunner, one thread per core): share the cores out.
		int concurrent = ACTIVE.incrementAndGet();
		try {
			int cores = Runtime.getRuntime().availableProcessors();
			int strips = Math.max(1, Math.min(cores / concurrent, height / 64));
			correlateInStrips(pixels, width, height, kernel, border, strips);
		} finally {
			ACTIVE.decrementAndGet();
		}
	}

	private static void correlateInStrips(float[] pixels, int width, int height, Mat kernel, Border border,
			int strips) {
		Mat src = MatPool.borrow(height, width, CV_32F);
		Mat dst = MatPool.borrow(height, width, CV_32F);
		try {
			IntStream.range(0, strips).parallel().forEach(s -> {
				int y0 = height * s / strips, y1 = height * (s + 1) / strips;
				try (FloatPointer in = new FloatPointer(src.data())) {
					in.position((long) y0 * width).put(pixels, y0 * width, (y1 - y0) * width);
				}
			});
			IntStream.range(0, strips).parallel().forEach(s -> {
				int y0 = height * s / strips, y1 = height * (s + 1) / strips;
				try (Mat from = src.rowRange(y0, y1); Mat to = dst.rowRange(y0, y1); Point anchor = new Point(-1, -1);
						FloatPointer out = new FloatPointer(dst.data())) {
					filter2D(from, to, CV_32F, kernel, anchor, 0, border.openCv);
					out.position((long) y0 * width).get(pixels, y0 * width, (y1 - y0) * width);
				}
			});
		} finally {
			MatPool.release(src);
			MatPool.release(dst);
		}
	}

	/** The region plus the kernel's reach on each side, with out-of-image pixels made up by {@code border}. */
	private static Mat padded(float[] pixels, int width, int height, Region region, Kernel kernel, Border border,
			float constant, int pw, int ph) {
		Mat mat = new Mat(ph, pw, CV_32F);
		int x0 = region.x - kernel.anchorX(), y0 = region.y - kernel.anchorY();
		// Columns [inL, inR) of each padded row come straight from the image row; the others are border pixels.
		int inL = Math.max(0, -x0), inR = Math.min(pw, width - x0);
		int[] columns = new int[pw];
		for (int i = 0; i < pw; i++) columns[i] = border.index(x0 + i, width);
		float[] left = new float[inL], right = new float[Math.max(0, pw - inR)];
		float[] constantRow = null;
		try (FloatPointer p = new FloatPointer(mat.data())) {
			for (int j = 0; j < ph; j++) {
				long rowStart = (long) j * pw;
				int yy = border.index(y0 + j, height);
				if (yy < 0) {
					if (constantRow == null) {
						constantRow = new float[pw];
						java.util.Arrays.fill(constantRow, constant);
					}
					p.position(rowStart).put(constantRow, 0, pw);
					continue;
				}
				int base = yy * width;
				if (inR > inL) p.position(rowStart + inL).put(pixels, base + x0 + inL, inR - inL);
				for (int i = 0; i < left.length; i++) left[i] = columns[i] < 0 ? constant : pixels[base + columns[i]];
				for (int i = 0; i < right.length; i++) {
					int c = columns[inR + i];
					right[i] = c < 0 ? constant : pixels[base + c];
				}
				if (left.length > 0) p.position(rowStart).put(left, 0, left.length);
				if (right.length > 0) p.position(rowStart + inR).put(right, 0, right.length);
			}
		}
		return mat;
	}

	private static void check(float[] pixels, int width, int height, Region region, Kernel kernel, Border border,
			double constant) {
		if (pixels == null || width < 1 || height < 1 || (long) width * height != pixels.length)
			throw new IllegalArgumentException("The pixel array does not match " + width + "x" + height + ".");
		if (region.x + region.width > width || region.y + region.height > height)
			throw new IllegalArgumentException("Region " + region + " is outside the " + width + "x" + height
					+ " image.");
		if (kernel.width() > width || kernel.height() > height)
			throw new IllegalArgumentException("The kernel (" + kernel.width() + "x" + kernel.height()
					+ ") is larger than the image (" + width + "x" + height + ").");
		if (border == null) throw new IllegalArgumentException("No border given.");
		if (!Double.isFinite(constant))
			throw new IllegalArgumentException("The border value " + constant + " is not a finite number.");
	}
}
