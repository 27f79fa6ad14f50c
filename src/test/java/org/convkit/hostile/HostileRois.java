package org.convkit.hostile;

import ij.gui.OvalRoi;
import ij.gui.PointRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import org.convkit.app.MicroscopySample;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ROI Manager of the suites, for commands that read it ({@code CommandKeys.usesRois()}): a ROI set .zip (an input
 * file like any other), opened into the macro's own ROI Manager before the command runs, as a user's batch macro does
 * ({@code roiManager("open", path)}; the ROIs know no image, so they lie on the current image). The macro's manager
 * lives as long as its interpreter, so the macro hands it over ({@link #capture}) for the snapshots after the run.
 * <p>
 * The set: 12 ROIs of every kind the commands handle (rectangles, ovals, polygons, points), 4×4 pixels, inside the
 * suite's smallest image that ROIs are classified on (24×20); two classes by group (1, 2) and by name prefix (a_, b_),
 * six each, so that training with the default validation fraction has a validation example per class.
 */
public final class HostileRois {
	static final int COUNT = 12;
	private static volatile RoiManager manager;
	private static volatile String before;

	private HostileRois() {}

	/** The fixture's ROIs, new objects each time. */
	static List<Roi> rois() {
		List<Roi> out = new ArrayList<>();
		Color[] strokes = { null, Color.yellow, new Color(0x12, 0x34, 0x56) };
		for (int i = 0; i < COUNT; i++) {
			int x = 1 + 6 * (i % 4), y = 1 + 6 * (i / 4);
			Roi r;
			switch (i / 2 % 4) {
				case 0:
					r = new Roi(x, y, 4, 4);
					break;
				case 1:
					r = new OvalRoi(x, y, 4, 4);
					break;
				case 2:
					r = new PolygonRoi(new int[] { x, x + 4, x }, new int[] { y, y + 2, y + 4 }, 3, Roi.POLYGON);
					break;
				default:
					r = new PointRoi(x + 2, y + 2);
			}
			boolean a = i % 2 == 0;
			r.setName((a ? "a_" : "b_") + (i / 2 + 1));
			r.setGroup(a ? 1 : 2);
			if (strokes[i % 3] != null) r.setStrokeColor(strokes[i % 3]);
			out.add(r);
		}
		return out;
	}

	/** Writes the fixture's ROI set. */
	static Path write(Path zip) throws IOException {
		return MicroscopySample.writeRois(rois(), zip);
	}

	/** Macro lines that open the set into the macro's (empty) ROI Manager and hand the manager over. */
	static String prelude(Path zip) {
		manager = null;
		before = null;
		return "roiManager(\"reset\");\nroiManager(\"open\", \"" + zip.toString().replace("\\", "\\\\") + "\");\n"
				+ "call(\"" + HostileRois.class.getName() + ".capture\");\n";
	}

	/** Called by the prelude from inside the macro: keeps the macro's ROI Manager and its ROIs as they are now. */
	public static String capture() {
		RoiManager rm = RoiManager.getInstance();
		manager = rm;
		before = Snapshot.rois(rm, true);
		return "";
	}

	/** The ROI set as the prelude left it, before the command (null when the prelude did not run). */
	static String before() {
		return before;
	}

	/** The ROI set now, in full or without groups and colours (what a classification may change). */
	static String now(boolean full) {
		return Snapshot.rois(manager, full);
	}
}
