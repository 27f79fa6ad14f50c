package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.inspect.ActivationMaximization;
import org.convkit.core.cnn.inspect.FeatureMaps;
import org.convkit.core.cnn.inspect.InspectionNetwork;
import org.convkit.core.cnn.inspect.Progress;
import org.convkit.core.cnn.inspect.Tensor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.plugins.cnn.ModelField;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.Numbers;

import java.util.ArrayList;
import java.util.List;

/**
 * Plugins › ConvKit › Inspect › CNN Activation Maximization...: for each chosen channel of a layer, the input image
 * that excites it most ({@link ActivationMaximization}: gradient ascent from seeded noise with jitter and blur),
 * at the model's input size, as a stack titled "&lt;model&gt; conv2 activation maximization" with one slice per
 * channel ("conv2 ch 03"): 32-bit in the model's pixel units for grayscale models, RGB for RGB models. For a dense
 * layer the channels are its units; for the output layer, its classes (the image that most raises the class's
 * score). Needs no open image. The same seed gives the same images.
 */
public class CnnActivationMaximization implements PlugIn {
	public static final String COMMAND = "CNN Activation Maximization...";
	public static final String KEY_MODEL = ModelField.KEY, KEY_LAYER = InspectFields.KEY_LAYER,
			KEY_CHANNELS = "channels", KEY_ITERATIONS = "iterations", KEY_STEP = "step", KEY_SEED = "seed";
	public static final String ALL = "all";
	public static final int DEFAULT_ITERATIONS = 100;
	public static final double DEFAULT_STEP = 0.1;
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND)
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.text(KEY_LAYER, "conv1")
			.text(KEY_CHANNELS, "0-7").example("0-1").alternative("0")
			.number(KEY_ITERATIONS, DEFAULT_ITERATIONS, CommandKeys.whole(1, ActivationMaximization.MAX_ITERATIONS))
			.example("5").alternative("6")
			.number(KEY_STEP, DEFAULT_STEP, CommandKeys.above(0, 100))
			.number(KEY_SEED, 42, CommandKeys.whole(-(double) Numbers.MAX_SEED, Numbers.MAX_SEED));

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		gd.addStringField(KEY_LAYER + ":", run.text(KEY_LAYER), 12);
		InspectFields.addLayerHelp(gd);
		gd.addStringField(KEY_CHANNELS + ":", run.text(KEY_CHANNELS), 12);
		gd.addMessage("channels: e.g. 0-7, 0,3,5 or all (0-based; units of a dense layer, classes of the output)");
		gd.addNumericField(KEY_ITERATIONS + ":", run.number(KEY_ITERATIONS), 0, 6, "");
		gd.addNumericField(KEY_STEP + ":", run.number(KEY_STEP), 3, 6, "(training std per step)");
		gd.addNumericField(KEY_SEED + ":", run.number(KEY_SEED), 0, 12, "");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString(), layer = gd.getNextString(), channels = gd.getNextString();
		double iterations = gd.getNextNumber(), step = gd.getNextNumber(), seed = gd.getNextNumber();
		InspectRun.guarded(COMMAND, "choose fewer channels", progress -> {
			int it = Numbers.whole(KEY_ITERATIONS, iterations, 1, ActivationMaximization.MAX_ITERATIONS);
			double s = Numbers.above(KEY_STEP, step, 0, 100);
			long sd = Numbers.seed(KEY_SEED, seed);
			ModelBundle bundle = ModelField.read(model);
			ImagePlus result = images(bundle, layer, channels, it, s, sd, InspectFields.modelName(model), progress);
			ModelField.remember(run, model);
			run.remember(KEY_LAYER, layer).remember(KEY_CHANNELS, channels).remember(KEY_ITERATIONS, (double) it)
					.remember(KEY_STEP, s).remember(KEY_SEED, (double) sd);
			result.show();
		});
	}

	/** Script entry: the stack for the channels of the layer (not shown). */
	public static ImagePlus images(ModelBundle bundle, String layer, String channels, int iterations, double step,
			long seed, String modelName, Progress progress) {
		InspectionNetwork net = InspectionNetwork.of(bundle);
		int index = LayerNames.indexOf(bundle.spec(), layer);
		String name = net.names().get(index);
		int count = channelCount(net, index);
		int[] ch = parseChannels(channels, count, name);
		Tensor t = ActivationMaximization.run(net, index, ch, iterations, step, seed, progress);
		ImageStack st = new ImageStack(t.width, t.height);
		for (int i = 0; i < ch.length; i++) {
			String label = name + " ch " + FeatureMaps.channelNumber(ch[i], count)
					+ (index == net.outputLayer() ? " " + bundle.labels().get(ch[i]) : "");
			st.addSlice(label, t.channels == 3 ? rgb(t, i) : new FloatProcessor(t.width, t.height, t.plane(i, 0)));
		}
		ImagePlus imp = new ImagePlus(modelName + " " + name + " activation maximization", st);
		if (t.channels == 1) MapImages.sharedRange(imp);
		imp.setProperty("Info", COMMAND + "\nlayer: " + name + "\nchannels: " + channels + "\niterations: "
				+ iterations + "\nstep: " + step + "\nseed: " + seed + "\n");
		return imp;
	}

	/** Channels of a spatial layer, units of a dense layer, classes of the output layer. */
	static int channelCount(InspectionNetwork net, int layer) {
		if (layer == net.outputLayer()) return net.bundle().labels().size();
		int c = net.bundle().inputChannels();
		for (int i = 0; i <= layer; i++) {
			if (net.spec(i).filters() > 0) c = net.spec(i).filters();
			if (net.spec(i).units() > 0) c = net.spec(i).units();
		}
		return c;
	}

	/**
	 * "0-7", "0,3,5", "2 4-6" or "all", 0-based, each at most once, in the order given.
	 *
	 * @throws IllegalArgumentException for a bad token or a channel the layer does not have
	 */
	static int[] parseChannels(String text, int count, String layer) {
		String t = text == null ? "" : text.trim();
		if (t.isEmpty()) throw new IllegalArgumentException("No channels given: e.g. channels=0-7 or channels=all");
		List<Integer> out = new ArrayList<>();
		if (t.equalsIgnoreCase(ALL)) {
			for (int i = 0; i < count; i++) out.add(i);
		} else {
			for (String token : t.split("[,\\s]+")) {
				if (!token.matches("\\d{1,9}(-\\d{1,9})?"))
					throw new IllegalArgumentException("channels=" + t + ": '" + token + "' is not a channel number or "
							+ "a range like 0-7");
				String[] ab = token.split("-");
				int a = Integer.parseInt(ab[0]), b = ab.length > 1 ? Integer.parseInt(ab[1]) : a;
				if (b < a) throw new IllegalArgumentException("channels=" + t + ": the range " + token + " is empty");
				if (b >= count)
					throw new IllegalArgumentException("channels=" + t + ": " + layer + " has " + count
							+ " channels (0-" + (count - 1) + ")");
				for (int c = a; c <= b; c++) if (!out.contains(c)) out.add(c);
			}
		}
		if (out.size() > ActivationMaximization.MAX_CHANNELS)
			throw new IllegalArgumentException("at most " + ActivationMaximization.MAX_CHANNELS + " channels at once");
		int[] a = new int[out.size()];
		for (int i = 0; i < a.length; i++) a[i] = out.get(i);
		return a;
	}

	private static ColorProcessor rgb(Tensor t, int image) {
		ColorProcessor cp = new ColorProcessor(t.width, t.height);
		int[] px = (int[]) cp.getPixels();
		int plane = t.planeSize();
		for (int i = 0; i < plane; i++) {
			int rgb = 0;
			for (int c = 0; c < 3; c++)
				rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.round(t.data[t.offset(image, c) + i])));
			px[i] = rgb;
		}
		return cp;
	}
}
