package org.convkit.plugins.support;

import ij.IJ;
import ij.gui.Roi;
import ij.process.LUT;

import java.awt.Color;
import java.io.File;
import java.lang.reflect.Field;

/**
 * One colour per class, shared by the ROIs Classify ROIs colours and the label image's LUT: Okabe and Ito's
 * colour-blind-safe palette (bright first, for dark fluorescence images; green late, as cytoplasm markers are often
 * shown green), then evenly spaced hues.
 */
public final class ClassColours {
	private static final int[] PALETTE = { 0x56B4E9, 0xE69F00, 0xF0E442, 0xCC79A7, 0x009E73, 0xD55E00, 0x0072B2 };

	private ClassColours() {
	}

	/** The colour of class c (0-based). */
	public static Color of(int c) {
		if (c < PALETTE.length) return new Color(PALETTE[c]);
		float hue = (float) ((c - PALETTE.length) * 0.618033988749895 % 1.0);
		return Color.getHSBColor(hue, 0.8f, 1f);
	}

	/** "#56b4e9". */
	public static String hex(int c) {
		return String.format("#%06x", of(c).getRGB() & 0xffffff);
	}

	/** An 8-bit LUT: 0 black, value c + 1 the colour of class c, the rest black. */
	public static LUT labelLut(int classes) {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int c = 0; c < Math.min(classes, 255); c++) {
			Color col = of(c);
			r[c + 1] = (byte) col.getRed();
			g[c + 1] = (byte) col.getGreen();
			b[c + 1] = (byte) col.getBlue();
		}
		return new LUT(r, g, b);
	}

	/** A LUT from black to the class's colour (a probability channel). */
	public static LUT rampLut(int c) {
		Color col = of(c);
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) (col.getRed() * i / 255);
			g[i] = (byte) (col.getGreen() * i / 255);
			b[i] = (byte) (col.getBlue() * i / 255);
		}
		return new LUT(r, g, b);
	}

	/**
	 * ImageJ colours an ROI by its group from the Glasbey LUT of its luts folder, and logs "LUT not found" for every
	 * ROI whose group is set when that file is missing (plain ImageJ, ./convkit). Then the class palette stands in for
	 * it, once, so setting groups stays quiet; with the file (Fiji) nothing changes.
	 */
	public static void quietGroupColours() {
		String dir = IJ.getDir("luts");
		if (dir != null && (new File(dir, "Glasbey.lut").exists() || new File(dir, "glasbey.lut").exists())) return;
		try {
			Field f = Roi.class.getDeclaredField("glasbeyLut");
			f.setAccessible(true);
			if (f.get(null) == null) f.set(null, labelLut(255));
		} catch (ReflectiveOperationException | RuntimeException e) {
			// another ImageJ version: it may log, nothing worse
		}
	}
}
