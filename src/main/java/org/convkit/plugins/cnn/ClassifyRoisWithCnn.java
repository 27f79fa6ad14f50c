package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.patch.Outline;
import org.convkit.core.cnn.patch.PatchClassifier;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.plugins.support.ClassColours;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.NamedTables;
import org.convkit.plugins.support.RoiOutlines;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plugins › ConvKit › CNN › Classify ROIs with CNN...: every ROI of the ROI Manager (or the selected ones) is
 * classified from the patch around it, cut exactly as in training ({@link PatchClassifier}), in batches. Each ROI
 * then gets its predicted class as its group (group c + 1 for class c, the group named after the class) and the
 * class's colour, and a row in "CNN Predictions": roi, image, channel, slice, frame (the ROI's position; 0 = all),
 * class, probability, then one column per class. Progress bar; Esc stops and changes nothing. Bad input (no ROIs,
 * an ROI on a closed image, an image whose channels do not fit the model or that is smaller than its input, a bad
 * model) changes nothing either.
 */
public class ClassifyRoisWithCnn implements PlugIn {
	public static final String COMMAND = "Classify ROIs with CNN...", TABLE = ClassifyWithCnn.TABLE;
	public static final String KEY_MODEL = ModelField.KEY;
	public static final String COL_ROI = "roi", COL_IMAGE = ClassifyWithCnn.COL_IMAGE, COL_CHANNEL = "channel",
			COL_SLICE = ClassifyWithCnn.COL_SLICE, COL_FRAME = "frame", COL_CLASS = ClassifyWithCnn.COL_CLASS,
			COL_PROBABILITY = ClassifyWithCnn.COL_PROBABILITY;

	/**
	 * The macro keys: a macro that leaves model= out is refused (no documented default), the dialog remembers the last
	 * model. The ROIs lie on the images they were drawn on, or on the current image (ROIs read from a .zip).
	 */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage().usesRois()
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required();

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		gd.addMessage("Classifies the selected ROIs of the ROI Manager (all when none is selected):\n"
				+ "each gets the predicted class as its group and colour, and a row in " + TABLE + ".");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString();
		try {
			ModelBundle bundle = ModelField.read(model);
			ModelField.remember(run, model);
			ResultsTable rt = NamedTables.getOrCreate(TABLE);
			float[][] p = classify(RoiSource.rois(true), WindowManager.getCurrentImage(), bundle, rt);
			if (p == null) {
				IJ.log(COMMAND + ": stopped (Esc); no ROI was changed.");
				IJ.showStatus(COMMAND + ": stopped (Esc)");
				return;
			}
			NamedTables.show(TABLE, rt);
			log(bundle.labels(), p);
		} catch (ModelFileException | IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
		} catch (RuntimeException e) {
			CommandReporter.unexpected(COMMAND, e);
		} finally {
			IJ.showProgress(1.0);
		}
	}

	/**
	 * Script entry: classifies the ROIs (each on its own image, or on {@code current} when it knows none), then sets
	 * their groups and colours and appends their rows to {@code rt}. Nothing is changed when the input is bad or the
	 * user presses Esc.
	 *
	 * @return the probabilities of each ROI in label order, or null when cancelled
	 * @throws IllegalArgumentException for an ROI on a closed image or on an image that does not fit the model
	 */
	public static float[][] classify(List<Roi> rois, ImagePlus current, ModelBundle bundle, ResultsTable rt) {
		List<Outline> outlines = RoiOutlines.outlines(rois, current);
		float[][] p = probabilities(bundle, outlines);
		if (p != null) apply(rois, outlines, bundle.labels(), p, rt);
		return p;
	}

	/** Probabilities of each outline with the progress bar and Esc; null when cancelled. */
	static float[][] probabilities(ModelBundle bundle, List<Outline> outlines) {
		IJ.resetEscape();
		PatchClassifier pc = new PatchClassifier(bundle);
		pc.progress((done, total) -> {
			IJ.showProgress(done, total);
			if (IJ.escapePressed()) pc.cancel();
		});
		synchronized (bundle) { // the cached bundle's network is shared; DL4J networks are not thread-safe
			return pc.classify(outlines);
		}
	}

	/**
	 * Sets each ROI's group and colour to its class and appends its row to {@code rt}.
	 *
	 * @param p the probabilities of each ROI, in label order
	 */
	static void apply(List<Roi> rois, List<Outline> outlines, List<String> labels, float[][] p,
			ResultsTable rt) {
		ClassColours.quietGroupColours();
		for (int c = 0; c < labels.size() && c < 255; c++) Roi.setGroupName(c + 1, labels.get(c));
		Map<ImagePlus, Boolean> images = new IdentityHashMap<>();
		for (int i = 0; i < rois.size(); i++) {
			int best = Evaluation.argMax(p[i]);
			Roi roi = rois.get(i);
			if (best < 255) roi.setGroup(best + 1);
			roi.setStrokeColor(ClassColours.of(best));
			Outline o = outlines.get(i);
			images.put(o.image(), Boolean.TRUE);
			rt.incrementCounter();
			rt.addValue(COL_ROI, roi.getName() == null ? "" : roi.getName());
			rt.addValue(COL_IMAGE, o.image().getTitle());
			rt.addValue(COL_CHANNEL, roi.hasHyperStackPosition() ? roi.getCPosition() : 0);
			rt.addValue(COL_SLICE, o.z());
			rt.addValue(COL_FRAME, o.t());
			rt.addValue(COL_CLASS, labels.get(best));
			rt.addValue(COL_PROBABILITY, p[i][best]);
			for (int c = 0; c < labels.size(); c++) rt.addValue(ClassifyWithCnn.column(labels.get(c)), p[i][c]);
		}
		rt.setPrecision(6);
		for (ImagePlus imp : images.keySet())
			if (imp.getWindow() != null) imp.draw();
	}

	private static void log(List<String> labels, float[][] p) {
		int[] counts = new int[labels.size()];
		for (float[] row : p) counts[Evaluation.argMax(row)]++;
		List<String> parts = new ArrayList<>();
		for (int c = 0; c < counts.length; c++) parts.add(labels.get(c) + " " + counts[c]);
		IJ.log(COMMAND + ": " + p.length + " ROI(s) classified (" + String.join(", ", parts) + "); groups 1-"
				+ labels.size() + " are named after the classes.");
	}
}
