package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.plugin.LutLoader;
import ij.process.ImageProcessor;
import ij.process.LUT;

/**
 * The look of saliency maps: a "fire" LUT from 0 for magnitudes, a blue–white–red LUT with a display range
 * symmetric around 0 for signed maps, and the map laid over the image as a semi-transparent element of its
 * overlay (named, so a new map replaces the previous one; Image › Overlay › Remove Overlay takes it off).
 */
final class HeatMapOverlay {
	/** How much of the map shows through over the image. */
	static final double OPACITY = 0.5;

	private HeatMapOverlay() {
	}

	/** Sets the LUT and display range of a 32-bit map. */
	static void style(ImagePlus map, boolean signed) {
		double max = 0;
		ImageProcessor ip = map.getProcessor();
		for (int i = 0, n = ip.getPixelCount(); i < n; i++) {
			float v = ip.getf(i);
			if (Float.isFinite(v)) max = Math.max(max, Math.abs(v));
		}
		if (max == 0) max = 1;
		if (signed) {
			ip.setLut(diverging());
			map.setDisplayRange(-max, max);
		} else {
			ip.setLut(new LUT(LutLoader.getLut("fire"), 0, 255));
			map.setDisplayRange(0, max);
		}
	}

	/** Blue (negative) through white (0) to red (positive). */
	static LUT diverging() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			double t = (i - 127.5) / 127.5; // -1 .. 1
			double lo = 1 - Math.abs(t);
			r[i] = (byte) Math.round(255 * (t < 0 ? lo : 1));
			b[i] = (byte) Math.round(255 * (t > 0 ? lo : 1));
			g[i] = (byte) Math.round(255 * lo);
		}
		return new LUT(r, g, b);
	}

	/**
	 * Lays the styled map over the image's current plane (replacing an earlier map of the same name); for a
	 * magnitude map the pixels of value 0 stay transparent.
	 */
	static void show(ImagePlus imp, ImagePlus map, String name, boolean signed) {
		ImageProcessor rendered = map.getProcessor().duplicate();
		rendered.setLut(map.getProcessor().getLut());
		rendered.setMinAndMax(map.getDisplayRangeMin(), map.getDisplayRangeMax());
		ImageRoi roi = new ImageRoi(0, 0, rendered.convertToRGB());
		roi.setOpacity(OPACITY);
		roi.setZeroTransparent(!signed);
		roi.setName(name);
		if (imp.getStackSize() > 1) {
			if (imp.isHyperStack()) roi.setPosition(imp.getC(), imp.getZ(), imp.getT());
			else roi.setPosition(imp.getCurrentSlice());
		}
		Overlay overlay = imp.getOverlay();
		if (overlay == null) overlay = new Overlay();
		for (int i = overlay.size() - 1; i >= 0; i--) {
			Roi r = overlay.get(i);
			if (name.equals(r.getName()) && r.getPosition() == roi.getPosition()) overlay.remove(i);
		}
		overlay.add(roi);
		imp.setOverlay(overlay);
	}
}
