package org.convkit.plugins.cnn;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.input.SourcePlanes;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.patch.PatchClassifier;
import org.convkit.core.cnn.patch.ProbabilityMap;
import org.convkit.plugins.support.ClassColours;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.MacroValues;
import org.convkit.plugins.support.NamedTables;

import java.util.List;

/**
 * Plugins › ConvKit › CNN › CNN Probability Map...: slides the model over the current image ({@link ProbabilityMap}:
 * patches as in training, window centres {@code stride} pixels apart, batched, overlaps averaged) plane by plane —
 * every slice and frame of a stack or hyperstack — with the progress bar and Esc (which stops and shows nothing).
 * <ul>
 * <li>{@code output=Probabilities}: a 32-bit image of the input's size and calibration, one channel per class named
 * after it (a hyperstack: classes × slices × frames), values 0..1 (each pixel's classes sum to 1), each channel in the
 * class's colour;</li>
 * <li>{@code output=Labels}: an 8-bit image, the most probable class at each pixel as value 1..n (class order; the
 * first on ties), with a LUT of the class colours, and the table "CNN Classes" (value, class, colour);</li>
 * <li>{@code output=Both}: both.</li>
 * </ul>
 * Memory: the output and one batch of patches; no window's result is kept.
 */
public class CnnProbabilityMap implements PlugIn {
	public static final String COMMAND = "CNN Probability Map...", CLASSES_TABLE = "CNN Classes";
	public static final String KEY_MODEL = ModelField.KEY, KEY_STRIDE = "stride", KEY_OUTPUT = "output";
	public static final String OUTPUT_PROBABILITIES = "Probabilities", OUTPUT_LABELS = "Labels", OUTPUT_BOTH = "Both";
	public static final String COL_VALUE = "value", COL_CLASS = "class", COL_COLOUR = "colour";
	public static final int DEFAULT_STRIDE = 4;
	private static final String[] OUTPUTS = { OUTPUT_PROBABILITIES, OUTPUT_LABELS, OUTPUT_BOTH };
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.number(KEY_STRIDE, DEFAULT_STRIDE, CommandKeys.whole(1, 1 << 20)).alternative("2")
			.choice(KEY_OUTPUT, OUTPUT_PROBABILITIES, OUTPUTS);

	/** The images made; either may be null. */
	public static final class Result {
		public final ImagePlus probabilities, labels;

		Result(ImagePlus probabilities, ImagePlus labels) {
			this.probabilities = probabilities;
			this.labels = labels;
		}
	}

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
		gd.addNumericField(KEY_STRIDE + ":", run.number(KEY_STRIDE), 0, 6, "pixels between window centres (1 = every "
				+ "pixel)");
		gd.addChoice(KEY_OUTPUT + ":", OUTPUTS, run.choice(KEY_OUTPUT));
		gd.addMessage("Probabilities: a 32-bit channel per class. Labels: the most probable class (8-bit, LUT).");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString();
		double stride = gd.getNextNumber();
		String output = MacroValues.nextChoice(gd, KEY_OUTPUT);
		try {
			if (gd.invalidNumber() || !(stride == Math.rint(stride) && stride >= 1 && stride <= 1 << 20))
				throw new IllegalArgumentException("stride=" + (gd.invalidNumber() ? "?" : TrainingOptions.number(
						stride)) + " must be a whole number of pixels, at least 1");
			String out = outputName(output);
			ModelBundle bundle = ModelField.read(model);
			ModelField.remember(run, model);
			run.remember(KEY_STRIDE, stride).remember(KEY_OUTPUT, out);
			Result r = compute(imp, bundle, (int) stride, !out.equals(OUTPUT_LABELS), !out.equals(OUTPUT_PROBABILITIES));
			if (r == null) {
				IJ.showStatus(COMMAND + ": stopped (Esc); no image made");
				IJ.log(COMMAND + ": stopped (Esc); no image made.");
				return;
			}
			if (r.probabilities != null) r.probabilities.show();
			if (r.labels != null) {
				r.labels.show();
				NamedTables.show(CLASSES_TABLE, classTable(bundle.labels()));
			}
		} catch (ModelFileException | IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
		} catch (RuntimeException e) {
			CommandReporter.unexpected(COMMAND, e);
		} finally {
			IJ.showProgress(1.0);
		}
	}

	static String outputName(String output) {
		for (String o : OUTPUTS)
			if (o.equalsIgnoreCase(output.trim())) return o;
		throw new IllegalArgumentException("output=" + output + " is unknown: use Probabilities, Labels or Both");
	}

	/**
	 * Script entry: the maps of every plane, with the progress bar and Esc; null when cancelled.
	 *
	 * @throws IllegalArgumentException when the image's channels do not fit the model, it is smaller than the
	 *                                  model's input, or the stride is below 1
	 */
	public static Result compute(ImagePlus imp, ModelBundle bundle, int stride, boolean probabilities,
			boolean labels) {
		PatchClassifier patches = new PatchClassifier(bundle);
		patches.checkImage(imp);
		ProbabilityMap map = new ProbabilityMap(bundle, stride);
		if (patches.input().mask())
			IJ.log(COMMAND + ": the model was trained with 'mask' (pixels outside each ROI blanked); windows here have "
					+ "no ROI and are not masked, so the map may differ from what the model saw in training.");
		List<String> classes = bundle.labels();
		int k = classes.size(), w = imp.getWidth(), h = imp.getHeight(), nz = imp.getNSlices(), nt = imp.getNFrames();
		long perPlane = map.windows(w, h), total = perPlane * nz * nt;
		ImageStack probs = probabilities ? new ImageStack(w, h) : null;
		ImageStack lab = labels ? new ImageStack(w, h) : null;
		IJ.resetEscape();
		long[] before = { 0 };
		map.progress((done, all) -> {
			IJ.showProgress((double) (before[0] + done) / total);
			IJ.showStatus(COMMAND + " " + (before[0] + done) + "/" + total + " windows");
			if (IJ.escapePressed()) map.cancel();
		});
		synchronized (bundle) { // the cached bundle's network is shared; DL4J networks are not thread-safe
			for (int t = 1; t <= nt; t++)
				for (int z = 1; z <= nz; z++) {
					float[][] out = new float[k][w * h];
					if (!map.compute(SourcePlanes.of(imp, patches.input(), z, t), out)) return null;
					before[0] += perPlane;
					if (probs != null)
						for (int c = 0; c < k; c++) probs.addSlice(classes.get(c), new FloatProcessor(w, h, out[c]));
					if (lab != null) lab.addSlice(planeLabel(imp, z, t), argMax(out, w, h));
				}
		}
		String base = imp.getTitle().replaceFirst("\\.[A-Za-z0-9]+$", "");
		return new Result(probs == null ? null : probabilityImage(base, probs, imp, classes),
				lab == null ? null : labelImage(base, lab, imp, k));
	}

	private static String planeLabel(ImagePlus imp, int z, int t) {
		return imp.getNSlices() * imp.getNFrames() == 1 ? "classes" : "z" + z + " t" + t;
	}

	/** The most probable class + 1 at each pixel (the first on ties). */
	static ByteProcessor argMax(float[][] p, int w, int h) {
		byte[] px = new byte[w * h];
		for (int i = 0; i < px.length; i++) {
			int best = 0;
			for (int c = 1; c < p.length; c++)
				if (p[c][i] > p[best][i]) best = c;
			px[i] = (byte) Math.min(255, best + 1);
		}
		return new ByteProcessor(w, h, px);
	}

	private static ImagePlus probabilityImage(String base, ImageStack stack, ImagePlus source, List<String> classes) {
		ImagePlus out = new ImagePlus(base + "-probabilities", stack);
		out.setDimensions(classes.size(), source.getNSlices(), source.getNFrames());
		out.setCalibration(source.getCalibration().copy());
		out.getCalibration().disableDensityCalibration();
		out.setDisplayRange(0, 1);
		if (classes.size() > 1) {
			CompositeImage ci = new CompositeImage(out, classes.size() <= 7 ? IJ.COMPOSITE : IJ.COLOR);
			for (int c = 0; c < classes.size(); c++) {
				ci.setChannelLut(ClassColours.rampLut(c), c + 1);
				ci.setPosition(c + 1, 1, 1);
				ci.setDisplayRange(0, 1);
			}
			ci.setPosition(1, 1, 1);
			out = ci;
		}
		out.setOpenAsHyperStack(true);
		return out;
	}

	private static ImagePlus labelImage(String base, ImageStack stack, ImagePlus source, int classes) {
		ImagePlus out = new ImagePlus(base + "-classes", stack);
		out.setDimensions(1, source.getNSlices(), source.getNFrames());
		out.setCalibration(source.getCalibration().copy());
		out.getCalibration().disableDensityCalibration();
		out.setLut(ClassColours.labelLut(classes));
		out.setDisplayRange(0, 255);
		if (source.getNSlices() > 1 && source.getNFrames() > 1) out.setOpenAsHyperStack(true);
		return out;
	}

	/** value (label image pixel), class, colour (#rrggbb). */
	static ResultsTable classTable(List<String> classes) {
		ResultsTable rt = new ResultsTable();
		for (int c = 0; c < classes.size(); c++) {
			rt.incrementCounter();
			rt.addValue(COL_VALUE, c + 1);
			rt.addValue(COL_CLASS, classes.get(c));
			rt.addValue(COL_COLOUR, ClassColours.hex(c));
		}
		return rt;
	}
}
