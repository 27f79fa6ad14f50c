package org.convkit.core.cnn.input;

import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.filter.Border;

/**
 * One image as network input: planar float values in channel, row, column order (NCHW without the N), at the
 * model's size by the {@link Resize} rule, optionally normalised.
 * <p>
 * Values: grayscale images give their pixel values as ImageJ's {@code getf} returns them (8-bit 0..255, 16-bit
 * 0..65535, 32-bit as stored; the LUT is ignored); RGB images give 3 channels red, green, blue (0..255). Bilinear
 * sampling is pixel-centre aligned: output pixel x samples source {@code (x + 0.5) * srcW / dstW - 0.5}, clamped
 * to the image (no anti-aliasing), so equal sizes copy exactly.
 * <p>
 * Patches cut from a larger image (ROIs, probability maps) come from {@link PatchCutter}; both end in
 * {@link #normalise}.
 */
public final class ImageTensor {
	private ImageTensor() {
	}

	/** 3 for RGB (ColorProcessor), 1 otherwise. */
	public static int channels(ImageProcessor ip) {
		return ip instanceof ColorProcessor ? 3 : 1;
	}

	/** "RGB", "8-bit", "16-bit" or "32-bit": the kinds that may not be mixed in one data set. */
	public static String kind(ImageProcessor ip) {
		return ip instanceof ColorProcessor ? "RGB" : ip.getBitDepth() + "-bit";
	}

	/** The image converted to the format, as a new array of {@link InputFormat#size()} values. */
	public static float[] convert(ImageProcessor ip, InputFormat f) {
		float[] out = new float[f.size()];
		convert(ip, f, out, 0);
		return out;
	}

	/**
	 * Writes the image at the format's size into {@code out[offset ...]}.
	 *
	 * @throws IllegalArgumentException when the image's channels differ from the format's, or when it has NaN or
	 *                                  infinite pixels (a network has no rule for them; see {@link #nonFinite})
	 */
	public static void convert(ImageProcessor ip, InputFormat f, float[] out, int offset) {
		int c = channels(ip);
		if (c != f.channels())
			throw new IllegalArgumentException("The model expects " + describe(f.channels()) + " images but this image is "
					+ describe(c) + " (" + kind(ip) + ")");
		int sw = ip.getWidth(), sh = ip.getHeight(), n = sw * sh;
		if (c == 1 && sw == f.width() && sh == f.height()) { // equal sizes copy exactly under every rule (Placement)
			copyGray(ip, out, offset);
			return;
		}
		if (c == 3 && sw == f.width() && sh == f.height()) { // likewise, channel by channel
			copyRgb((int[]) ip.getPixels(), out, offset);
			return;
		}
		float[][] planes = new float[c][n];
		if (c == 3) {
			int[] px = (int[]) ip.getPixels();
			for (int i = 0; i < n; i++) {
				planes[0][i] = (px[i] >> 16) & 0xff;
				planes[1][i] = (px[i] >> 8) & 0xff;
				planes[2][i] = px[i] & 0xff;
			}
		} else {
			for (int i = 0; i < n; i++) planes[0][i] = ip.getf(i);
			int bad = nonFinite(planes[0]);
			if (bad > 0) throw nonFiniteError(bad);
		}
		int dw = f.width(), dh = f.height(), dn = dw * dh;
		for (int ch = 0; ch < c; ch++)
			place(planes[ch], sw, sh, dw, dh, f.resize(), out, offset + ch * dn);
	}

	/**
	 * An RGB image's red, green and blue planes into {@code out[offset ...]} one after the other, without the three
	 * planes in between: 110 KB of garbage per 96 × 96 image, which in a benchmark JVM landed on fresh pages. Without
	 * it, classifying Small VGG 96 × 96 RGB in batches was about 10 % behind DL4J's output on ready arrays, with it
	 * about 5 % (the rest: conversion and normalisation; a scratch probe, 2026-12-04).
	 */
	private static void copyRgb(int[] px, float[] out, int offset) {
		int n = px.length;
		for (int i = 0; i < n; i++) {
			int p = px[i];
			out[offset + i] = (p >> 16) & 0xff;
			out[offset + n + i] = (p >> 8) & 0xff;
			out[offset + 2 * n + i] = p & 0xff;
		}
	}

	/**
	 * A gray image's values into {@code out[offset ...]} without a plane in between ({@link PatchCutter}'s copy of a
	 * patch that is the whole image): the new array per image cost more than the copy (fresh memory on a virtual
	 * machine; docs/benchmarks.md, "Gray images straight into the batch"). 32-bit images, the ones that can hold NaN
	 * or infinity, are checked first, so a bad image leaves {@code out} as it was.
	 */
	private static void copyGray(ImageProcessor ip, float[] out, int offset) {
		int w = ip.getWidth(), h = ip.getHeight();
		Object pixels = ip.getPixels();
		int bad = pixels instanceof float[] ? nonFinite((float[]) pixels) : 0;
		if (bad > 0) throw nonFiniteError(bad);
		PatchCutter.cut(ip, w / 2, h / 2, w, h, Border.CONSTANT, 0f, out, offset); // all inside: the border is unused
		if (!(pixels instanceof float[] || pixels instanceof byte[] || pixels instanceof short[])) {
			bad = nonFinite(java.util.Arrays.copyOfRange(out, offset, offset + w * h)); // another kind: read by getf
			if (bad > 0) throw nonFiniteError(bad);
		}
	}

	private static IllegalArgumentException nonFiniteError(int bad) {
		return new IllegalArgumentException("The image has " + bad + " NaN or infinite pixel(s): a network "
				+ "cannot use them; replace them first (e.g. Process › Noise › Remove NaNs...)");
	}

	/** The number of NaN or infinite values. */
	public static int nonFinite(float[] values) {
		int n = 0;
		for (float v : values)
			if (!Float.isFinite(v)) n++;
		return n;
	}

	/** "grayscale (1 channel)", "RGB (3 channels)" or "N channels". */
	public static String describe(int channels) {
		return channels == 3 ? "RGB (3 channels)" : channels == 1 ? "grayscale (1 channel)" : channels + " channels";
	}

	/**
	 * (v - mean) / std per channel, in place on one image at {@code offset}. A rule per Image is fitted to this
	 * image's own values first (the image as the network sees it: the converted, resized values).
	 */
	public static void normalise(float[] data, int offset, InputFormat f, Normalisation n) {
		apply(data, offset, f, n.perImage() ? n.forImage(statistics(data, offset, f, n.rule())) : n);
	}

	/** (v - mean) / std per channel with the affine's own numbers (no per-image fitting), in place. */
	public static void apply(float[] data, int offset, InputFormat f, Normalisation affine) {
		int plane = f.width() * f.height();
		for (int ch = 0; ch < f.channels(); ch++) {
			float m = (float) affine.mean(ch), inv = (float) (1 / affine.std(ch));
			for (int i = offset + ch * plane, e = i + plane; i < e; i++) data[i] = (data[i] - m) * inv;
		}
	}

	/** The statistics of each channel of one converted image at {@code offset}, as the rule needs them. */
	public static ChannelStatistics[] statistics(float[] data, int offset, InputFormat f, NormalisationRule rule) {
		int plane = f.width() * f.height();
		ChannelStatistics[] s = new ChannelStatistics[f.channels()];
		for (int ch = 0; ch < s.length; ch++) {
			s[ch] = ChannelStatistics.forRule(rule);
			s[ch].add(data, offset + ch * plane, plane);
		}
		return s;
	}

	/** One plane brought to dw × dh by the rule ({@link Placement}), written to out[offset ...]. */
	static void place(float[] src, int sw, int sh, int dw, int dh, Resize rule, float[] out, int offset) {
		Placement p = Placement.of(sw, sh, dw, dh, rule);
		if (p.scales()) src = scale(src, sw, sh, p.scaledWidth, p.scaledHeight);
		int nw = p.scaledWidth, nh = p.scaledHeight;
		if (nw == dw && nh == dh) { // equal sizes, or Scale
			System.arraycopy(src, 0, out, offset, dw * dh);
		} else if (nw >= dw && nh >= dh) { // Crop: the centre window of the (scaled-up) image
			int x0 = -p.offsetX, y0 = -p.offsetY;
			for (int y = 0; y < dh; y++) System.arraycopy(src, (y + y0) * nw + x0, out, offset + y * dw, dw);
		} else { // Pad: the (scaled-down) image centred on 0
			java.util.Arrays.fill(out, offset, offset + dw * dh, 0f);
			for (int y = 0; y < nh; y++)
				System.arraycopy(src, y * nw, out, offset + (y + p.offsetY) * dw + p.offsetX, nw);
		}
	}

	/** Pixel-centre aligned bilinear resampling (see the class comment) of a sw × sh plane to dw × dh. */
	public static float[] scale(float[] src, int sw, int sh, int dw, int dh) {
		float[] out = new float[dw * dh];
		double fx = (double) sw / dw, fy = (double) sh / dh;
		for (int y = 0; y < dh; y++) {
			double sy = Math.min(Math.max((y + 0.5) * fy - 0.5, 0), sh - 1);
			int y0 = (int) sy, y1 = Math.min(y0 + 1, sh - 1);
			double wy = sy - y0;
			for (int x = 0; x < dw; x++) {
				double sx = Math.min(Math.max((x + 0.5) * fx - 0.5, 0), sw - 1);
				int x0 = (int) sx, x1 = Math.min(x0 + 1, sw - 1);
				double wx = sx - x0;
				double top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
				double bottom = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
				out[y * dw + x] = (float) (top * (1 - wy) + bottom * wy);
			}
		}
		return out;
	}
}
