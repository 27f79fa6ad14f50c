package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.MacroValues;
import org.convkit.plugins.support.NamedTables;

import java.util.ArrayList;
import java.util.List;

/**
 * Plugins › ConvKit › CNN › Classify with CNN...: class probabilities of the current plane ({@code target=Image}) or
 * of every slice ({@code target=Slices}) of the current image, appended as rows to the "CNN Predictions" table
 * (so a macro looping over images collects all rows in one table). Columns: image, slice, class, probability (of
 * that class), then one column per class label. The model is read once and reused while its file is unchanged.
 */
public class ClassifyWithCnn implements PlugIn {
	public static final String COMMAND = "Classify with CNN...", TABLE = "CNN Predictions";
	public static final String KEY_MODEL = ModelField.KEY, KEY_TARGET = "target";
	public static final String TARGET_IMAGE = "Image", TARGET_SLICES = "Slices";
	public static final String COL_IMAGE = "image", COL_SLICE = "slice", COL_CLASS = "class",
			COL_PROBABILITY = "probability";
	private static final String[] TARGETS = {TARGET_IMAGE, TARGET_SLICES};
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.choice(KEY_TARGET, TARGET_IMAGE, TARGETS);

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			CommandReporter.noImage(COMMAND);
			return;
		}
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		gd.addChoice(KEY_TARGET + ":", TARGETS, run.choice(KEY_TARGET));
		gd.addMessage("Image: the current plane. Slices: every slice of the stack (" + imp.getStackSize() + ").");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString();
		String target = MacroValues.nextChoice(gd, KEY_TARGET);
		try {
			boolean slices = parseTarget(target);
			ModelBundle bundle = ModelField.read(model);
			ModelField.remember(run, model);
			run.remember(KEY_TARGET, target);
			ResultsTable rt = NamedTables.getOrCreate(TABLE);
			classify(imp, bundle, slices, rt);
			NamedTables.show(TABLE, rt);
		} catch (ModelFileException | IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
		} catch (RuntimeException e) {
			CommandReporter.unexpected(COMMAND, e);
		}
	}

	static boolean parseTarget(String target) {
		for (String t : TARGETS)
			if (t.equalsIgnoreCase(target.trim())) return t.equals(TARGET_SLICES);
		throw new IllegalArgumentException("Unknown target '" + target + "': use Image or Slices.");
	}

	/**
	 * Script entry: appends one row per classified plane to {@code rt}.
	 *
	 * @throws IllegalArgumentException when the image's channels do not match the model (nothing is added)
	 */
	public static void classify(ImagePlus imp, ModelBundle bundle, boolean allSlices, ResultsTable rt) {
		ImageStack stack = imp.getStack();
		int channels = ImageTensor.channels(imp.getProcessor());
		if (channels != bundle.inputChannels())
			throw new IllegalArgumentException("The model expects " + describe(bundle.inputChannels())
					+ " images but '" + imp.getTitle() + "' is " + describe(channels) + " (" + imp.getBitDepth()
					+ "-bit)" + (channels == 3 ? ": convert it with Image › Type › 8-bit" : ""));
		List<Integer> slices = new ArrayList<>();
		if (allSlices) for (int i = 1; i <= stack.getSize(); i++) slices.add(i);
		else slices.add(imp.getCurrentSlice());
		List<ImageProcessor> planes = new ArrayList<>();
		for (int s : slices) planes.add(stack.getProcessor(s));
		float[][] p;
		synchronized (bundle) { // the cached bundle's network is shared; DL4J networks are not thread-safe
			p = new Predictor(bundle).predict(planes);
		}
		List<String> labels = bundle.labels();
		for (int i = 0; i < p.length; i++) {
			int best = Evaluation.argMax(p[i]);
			rt.incrementCounter();
			rt.addValue(COL_IMAGE, imp.getTitle());
			rt.addValue(COL_SLICE, slices.get(i).doubleValue());
			rt.addValue(COL_CLASS, labels.get(best));
			rt.addValue(COL_PROBABILITY, p[i][best]);
			for (int c = 0; c < labels.size(); c++) rt.addValue(column(labels.get(c)), p[i][c]);
		}
		rt.setPrecision(6);
	}

	/** The table column of a class: its label, or "p(label)" when the label is one of the fixed column names. */
	public static String column(String label) {
		for (String fixed : new String[] {COL_IMAGE, COL_SLICE, COL_CLASS, COL_PROBABILITY})
			if (fixed.equals(label)) return "p(" + label + ")";
		return label;
	}

	private static String describe(int channels) {
		return channels == 3 ? "RGB (3 channels)" : "grayscale (1 channel)";
	}
}
