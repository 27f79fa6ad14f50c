package org.convkit.core.cnn.input;

import ij.process.ImageProcessor;

/**
 * Which image pixels belong to a region (an ROI, without ImageJ's GUI classes): its bounding rectangle and, for
 * shapes other than rectangles, a mask of the bounds' size whose non-zero pixels are inside (ImageJ's
 * {@code Roi.getMask()}).
 */
public final class RegionMask {
	private final int x, y, width, height;
	private final ImageProcessor mask;

	/** @param mask null for the whole rectangle, else width × height with non-zero inside */
	public RegionMask(int x, int y, int width, int height, ImageProcessor mask) {
		if (width < 0 || height < 0) throw new IllegalArgumentException("negative region size");
		if (mask != null && (mask.getWidth() != width || mask.getHeight() != height))
			throw new IllegalArgumentException("the mask is " + mask.getWidth() + "x" + mask.getHeight()
					+ " but the region " + width + "x" + height);
		this.x = x;
		this.y = y;
		this.width = width;
		this.height = height;
		this.mask = mask;
	}

	/** Whether image pixel (px, py) is inside. */
	public boolean contains(int px, int py) {
		int u = px - x, v = py - y;
		if (u < 0 || v < 0 || u >= width || v >= height) return false;
		return mask == null || mask.get(u, v) != 0;
	}

	public int x() {
		return x;
	}

	public int y() {
		return y;
	}

	public int width() {
		return width;
	}

	public int height() {
		return height;
	}

	/**
	 * The centroid of the inside pixels (pixel centres at i + 0.5, as ImageJ's measured centroid), or NaNs when none
	 * is inside: {x, y}.
	 */
	public double[] centroid() {
		double sx = 0, sy = 0;
		long n = 0;
		for (int v = 0; v < height; v++)
			for (int u = 0; u < width; u++)
				if (mask == null || mask.get(u, v) != 0) {
					sx += u + 0.5;
					sy += v + 0.5;
					n++;
				}
		return n == 0 ? new double[] { Double.NaN, Double.NaN } : new double[] { x + sx / n, y + sy / n };
	}
}
