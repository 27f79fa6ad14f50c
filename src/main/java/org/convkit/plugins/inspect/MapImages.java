package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.ImageStack;
import ij.plugin.MontageMaker;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.inspect.FeatureMaps;

/** Renders the inspection core's float data as ImageJ images: 32-bit stacks with one shared display range. */
final class MapImages {
	private MapImages() {
	}

	/** One 32-bit slice per channel plane (wrapped, not copied), labelled "{@code name} ch NN". */
	static ImageStack channels(FeatureMaps.ChannelPlanes p, String name) {
		ImageStack st = new ImageStack(p.width, p.height);
		int n = p.channels.length;
		for (int c = 0; c < n; c++)
			st.addSlice(name + " ch " + FeatureMaps.channelNumber(c, n), new FloatProcessor(p.width, p.height, p.channels[c]));
		return st;
	}

	/** Sets the display range of every slice to the stack's overall min..max (so slices compare). */
	static void sharedRange(ImagePlus imp) {
		double[] r = range(imp.getStack());
		imp.setDisplayRange(r[0], r[1]);
	}

	/** The finite min and max over all slices ({0, 1} when there is none or they are equal). */
	static double[] range(ImageStack st) {
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (int s = 1; s <= st.getSize(); s++) {
			Object pixels = st.getPixels(s);
			if (pixels instanceof float[]) { // the maps: read the array directly (whole-image stacks are large)
				for (float v : (float[]) pixels)
					if (Float.isFinite(v)) {
						if (v < min) min = v;
						if (v > max) max = v;
					}
				continue;
			}
			ImageProcessor ip = st.getProcessor(s);
			for (int i = 0, n = ip.getPixelCount(); i < n; i++) {
				float v = ip.getf(i);
				if (!Float.isFinite(v)) continue;
				if (v < min) min = v;
				if (v > max) max = v;
			}
		}
		if (!(min < max)) return new double[] {Double.isFinite(min) ? min : 0, Double.isFinite(min) ? min + 1 : 1};
		return new double[] {min, max};
	}

	/**
	 * All slices side by side with their labels, in as square a grid as fits, each about 192 pixels (small maps
	 * enlarged by a whole factor, large ones reduced), with the stack's display range.
	 */
	static ImagePlus montage(ImagePlus stack, String title) {
		int n = stack.getStackSize();
		int cols = (int) Math.ceil(Math.sqrt(n)), rows = (n + cols - 1) / cols;
		double side = Math.max(stack.getWidth(), stack.getHeight());
		double scale = side <= 192 ? Math.min(8, Math.floor(192 / side)) : Math.max(0.1, Math.round(192 / side * 100) / 100.0);
		boolean labels = stack.getWidth() * scale >= 48;
		ImagePlus m = new MontageMaker().makeMontage2(stack, cols, rows, scale, 1, n, 1, 1, labels);
		m.setTitle(title);
		m.setDisplayRange(stack.getDisplayRangeMin(), stack.getDisplayRangeMax());
		return m;
	}
}
