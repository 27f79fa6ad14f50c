package org.convkit.core.cnn.input;

/**
 * Where an image of sourceWidth × sourceHeight lands in the model's width × height input under a {@link Resize}
 * rule: the size it is first scaled to (bilinear, see {@link ImageTensor}) and the offset of that scaled image in
 * the model's grid (negative for a centre crop, positive for padding). {@link ImageTensor} places pixels by it, and
 * maps computed on the model's grid are brought back to the image by {@link #modelX}/{@link #modelY}, so both
 * directions share one geometry.
 */
public final class Placement {
	public final int sourceWidth, sourceHeight, width, height;
	/** The size after the rule's scaling step (the source size when it does not scale). */
	public final int scaledWidth, scaledHeight;
	/** Model-grid position of the scaled image's pixel (0, 0): 0 (Scale), -window offset (Crop), +pad (Pad). */
	public final int offsetX, offsetY;

	private Placement(int sw, int sh, int dw, int dh, int nw, int nh, int ox, int oy) {
		sourceWidth = sw;
		sourceHeight = sh;
		width = dw;
		height = dh;
		scaledWidth = nw;
		scaledHeight = nh;
		offsetX = ox;
		offsetY = oy;
	}

	/** The placement of a sw × sh image in a dw × dh input by {@code rule}. */
	public static Placement of(int sw, int sh, int dw, int dh, Resize rule) {
		if (sw < 1 || sh < 1 || dw < 1 || dh < 1)
			throw new IllegalArgumentException("sizes must be positive: " + sw + "x" + sh + " into " + dw + "x" + dh);
		if (sw == dw && sh == dh) return new Placement(sw, sh, dw, dh, sw, sh, 0, 0);
		switch (rule == null ? Resize.SCALE : rule) {
			case SCALE:
				return new Placement(sw, sh, dw, dh, dw, dh, 0, 0);
			case CROP: {
				int nw = sw, nh = sh;
				if (sw < dw || sh < dh) { // too small somewhere: scale up, aspect kept, to cover the window
					double s = Math.max((double) dw / sw, (double) dh / sh);
					nw = Math.max(dw, (int) Math.round(sw * s));
					nh = Math.max(dh, (int) Math.round(sh * s));
				}
				return new Placement(sw, sh, dw, dh, nw, nh, -((nw - dw) / 2), -((nh - dh) / 2));
			}
			default: { // PAD
				int nw = sw, nh = sh;
				if (sw > dw || sh > dh) { // too large somewhere: scale down, aspect kept, to fit
					double s = Math.min((double) dw / sw, (double) dh / sh);
					nw = Math.max(1, Math.min(dw, (int) Math.round(sw * s)));
					nh = Math.max(1, Math.min(dh, (int) Math.round(sh * s)));
				}
				return new Placement(sw, sh, dw, dh, nw, nh, (dw - nw) / 2, (dh - nh) / 2);
			}
		}
	}

	/** Whether the scaling step resamples (the scaled size differs from the source size). */
	public boolean scales() {
		return scaledWidth != sourceWidth || scaledHeight != sourceHeight;
	}

	/**
	 * The model-grid x coordinate (pixel centres at integers) of source coordinate {@code x}, by the same
	 * pixel-centre aligned rule the bilinear sampling uses; outside 0 … width-1 for pixels a crop cut off.
	 */
	public double modelX(double x) {
		return scaledX(x, sourceWidth, scaledWidth) + offsetX;
	}

	/** As {@link #modelX} for y. */
	public double modelY(double y) {
		return scaledX(y, sourceHeight, scaledHeight) + offsetY;
	}

	private static double scaledX(double x, int from, int to) {
		return from == to ? x : (x + 0.5) * to / from - 0.5;
	}
}
