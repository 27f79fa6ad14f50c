package org.convkit.core.cv;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;

/**
 * Copies between ImageJ's Java pixel arrays and OpenCV matrices. Every ConvKit OpenCV call goes through here, so
 * the copies in and out (the only overhead over raw OpenCV) are in one place. Callers close the Mats they get.
 */
public final class Mats {
	private Mats() {}

	/** A new single-channel 32-bit float Mat holding a copy of {@code pixels} (row-major, width × height). */
	public static Mat fromFloats(float[] pixels, int width, int height) {
		checkLength(pixels.length, width, height);
		Mat mat = new Mat(height, width, CV_32F);
		try (FloatPointer p = new FloatPointer(mat.data())) {
			p.put(pixels, 0, width * height);
		}
		return mat;
	}

	/** Like {@link #fromFloats} but into a {@link MatPool} buffer: give it back with {@link MatPool#release}. */
	public static Mat pooledFromFloats(float[] pixels, int width, int height) {
		checkLength(pixels.length, width, height);
		Mat mat = MatPool.borrow(height, width, CV_32F);
		try (FloatPointer p = new FloatPointer(mat.data())) {
			p.put(pixels, 0, width * height);
		}
		return mat;
	}

	/** A new single-channel 8-bit Mat holding a copy of {@code pixels}. */
	public static Mat fromBytes(byte[] pixels, int width, int height) {
		checkLength(pixels.length, width, height);
		Mat mat = new Mat(height, width, CV_8U);
		mat.data().put(pixels, 0, width * height);
		return mat;
	}

	/** Like {@link #fromBytes} but into a {@link MatPool} buffer: give it back with {@link MatPool#release}. */
	public static Mat pooledFromBytes(byte[] pixels, int width, int height) {
		checkLength(pixels.length, width, height);
		Mat mat = MatPool.borrow(height, width, CV_8U);
		mat.data().put(pixels, 0, width * height);
		return mat;
	}

	/** Copies a continuous CV_32F Mat into {@code out} (allocated when null) and returns it. */
	public static float[] toFloats(Mat mat, float[] out) {
		requireType(mat, CV_32F);
		int n = mat.rows() * mat.cols();
		if (out == null) out = new float[n];
		try (FloatPointer p = new FloatPointer(mat.data())) {
			p.get(out, 0, n);
		}
		return out;
	}

	/** Copies a continuous CV_8U Mat into {@code out} (allocated when null) and returns it. */
	public static byte[] toBytes(Mat mat, byte[] out) {
		requireType(mat, CV_8U);
		int n = mat.rows() * mat.cols();
		if (out == null) out = new byte[n];
		BytePointer p = mat.data();
		p.get(out, 0, n);
		return out;
	}

	private static void requireType(Mat mat, int type) {
		if (mat.type() != type || mat.channels() != 1)
			throw new IllegalArgumentException("Expected a single-channel Mat of type " + type + ", got " + mat.type());
		if (!mat.isContinuous()) throw new IllegalArgumentException("Mat is not continuous");
	}

	private static void checkLength(int length, int width, int height) {
		if (width < 1 || height < 1 || (long) width * height != length)
			throw new IllegalArgumentException("Pixel array of " + length + " does not match " + width + "x" + height);
	}
}
