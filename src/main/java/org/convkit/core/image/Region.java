package org.convkit.core.image;

/**
 * A rectangle of pixels to process. Pixels outside it are still read as neighbours, like ImageJ's own filters do
 * for a selection, and are never written.
 */
public final class Region {
	public final int x, y, width, height;

	public Region(int x, int y, int width, int height) {
		if (width < 1 || height < 1 || x < 0 || y < 0)
			throw new IllegalArgumentException("Empty or negative region " + x + "," + y + " " + width + "x" + height);
		this.x = x;
		this.y = y;
		this.width = width;
		this.height = height;
	}

	public static Region whole(int width, int height) {
		return new Region(0, 0, width, height);
	}

	public boolean isWhole(int imageWidth, int imageHeight) {
		return x == 0 && y == 0 && width == imageWidth && height == imageHeight;
	}

	@Override
	public String toString() {
		return x + "," + y + " " + width + "x" + height;
	}
}
