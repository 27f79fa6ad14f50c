package org.convkit.plugins.inspect;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.inspect.DeepDream;
import org.convkit.core.cnn.inspect.InspectionNetwork;
import org.convkit.core.cnn.inspect.ModelInput;
import org.convkit.core.cnn.inspect.Progress;
import org.convkit.core.cnn.inspect.Tensor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.plugins.cnn.ModelField;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.Numbers;

import java.util.List;

/**
 * Plugins › ConvKit › Inspect › CNN Deep Dream...: the current plane, at its own size, changed by gradient ascent so
 * that what the chosen convolution layers respond to is amplified ({@link DeepDream}: octave pyramid, jitter,
 * tiles for large images). The result is a new image of the same type and calibration, titled "&lt;image&gt;
 * dream"; values stay within the type's range (a 32-bit image's own min..max). Progress bar; Esc stops.
 */
public class CnnDeepDream implements PlugIn {
	public static final String COMMAND = "CNN Deep Dream...";
	public static final String KEY_MODEL = ModelField.KEY, KEY_LAYER = InspectFields.KEY_LAYER,
			KEY_ITERATIONS = "iterations", KEY_OCTAVES = "octaves", KEY_SCALE = "scale", KEY_STEP = "step",
			KEY_SEED = "seed";
	public static final int DEFAULT_ITERATIONS = 10, DEFAULT_OCTAVES = 3;
	public static final double DEFAULT_SCALE = 1.4, DEFAULT_STEP = 0.05;
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.text(KEY_LAYER, "").alternative("conv1")
			.number(KEY_ITERATIONS, DEFAULT_ITERATIONS, CommandKeys.whole(1, DeepDream.MAX_ITERATIONS))
			.example("2").alternative("3")
			.number(KEY_OCTAVES, DEFAULT_OCTAVES, CommandKeys.whole(1, DeepDream.MAX_OCTAVES))
			.number(KEY_SCALE, DEFAULT_SCALE, CommandKeys.above(1, 4))
			.number(KEY_STEP, DEFAULT_STEP, CommandKeys.above(0, 100))
			.number(KEY_SEED, 42, CommandKeys.whole(-(double) Numbers.MAX_SEED, Numbers.MAX_SEED));

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
		gd.addStringField(KEY_LAYER + ":", run.text(KEY_LAYER), 16);
		gd.addMessage("layer: one or more conv or pooling layers (e.g. conv2, or conv1 conv2); empty = the last "
				+ "conv layer.");
		InspectFields.addLayerHelp(gd);
		gd.addNumericField(KEY_ITERATIONS + ":", run.number(KEY_ITERATIONS), 0, 6, "per octave");
		gd.addNumericField(KEY_OCTAVES + ":", run.number(KEY_OCTAVES), 0, 6, "");
		gd.addNumericField(KEY_SCALE + ":", run.number(KEY_SCALE), 2, 6, "(size ratio of octaves)");
		gd.addNumericField(KEY_STEP + ":", run.number(KEY_STEP), 3, 6, "(training std per step)");
		gd.addNumericField(KEY_SEED + ":", run.number(KEY_SEED), 0, 12, "");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString(), layer = gd.getNextString();
		double iterations = gd.getNextNumber(), octaves = gd.getNextNumber(), scale = gd.getNextNumber(),
				step = gd.getNextNumber(), seed = gd.getNextNumber();
		InspectRun.guarded(COMMAND, "crop the " + imp.getWidth() + "x" + imp.getHeight() + " image", progress -> {
			int it = Numbers.whole(KEY_ITERATIONS, iterations, 1, DeepDream.MAX_ITERATIONS);
			int oc = Numbers.whole(KEY_OCTAVES, octaves, 1, DeepDream.MAX_OCTAVES);
			double sc = Numbers.above(KEY_SCALE, scale, 1, 4);
			double st = Numbers.above(KEY_STEP, step, 0, 100);
			long sd = Numbers.seed(KEY_SEED, seed);
			ModelBundle bundle = ModelField.read(model);
			ImagePlus dream = dream(imp, bundle, layer, it, oc, sc, st, sd, progress);
			ModelField.remember(run, model);
			run.remember(KEY_LAYER, layer).remember(KEY_ITERATIONS, (double) it).remember(KEY_OCTAVES, (double) oc)
					.remember(KEY_SCALE, sc).remember(KEY_STEP, st).remember(KEY_SEED, (double) sd);
			dream.show();
		});
	}

	/** Script entry: the dream of the current plane as a new image of the same type and calibration (not shown). */
	public static ImagePlus dream(ImagePlus imp, ModelBundle bundle, String layer, int iterations, int octaves,
			double scale, double step, long seed, Progress progress) {
		InspectionNetwork net = InspectionNetwork.of(bundle);
		int[] layers = layer == null || layer.trim().isEmpty() ? new int[] {lastConvolution(net)}
				: InspectFields.layers(net, layer, false, true);
		DeepDream.Params p = new DeepDream.Params(layers, iterations, octaves, scale, step, seed);
		ImageProcessor ip = imp.getProcessor();
		DeepDream.check(net, p, ip.getWidth(), ip.getHeight());
		ModelInput in = ModelInput.wholeImage(ip, bundle);
		float[][] range = range(ip, bundle.inputChannels());
		Tensor t = DeepDream.run(net, in.tensor, p, range[0], range[1], 0, progress);
		ImageProcessor out = toType(t, ip);
		ImagePlus dream = new ImagePlus(InspectFields.baseTitle(imp.getTitle()) + " dream", out);
		dream.setCalibration(imp.getCalibration().copy());
		if (!(out instanceof ColorProcessor)) {
			if (ip.getBitDepth() == 32) dream.resetDisplayRange();
			else dream.setDisplayRange(ip.getMin(), ip.getMax());
		}
		StringBuilder names = new StringBuilder();
		for (int l : layers) names.append(names.length() == 0 ? "" : " ").append(net.names().get(l));
		dream.setProperty("Info", COMMAND + "\nlayers: " + names + "\niterations: " + iterations + " per octave\n"
				+ "octaves: " + octaves + " (scale " + scale + ")\nstep: " + step + "\nseed: " + seed + "\n");
		return dream;
	}

	private static int lastConvolution(InspectionNetwork net) {
		List<String> conv = net.convolutionNames();
		if (conv.isEmpty()) throw new IllegalArgumentException("The model has no convolution layer to dream with");
		return net.names().indexOf(conv.get(conv.size() - 1));
	}

	/** The pixel range each channel may take: the type's (8-bit, 16-bit, RGB), or a 32-bit image's own. */
	static float[][] range(ImageProcessor ip, int channels) {
		float[] lo = new float[channels], hi = new float[channels];
		for (int c = 0; c < channels; c++) {
			switch (ip.getBitDepth()) {
				case 16:
					hi[c] = 65535;
					break;
				case 32: {
					float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
					for (int i = 0, n = ip.getPixelCount(); i < n; i++) {
						float v = ip.getf(i);
						if (!Float.isFinite(v)) continue;
						min = Math.min(min, v);
						max = Math.max(max, v);
					}
					lo[c] = min <= max ? min : 0;
					hi[c] = min <= max ? max : 0;
					break;
				}
				default:
					hi[c] = 255;
			}
		}
		return new float[][] {lo, hi};
	}

	/** The dream's pixel values as an image of the original's type (rounded and clamped for integer types). */
	static ImageProcessor toType(Tensor t, ImageProcessor original) {
		ImageProcessor out = original.createProcessor(t.width, t.height);
		int n = t.planeSize();
		if (out instanceof ColorProcessor) {
			int[] px = (int[]) out.getPixels();
			for (int i = 0; i < n; i++) {
				int rgb = 0;
				for (int c = 0; c < 3; c++)
					rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.round(t.data[t.offset(0, c) + i])));
				px[i] = rgb;
			}
			return out;
		}
		double max = original.getBitDepth() == 8 ? 255 : original.getBitDepth() == 16 ? 65535 : Double.NaN;
		for (int i = 0; i < n; i++) {
			float v = t.data[i];
			out.setf(i, Double.isNaN(max) ? v : (float) Math.max(0, Math.min(max, Math.round(v))));
		}
		out.setColorModel(original.getColorModel());
		return out;
	}
}
