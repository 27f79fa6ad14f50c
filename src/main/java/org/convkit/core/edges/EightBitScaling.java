package org.convkit.core.edges;

/**
 * The rules that turn a non-8-bit plane into the 8-bit input Canny needs; the same as ImageJ's Image › Type › 8-bit
 * with "Scale when converting", applied to an explicit display range (what the user sees):
 * <ul>
 * <li>16-bit: {@code v8 = min(255, (int)(max(v − min, 0) · 256/(max − min + 1) + 0.5))}, min/max as integers;</li>
 * <li>32-bit: {@code v8 = min(255, (int)(max(v − min, 0) · 255/(max − min) + 0.5))}; NaN → 0; a flat range
 * (max ≤ min) gives 255 above min and 0 elsewhere;</li>
 * <li>RGB: {@code (int)(r·wr + g·wg + b·wb + 0.5)}; ImageJ's weights are 1/3 each unless Edit › Options ›
 * Conversions › "Weighted RGB conversions" is set.</li>
 * </ul>
 */
public final class EightBitScaling {
	private EightBitScaling() {}

	public static byte[] fromShorts(short[] px, double displayMin, double displayMax) {
		int min = (int) displayMin, max = (int) displayMax;
		double scale = 256.0 / (max - min + 1);
		byte[] out = new byte[px.length];
		for (int i = 0; i < px.length; i++) {
			int v = (px[i] & 0xffff) - min;
			if (v < 0) v = 0;
			v = (int) (v * scale + 0.5);
			out[i] = (byte) Math.min(255, v);
		}
		return out;
	}

	public static byte[] fromFloats(float[] px, double displayMin, double displayMax) {
		byte[] out = new byte[px.length];
		boolean flat = !(displayMax > displayMin);
		double scale = flat ? 0 : 255.0 / (displayMax - displayMin);
		for (int i = 0; i < px.length; i++) {
			double v = px[i] - displayMin;
			if (Double.isNaN(v) || v < 0) v = 0;
			int iv = flat ? (v > 0 ? 255 : 0) : (int) Math.min(255, v * scale + 0.5);
			out[i] = (byte) iv;
		}
		return out;
	}

	/** {@code weights} = {red, green, blue}, e.g. ImageJ's ColorProcessor.getWeightingFactors(). */
	public static byte[] fromRgb(int[] px, double[] weights) {
		if (weights == null || weights.length != 3) throw new IllegalArgumentException("RGB weights must be 3 numbers");
		byte[] out = new byte[px.length];
		for (int i = 0; i < px.length; i++) {
			int c = px[i];
			int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
			out[i] = (byte) (r * weights[0] + g * weights[1] + b * weights[2] + 0.5);
		}
		return out;
	}

	/** Unsigned 8-bit values as floats (the gradient filters' input for 8-bit and RGB-gray planes). */
	public static float[] toFloats(byte[] px) {
		float[] out = new float[px.length];
		for (int i = 0; i < px.length; i++) out[i] = px[i] & 0xff;
		return out;
	}
}
