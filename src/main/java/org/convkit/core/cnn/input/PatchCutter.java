package org.convkit.core.cnn.input;

import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.filter.Border;

/**
 * Cuts a width × height patch out of one plane, centred on a pixel: the patch's pixel (width / 2, height / 2)
 * (integer division: for even sizes the lower-right of the four centre pixels, Apply Kernel's anchor) is image pixel
 * (cx, cy). Pixels beyond the image edge follow the {@link Border} rule, as in Apply Kernel. Values are the raw pixel
 * values (8-bit 0..255, 16-bit 0..65535, 32-bit as stored: 16-bit data never passes through 8 bits). Training, ROI
 * classification and probability maps all cut through here ({@link SourcePlanes}).
 */
public final class PatchCutter {
	private PatchCutter() {
	}

	/** Writes the patch into {@code out[offset ...]} (row-major, width × height). */
	public static void cut(ImageProcessor ip, int cx, int cy, int width, int height, Border border, float constant,
			float[] out, int offset) {
		int w = ip.getWidth(), h = ip.getHeight();
		int x0 = cx - width / 2, y0 = cy - height / 2;
		boolean inside = x0 >= 0 && y0 >= 0 && x0 + width <= w && y0 + height <= h;
		Object px = ip.getPixels();
		for (int v = 0; v < height; v++) {
			int o = offset + v * width;
			if (inside) { // rows straight from the pixel array
				int s = (y0 + v) * w + x0;
				if (px instanceof short[]) {
					short[] p = (short[]) px;
					for (int u = 0; u < width; u++) out[o + u] = p[s + u] & 0xffff;
				} else if (px instanceof byte[]) {
					byte[] p = (byte[]) px;
					for (int u = 0; u < width; u++) out[o + u] = p[s + u] & 0xff;
				} else if (px instanceof float[]) {
					System.arraycopy(px, s, out, o, width);
				} else {
					for (int u = 0; u < width; u++) out[o + u] = ip.getf(s + u);
				}
				continue;
			}
			int sy = border.index(y0 + v, h);
			for (int u = 0; u < width; u++) {
				int sx = border.index(x0 + u, w);
				out[o + u] = sx < 0 || sy < 0 ? constant : ip.getf(sy * w + sx);
			}
		}
	}

	/** Sets the patch pixels outside the region to 0 in every channel (call after normalising). */
	public static void blankOutside(RegionMask region, int cx, int cy, InputFormat f, float[] out, int offset) {
		int width = f.width(), height = f.height(), plane = width * height;
		int x0 = cx - width / 2, y0 = cy - height / 2;
		for (int v = 0; v < height; v++)
			for (int u = 0; u < width; u++)
				if (!region.contains(x0 + u, y0 + v))
					for (int ch = 0; ch < f.channels(); ch++) out[offset + ch * plane + v * width + u] = 0f;
	}

	/** The whole-plane statistics a rule per Image needs (exact histograms for 8- and 16-bit planes). */
	public static ChannelStatistics statistics(ImageProcessor ip, NormalisationRule rule) {
		ChannelStatistics s = ChannelStatistics.forRule(rule);
		if (ip instanceof ShortProcessor) s.addShorts((short[]) ip.getPixels());
		else if (ip instanceof ByteProcessor) s.addBytes((byte[]) ip.getPixels());
		else {
			float[] f = ip instanceof FloatProcessor ? (float[]) ip.getPixels()
					: (float[]) ip.convertToFloatProcessor().getPixels();
			s.add(f, 0, f.length);
		}
		return s;
	}
}
