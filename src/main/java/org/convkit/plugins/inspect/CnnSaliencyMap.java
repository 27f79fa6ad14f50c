package org.convkit.plugins.inspect;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.inspect.Saliency;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.plugins.cnn.ModelField;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.MacroValues;
import org.convkit.plugins.support.NamedTables;
import org.convkit.plugins.support.Numbers;

/**
 * Plugins › ConvKit › Inspect › CNN Saliency Map...: which pixels of the current plane a model's decision for one
 * class depends on ({@link Saliency}: Gradient, Gradient x Input, Grad-CAM, Occlusion, LIME), as a 32-bit heat map
 * at the image's size, the same map as a semi-transparent overlay on the image (Image › Overlay › Remove Overlay
 * takes it off; a new map replaces it), and a row in the "CNN Saliency" table with the class and its probability.
 * Occlusion and LIME show progress and stop on Esc.
 */
public class CnnSaliencyMap implements PlugIn {
	public static final String COMMAND = "CNN Saliency Map...", TABLE = "CNN Saliency";
	public static final String KEY_MODEL = ModelField.KEY, KEY_METHOD = "method", KEY_CLASS = "class",
			KEY_LAYER = InspectFields.KEY_LAYER, KEY_PATCH = "patch", KEY_STRIDE = "stride",
			KEY_SUPERPIXELS = "superpixels", KEY_SAMPLES = "samples", KEY_SEED = "seed";
	public static final String COL_IMAGE = "image", COL_SLICE = "slice", COL_METHOD = "method", COL_CLASS = "class",
			COL_PROBABILITY = "probability", COL_DETAIL = "detail", COL_MIN = "min", COL_MAX = "max";
	/** Name of the overlay element, so a new map replaces the previous one. */
	public static final String OVERLAY = "CNN saliency";
	static final int MAX_PATCH = 1 << 16;

	private static final Saliency.Params DEFAULTS = Saliency.Params.of(Saliency.Method.GRAD_CAM);
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.choice(KEY_METHOD, DEFAULTS.method.displayName, Saliency.Method.displayNames())
			.text(KEY_CLASS, DEFAULTS.className)
			.text(KEY_LAYER, DEFAULTS.layer).alternative("conv1")
			.number(KEY_PATCH, DEFAULTS.patch, CommandKeys.whole(1, MAX_PATCH))
			.number(KEY_STRIDE, DEFAULTS.stride, CommandKeys.whole(1, MAX_PATCH))
			.number(KEY_SUPERPIXELS, DEFAULTS.superpixels, CommandKeys.whole(2, Saliency.MAX_SUPERPIXELS))
			.number(KEY_SAMPLES, DEFAULTS.samples, CommandKeys.whole(10, Saliency.MAX_SAMPLES))
			.number(KEY_SEED, DEFAULTS.seed, CommandKeys.whole(-(double) Numbers.MAX_SEED, Numbers.MAX_SEED));

	@Override
	public void run(String arg) {
		// LIME's superpixels come from OpenCV
		if (!CommandEnvironment.readyForCnn(COMMAND) || !CommandEnvironment.readyForFilters(COMMAND)) return;
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			CommandReporter.noImage(COMMAND);
			return;
		}
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		gd.addChoice(KEY_METHOD + ":", Saliency.Method.displayNames(), run.choice(KEY_METHOD));
		gd.addStringField(KEY_CLASS + ":", run.text(KEY_CLASS), 16);
		gd.addStringField(KEY_LAYER + ":", run.text(KEY_LAYER), 12);
		gd.addMessage("class: a class name, or Predicted. layer (Grad-CAM): empty = the last conv layer.");
		InspectFields.addLayerHelp(gd);
		gd.addNumericField(KEY_PATCH + ":", run.number(KEY_PATCH), 0, 6, "pixels (Occlusion)");
		gd.addNumericField(KEY_STRIDE + ":", run.number(KEY_STRIDE), 0, 6, "pixels (Occlusion)");
		gd.addNumericField(KEY_SUPERPIXELS + ":", run.number(KEY_SUPERPIXELS), 0, 6, "(LIME)");
		gd.addNumericField(KEY_SAMPLES + ":", run.number(KEY_SAMPLES), 0, 6, "(LIME)");
		gd.addNumericField(KEY_SEED + ":", run.number(KEY_SEED), 0, 12, "(LIME)");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString();
		String method = MacroValues.nextChoice(gd, KEY_METHOD);
		String className = gd.getNextString(), layer = gd.getNextString();
		double patch = gd.getNextNumber(), stride = gd.getNextNumber(), superpixels = gd.getNextNumber(),
				samples = gd.getNextNumber(), seed = gd.getNextNumber();
		InspectRun.guarded(COMMAND, "use a smaller image", progress -> {
			Saliency.Params p = new Saliency.Params(Saliency.Method.fromName(method), className, layer,
					Numbers.whole(KEY_PATCH, patch, 1, MAX_PATCH), Numbers.whole(KEY_STRIDE, stride, 1, MAX_PATCH),
					Numbers.whole(KEY_SUPERPIXELS, superpixels, 2, Saliency.MAX_SUPERPIXELS),
					Numbers.whole(KEY_SAMPLES, samples, 10, Saliency.MAX_SAMPLES), Numbers.seed(KEY_SEED, seed));
			ModelBundle bundle = ModelField.read(model);
			if (p.method == Saliency.Method.OCCLUSION || p.method == Saliency.Method.LIME)
				IJ.showStatus(COMMAND + ": " + count(p, imp) + " altered images to classify (Esc stops)");
			Saliency.Result r = Saliency.compute(bundle, imp.getProcessor(), p, progress);
			ModelField.remember(run, model);
			run.remember(KEY_METHOD, p.method.displayName).remember(KEY_CLASS, className).remember(KEY_LAYER, layer)
					.remember(KEY_PATCH, (double) p.patch).remember(KEY_STRIDE, (double) p.stride)
					.remember(KEY_SUPERPIXELS, (double) p.superpixels).remember(KEY_SAMPLES, (double) p.samples)
					.remember(KEY_SEED, (double) p.seed);
			ImagePlus map = heatMap(imp, r, p.method);
			HeatMapOverlay.show(imp, map, OVERLAY, signed(p.method));
			map.show();
			ResultsTable rt = NamedTables.getOrCreate(TABLE);
			addRow(rt, imp, p.method, r);
			NamedTables.show(TABLE, rt);
		});
	}

	private static String count(Saliency.Params p, ImagePlus imp) {
		if (p.method == Saliency.Method.LIME) return String.valueOf(p.samples);
		return String.valueOf(org.convkit.core.cnn.inspect.Occlusion.count(imp.getWidth(), imp.getHeight(), p.patch,
				p.stride));
	}

	/**
	 * Script entry: the map as a 32-bit image titled "&lt;image&gt; &lt;method&gt; &lt;class&gt;" with the image's
	 * calibration and a heat-map LUT (symmetric display range for the signed methods); not shown.
	 */
	public static ImagePlus heatMap(ImagePlus imp, Saliency.Result r, Saliency.Method method) {
		ImagePlus map = new ImagePlus(InspectFields.baseTitle(imp.getTitle()) + " " + method.displayName + " "
				+ r.className, new FloatProcessor(r.width, r.height, r.map));
		Calibration c = imp.getCalibration().copy();
		c.disableDensityCalibration();
		map.setCalibration(c);
		HeatMapOverlay.style(map, signed(method));
		map.setProperty("Info", COMMAND + "\nmethod: " + method.displayName + "\nclass: " + r.className
				+ "\nprobability: " + r.probability + (r.detail.isEmpty() ? "" : "\n" + r.detail) + "\n");
		return map;
	}

	/** Whether the method's values have a sign (a diverging LUT around 0) rather than being magnitudes. */
	static boolean signed(Saliency.Method m) {
		return m == Saliency.Method.GRADIENT_X_INPUT || m == Saliency.Method.OCCLUSION || m == Saliency.Method.LIME;
	}

	/** Appends the map's row: image, slice, method, class, probability, detail, min, max. */
	public static void addRow(ResultsTable rt, ImagePlus imp, Saliency.Method method, Saliency.Result r) {
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (float v : r.map) {
			if (!Float.isFinite(v)) continue;
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		rt.incrementCounter();
		rt.addValue(COL_IMAGE, imp.getTitle());
		rt.addValue(COL_SLICE, imp.getCurrentSlice());
		rt.addValue(COL_METHOD, method.displayName);
		rt.addValue(COL_CLASS, r.className);
		rt.addValue(COL_PROBABILITY, r.probability);
		rt.addValue(COL_DETAIL, r.detail);
		rt.addValue(COL_MIN, min);
		rt.addValue(COL_MAX, max);
		rt.setPrecision(6);
	}
}
