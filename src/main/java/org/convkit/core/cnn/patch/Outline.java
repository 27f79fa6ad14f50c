package org.convkit.core.cnn.patch;

import ij.ImagePlus;
import org.convkit.core.cnn.input.RegionMask;

/**
 * One object to classify or learn from, as the core sees an ROI (no ImageJ GUI classes): its name, the image and the
 * plane (slice z, frame t, 1-based) it lies on, the pixel its patch is centred on, and the region itself (for
 * {@code mask} and for reports). The plug-ins make these from ROIs ({@code plugins.support.RoiOutlines}).
 */
public final class Outline {
	private final String name;
	private final ImagePlus image;
	private final int z, t, centreX, centreY;
	private final double centroidX, centroidY;
	private final RegionMask region;

	/**
	 * @param centroidX the region's centroid (pixel centres at i + 0.5); the patch is centred on the pixel holding
	 *                  it, {@code floor(centroid)}
	 */
	public Outline(String name, ImagePlus image, int z, int t, double centroidX, double centroidY, RegionMask region) {
		if (image == null) throw new IllegalArgumentException("outline '" + name + "': no image");
		if (!Double.isFinite(centroidX) || !Double.isFinite(centroidY))
			throw new IllegalArgumentException("the ROI '" + name + "' has no pixels (no centroid)");
		this.name = name == null ? "" : name;
		this.image = image;
		this.z = z;
		this.t = t;
		this.centroidX = centroidX;
		this.centroidY = centroidY;
		this.centreX = (int) Math.floor(centroidX);
		this.centreY = (int) Math.floor(centroidY);
		this.region = region;
	}

	public String name() {
		return name;
	}

	public ImagePlus image() {
		return image;
	}

	/** Slice, 1-based. */
	public int z() {
		return z;
	}

	/** Frame, 1-based. */
	public int t() {
		return t;
	}

	/** The pixel the patch is centred on. */
	public int centreX() {
		return centreX;
	}

	public int centreY() {
		return centreY;
	}

	public double centroidX() {
		return centroidX;
	}

	public double centroidY() {
		return centroidY;
	}

	/** The region (for masking); may be null for a point. */
	public RegionMask region() {
		return region;
	}
}
