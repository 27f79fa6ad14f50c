package org.convkit.plugins.support;

import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.process.FloatPolygon;
import org.convkit.core.cnn.input.RegionMask;
import org.convkit.core.cnn.patch.Outline;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.List;

/**
 * ROIs as the core's {@link Outline}s, and their class labels (the {@code label=} key). Which image an ROI belongs
 * to: the image it was drawn on (ImageJ remembers its ID when the ROI is added to the ROI Manager); an ROI that knows
 * no image (read from a ROI set .zip) belongs to the current image. Which plane: its hyperstack position (slice,
 * frame), or its stack position on a plain stack; an ROI on every plane (position 0) uses the image's current plane.
 * Where the patch is centred: the pixel holding the centroid of the ROI's pixels (area ROIs), or of its points (points
 * and lines, which are not masked).
 */
public final class RoiOutlines {
	/** The {@code label=} choice; display names are public macro API. */
	public enum Label {
		GROUP("Group"), NAME_PREFIX("Name prefix");

		public final String displayName;

		Label(String displayName) {
			this.displayName = displayName;
		}

		public static String[] displayNames() {
			return new String[] { GROUP.displayName, NAME_PREFIX.displayName };
		}

		public static Label fromName(String name) {
			for (Label l : values())
				if (l.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return l;
			throw new IllegalArgumentException("Unknown label '" + name + "' (expected Group or Name prefix)");
		}
	}

	private RoiOutlines() {
	}

	/**
	 * The outlines of the ROIs.
	 *
	 * @param current the image for ROIs that know none (may be null: then such ROIs are an error)
	 * @throws IllegalArgumentException naming an ROI whose image is closed, that knows no image while none is
	 *                                  open, whose position the image does not have, or that has no pixels
	 */
	public static List<Outline> outlines(List<Roi> rois, ImagePlus current) {
		List<Outline> out = new ArrayList<>(rois.size());
		for (Roi roi : rois) out.add(outline(roi, imageOf(roi, current)));
		return out;
	}

	/** The image an ROI belongs to (see the class comment). */
	public static ImagePlus imageOf(Roi roi, ImagePlus current) {
		ImagePlus imp = roi.getImage();
		if (imp != null && imp.getProcessor() != null) return imp;
		int id = roi.getImageID();
		if (id != 0) {
			ImagePlus byId = current != null && current.getID() == id ? current : WindowManager.getImage(id);
			if (byId == null)
				throw new IllegalArgumentException("The ROI '" + roi.getName() + "' was drawn on an image that is "
						+ "closed now: open that image again and add its ROIs again, or remove the ROI");
			return byId;
		}
		if (current == null)
			throw new IllegalArgumentException("The ROI '" + roi.getName() + "' belongs to no image (e.g. read from a "
					+ ".zip) and no image is open: open the image the ROIs were drawn on");
		return current;
	}

	/** One ROI on its image. */
	public static Outline outline(Roi roi, ImagePlus imp) {
		int[] zt = plane(roi, imp);
		RegionMask region = null;
		double cx, cy;
		if (roi.isArea()) {
			Rectangle b = roi.getBounds();
			region = new RegionMask(b.x, b.y, b.width, b.height, roi.getMask());
			double[] c = region.centroid();
			cx = c[0];
			cy = c[1];
		} else {
			FloatPolygon p = roi.getFloatPolygon();
			double sx = 0, sy = 0;
			for (int i = 0; i < p.npoints; i++) {
				sx += p.xpoints[i];
				sy += p.ypoints[i];
			}
			// a point at pixel (5, 7) has coordinates (5, 7) or (5.5, 7.5); either way it is pixel (5, 7)
			cx = p.npoints == 0 ? Double.NaN : sx / p.npoints;
			cy = p.npoints == 0 ? Double.NaN : sy / p.npoints;
		}
		return new Outline(roi.getName(), imp, zt[0], zt[1], cx, cy, region);
	}

	/** The ROI's slice and frame on the image (1-based). */
	static int[] plane(Roi roi, ImagePlus imp) {
		int z, t;
		if (roi.hasHyperStackPosition()) {
			z = roi.getZPosition();
			t = roi.getTPosition();
		} else if (roi.getPosition() > 0) {
			if (roi.getPosition() > imp.getStackSize())
				throw new IllegalArgumentException("The ROI '" + roi.getName() + "' is on slice " + roi.getPosition()
						+ " but '" + imp.getTitle() + "' has " + imp.getStackSize());
			int[] czt = imp.convertIndexToPosition(roi.getPosition());
			z = czt[1];
			t = czt[2];
		} else {
			z = 0;
			t = 0;
		}
		if (z == 0) z = imp.getZ();
		if (t == 0) t = imp.getT();
		if (z > imp.getNSlices() || t > imp.getNFrames())
			throw new IllegalArgumentException("The ROI '" + roi.getName() + "' is on slice " + z + ", frame " + t
					+ " but '" + imp.getTitle() + "' has " + imp.getNSlices() + " slice(s) and " + imp.getNFrames()
					+ " frame(s)");
		return new int[] { z, t };
	}

	/**
	 * The class of each ROI: its group's name (ImageJ's group names, Edit › Selection › Properties; "group N" for an
	 * unnamed group N), or its name up to the first '_' or '-'.
	 *
	 * @throws IllegalArgumentException naming the ROIs (up to five) that have no group or no name prefix
	 */
	public static List<String> labels(List<Roi> rois, Label how) {
		List<String> out = new ArrayList<>(rois.size());
		List<String> missing = new ArrayList<>();
		for (Roi roi : rois) {
			String l = how == Label.GROUP ? groupLabel(roi.getGroup()) : namePrefix(roi.getName());
			if (l == null) missing.add(roi.getName() == null ? "(unnamed)" : "'" + roi.getName() + "'");
			out.add(l);
		}
		if (!missing.isEmpty())
			throw new IllegalArgumentException(missing.size() + " of " + rois.size() + " ROIs have no "
					+ (how == Label.GROUP ? "group" : "name prefix") + " (" + String.join(", ", missing.subList(0,
							Math.min(5, missing.size()))) + (missing.size() > 5 ? ", ..." : "") + "): "
					+ (how == Label.GROUP ? "give every ROI a group (ROI Manager › Properties, or RoiManager.setGroup "
							+ "in a macro)" : "name every ROI CLASS_... or CLASS-... (e.g. mitotic_3)")
					+ ", or delete it");
		return out;
	}

	/** The group's name, "group N" when it has none, null for no group (0). */
	public static String groupLabel(int group) {
		if (group <= 0) return null;
		String name = Roi.getGroupName(group);
		return name == null || name.trim().isEmpty() ? "group " + group : name.trim();
	}

	/**
	 * The name up to the first '_' or '-', or null when there is none: no name, no separator, nothing before it, or
	 * one of ImageJ's own numeric names ("0012-0034-0056", which name the position, not a class).
	 */
	public static String namePrefix(String name) {
		if (name == null) return null;
		String n = name.trim();
		if (n.matches("[0-9]+(-[0-9]+)+")) return null;
		int cut = -1;
		for (int i = 0; i < n.length(); i++)
			if (n.charAt(i) == '_' || n.charAt(i) == '-') {
				cut = i;
				break;
			}
		if (cut <= 0) return null;
		return n.substring(0, cut).trim().isEmpty() ? null : n.substring(0, cut).trim();
	}
}
