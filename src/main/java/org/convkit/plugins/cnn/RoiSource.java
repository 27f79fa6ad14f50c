package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.SourcePlanes;
import org.convkit.core.cnn.patch.Outline;
import org.convkit.core.cnn.patch.PatchDataset;
import org.convkit.plugins.support.RoiOutlines;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ROIs of the ROI Manager for the CNN commands: its window in the GUI, the hidden batch-mode manager in a batch
 * macro (also headless: {@code org.convkit.app.HeadlessAgent}). Never opens a manager: no manager or an empty one is
 * "no ROIs".
 */
final class RoiSource {
	private RoiSource() {
	}

	/** The ROI Manager in use, or null. */
	static RoiManager manager() {
		return RoiManager.getInstance();
	}

	/**
	 * The manager's ROIs (the live objects), all or only the selected ones when some are selected.
	 *
	 * @throws IllegalArgumentException when there are none
	 */
	static List<Roi> rois(boolean selectedOnly) {
		RoiManager rm = manager();
		if (rm == null || rm.getCount() == 0)
			throw new IllegalArgumentException("There are no ROIs: add ROIs to the ROI Manager (or open a ROI set .zip"
					+ " with roiManager(\"open\", path)) first");
		List<Roi> out = new ArrayList<>();
		int[] selected = selectedOnly ? rm.getSelectedIndexes() : new int[0];
		if (selected.length > 0) for (int i : selected) out.add(rm.getRoi(i));
		else for (int i = 0; i < rm.getCount(); i++) out.add(rm.getRoi(i));
		return out;
	}

	/**
	 * The training data of {@code source=ROIs}: every ROI of the manager, labelled, as patches of the options' size
	 * and channels.
	 *
	 * @throws IllegalArgumentException for no ROIs, ROIs without a label or on a closed image, a single class, a
	 *                                  patch larger than an image, channels an image does not have, images with
	 *                                  different channel counts
	 */
	static PatchDataset dataset(TrainingOptions o) {
		List<Roi> rois = rois(false);
		List<Outline> outlines = RoiOutlines.outlines(rois, WindowManager.getCurrentImage());
		List<String> labels = RoiOutlines.labels(rois, o.labelRule());
		ImagePlus first = outlines.get(0).image();
		int n = SourcePlanes.channelCount(first);
		Map<ImagePlus, Boolean> seen = new IdentityHashMap<>();
		for (Outline ol : outlines)
			if (seen.put(ol.image(), Boolean.TRUE) == null && SourcePlanes.channelCount(ol.image()) != n)
				throw new IllegalArgumentException("The ROIs lie on images with different channel counts: '"
						+ first.getTitle() + "' has " + n + ", '" + ol.image().getTitle() + "' has "
						+ SourcePlanes.channelCount(ol.image()));
		int[] picks = PatchInput.parseChannels(o.channels, n);
		PatchInput input;
		try {
			input = new PatchInput(picks, n, first.getBitDepth() == 24, o.border(), o.value, o.mask);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException(e.getMessage() + " ('" + first.getTitle() + "')", e);
		}
		return new PatchDataset(outlines, labels, input, (int) o.patch);
	}
}
