package org.convkit.plugins.inspect;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.inspect.BackMapping;
import org.convkit.core.cnn.inspect.FeatureMaps;
import org.convkit.core.cnn.inspect.InspectionNetwork;
import org.convkit.core.cnn.inspect.LayerGeometry;
import org.convkit.core.cnn.inspect.ModelInput;
import org.convkit.core.cnn.inspect.Progress;
import org.convkit.core.cnn.inspect.Tensor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.plugins.cnn.ModelField;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.MacroValues;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plugins › ConvKit › Inspect › CNN Feature Maps...: what each layer of a model computes from the current image
 * plane, as 32-bit stacks (one slice per channel, "conv1 ch 03"), titled "&lt;image&gt; conv1 maps"; dense layers
 * and the output layer (class probabilities) as one-row images. The image goes through exactly Classify with
 * CNN...'s preprocessing ({@code input=[Model size]}), or, with {@code input=[Whole image]}, the convolution and
 * pooling layers run on the full-resolution image (in tiles; layers from the first dense layer on need the model's
 * size). {@code scale} enlarges each map onto the image (through the resize rule and the layer's receptive-field
 * geometry), {@code montage} adds a montage of each stack.
 */
public class CnnFeatureMaps implements PlugIn {
	public static final String COMMAND = "CNN Feature Maps...";
	public static final String KEY_MODEL = ModelField.KEY, KEY_LAYER = InspectFields.KEY_LAYER, KEY_SCALE = "scale",
			KEY_MONTAGE = "montage", KEY_INPUT = "input";
	public static final String MODEL_SIZE = "Model size", WHOLE_IMAGE = "Whole image";
	private static final String[] INPUTS = {MODEL_SIZE, WHOLE_IMAGE};
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.text(KEY_LAYER, InspectFields.ALL).alternative("conv1")
			.flag(KEY_SCALE)
			.flag(KEY_MONTAGE)
			.choice(KEY_INPUT, MODEL_SIZE, INPUTS);

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
		gd.addStringField(KEY_LAYER + ":", run.text(KEY_LAYER), 20);
		InspectFields.addLayerHelp(gd);
		gd.addCheckbox(KEY_SCALE + " (enlarge each map onto the image)", run.flag(KEY_SCALE));
		gd.addCheckbox(KEY_MONTAGE, run.flag(KEY_MONTAGE));
		gd.addChoice(KEY_INPUT + ":", INPUTS, run.choice(KEY_INPUT));
		gd.addMessage("Layer: a name such as conv1, pool1, dense1 (several separated by spaces) or All.\n"
				+ "Whole image: the conv and pooling layers on the full-size image; layers from the\n"
				+ "first dense layer on need the model's input size and are not offered there.");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString(), layer = gd.getNextString();
		boolean scale = gd.getNextBoolean(), montage = gd.getNextBoolean();
		String input = MacroValues.nextChoice(gd, KEY_INPUT);
		InspectRun.guarded(COMMAND, "choose fewer layers, Model size, or a smaller image", progress -> {
			boolean whole = parseInput(input);
			ModelBundle bundle = ModelField.read(model);
			List<ImagePlus> maps = maps(imp, bundle, layer, scale, whole, progress);
			ModelField.remember(run, model);
			run.remember(KEY_LAYER, layer).remember(KEY_SCALE, scale).remember(KEY_MONTAGE, montage)
					.remember(KEY_INPUT, input);
			for (ImagePlus m : maps) {
				m.show();
				if (montage && m.getStackSize() > 1)
					MapImages.montage(m, m.getTitle().replaceFirst(" maps$", " montage")).show();
			}
		});
	}

	static boolean parseInput(String input) {
		if (input.trim().equalsIgnoreCase(MODEL_SIZE)) return false;
		if (input.trim().equalsIgnoreCase(WHOLE_IMAGE)) return true;
		throw new IllegalArgumentException("Unknown input '" + input + "': use [" + MODEL_SIZE + "] or [" + WHOLE_IMAGE
				+ "]");
	}

	/**
	 * Script entry: the maps of the named layers (or "All") for the current plane, one image per layer, not shown.
	 *
	 * @throws IllegalArgumentException for an unknown layer, a dense layer in whole-image mode, an image whose
	 *                                  channels do not match the model, or maps too large for the free memory
	 */
	public static List<ImagePlus> maps(ImagePlus imp, ModelBundle bundle, String layer, boolean scale,
			boolean wholeImage, Progress progress) {
		InspectionNetwork net = InspectionNetwork.of(bundle);
		int[] layers = InspectFields.layers(net, layer, true, wholeImage);
		if (wholeImage) for (int l : layers) requireSpatial(net, l);
		int w = imp.getWidth(), h = imp.getHeight();
		checkMemory(net, layers, wholeImage, scale, w, h);
		ModelInput in = wholeImage ? ModelInput.wholeImage(imp.getProcessor(), bundle)
				: ModelInput.modelSize(imp.getProcessor(), bundle);
		FeatureMaps.ChannelPlanes[] a;
		float[][] flat = new float[layers.length][];
		if (wholeImage) {
			a = FeatureMaps.wholeImage(net, in.tensor, layers, 0, progress);
		} else {
			Tensor[] t = FeatureMaps.modelSize(net, in, layers);
			a = new FeatureMaps.ChannelPlanes[layers.length];
			for (int i = 0; i < layers.length; i++) {
				if (net.isSpatial(layers[i])) a[i] = FeatureMaps.ChannelPlanes.of(t[i]);
				else flat[i] = t[i].data;
			}
		}
		String base = InspectFields.baseTitle(imp.getTitle());
		List<ImagePlus> out = new ArrayList<>();
		for (int i = 0; i < layers.length; i++) {
			String name = net.names().get(layers[i]);
			ImagePlus m;
			if (!net.isSpatial(layers[i])) {
				m = new ImagePlus(base + " " + name + " maps", new FloatProcessor(flat[i].length, 1, flat[i]));
				m.getStack().setSliceLabel(name + " " + flat[i].length + (layers[i] == net.outputLayer()
						? " class probabilities (" + String.join(", ", bundle.labels()) + ")" : " units"), 1);
			} else {
				ImageStack st = scale ? scaled(net, a[i], layers[i], name, in) : MapImages.channels(a[i], name);
				a[i] = null; // the stack holds the planes now (or their scaled copies)
				m = new ImagePlus(base + " " + name + " maps", st);
				m.setCalibration(calibration(imp, net, layers[i], scale, wholeImage, in));
			}
			MapImages.sharedRange(m);
			m.setProperty("Info", info(net, layers[i], wholeImage, in));
			out.add(m);
		}
		return out;
	}

	private static void requireSpatial(InspectionNetwork net, int layer) {
		if (!net.isSpatial(layer))
			throw new IllegalArgumentException(net.names().get(layer) + " needs the model's input size: with "
					+ "input=[" + WHOLE_IMAGE + "] choose a conv or pooling layer before the first dense layer ("
					+ spatialNames(net) + ") or All");
	}

	private static String spatialNames(InspectionNetwork net) {
		List<String> s = new ArrayList<>();
		for (int i = 0; i < net.names().size(); i++) if (net.isSpatial(i)) s.add(net.names().get(i));
		return String.join(", ", s);
	}

	/** Refuses maps that would not fit in the free memory, naming the largest image size that would. */
	private static void checkMemory(InspectionNetwork net, int[] layers, boolean whole, boolean scale, int w, int h) {
		if (!whole && !scale) return;
		long need = bytes(net, layers, whole, scale, w, h);
		long free = IJ.maxMemory() - IJ.currentMemory();
		long budget = free / 2; // the maps, and room for the tiles and ImageJ's own copies
		if (need <= budget) return;
		double f = Math.sqrt((double) budget / need);
		throw new IllegalArgumentException(String.format(Locale.ROOT, "The maps of %s for a %dx%d image need %s, "
				+ "but only %s of memory is free: use a region of at most %dx%d (Image › Crop), fewer layers, "
				+ "or more memory (Edit › Options › Memory & Threads)", layerText(net, layers), w, h, megabytes(need),
				megabytes(free), Math.max(1, (int) (w * f)), Math.max(1, (int) (h * f))));
	}

	private static long bytes(InspectionNetwork net, int[] layers, boolean whole, boolean scale, int w, int h) {
		long sum = 0;
		for (int l : layers) {
			int[] one = {l};
			if (scale && net.isSpatial(l)) sum += 4L * w * h * channels(net, l);
			else if (whole) sum += FeatureMaps.bytes(net, one, w, h);
		}
		if (whole) sum += 4L * w * h * net.bundle().inputChannels(); // the normalised input
		return sum;
	}

	private static int channels(InspectionNetwork net, int layer) {
		int c = net.bundle().inputChannels();
		for (int i = 0; i <= layer; i++) if (net.spec(i).filters() > 0) c = net.spec(i).filters();
		return c;
	}

	private static String layerText(InspectionNetwork net, int[] layers) {
		List<String> n = new ArrayList<>();
		for (int l : layers) n.add(net.names().get(l));
		return String.join(", ", n);
	}

	private static String megabytes(long bytes) {
		return String.format(Locale.ROOT, "%.0f MB", bytes / 1048576.0);
	}

	/** Each channel brought onto the image's pixels. */
	private static ImageStack scaled(InspectionNetwork net, FeatureMaps.ChannelPlanes t, int layer, String name,
			ModelInput in) {
		LayerGeometry[] gy = LayerGeometry.of(net.bundle().spec(), net.names(), layer, in.tensor.height, true);
		LayerGeometry[] gx = LayerGeometry.of(net.bundle().spec(), net.names(), layer, in.tensor.width, false);
		int w = in.placement.sourceWidth, h = in.placement.sourceHeight;
		ImageStack st = new ImageStack(w, h);
		int n = t.channels.length;
		for (int c = 0; c < n; c++)
			st.addSlice(name + " ch " + FeatureMaps.channelNumber(c, n), new FloatProcessor(w, h,
					BackMapping.toImage(t.channels[c], t.width, t.height, gx[layer], gy[layer], in.placement)));
		return st;
	}

	/** Scaled maps share the image's calibration; whole-image maps have its pixel size times the layer's stride. */
	private static Calibration calibration(ImagePlus imp, InspectionNetwork net, int layer, boolean scale,
			boolean whole, ModelInput in) {
		Calibration c = imp.getCalibration().copy();
		c.disableDensityCalibration();
		if (scale) return c;
		if (!whole) return new Calibration();
		LayerGeometry gy = LayerGeometry.of(net.bundle().spec(), net.names(), layer, in.tensor.height, true)[layer];
		LayerGeometry gx = LayerGeometry.of(net.bundle().spec(), net.names(), layer, in.tensor.width, false)[layer];
		c.pixelWidth *= gx.stride;
		c.pixelHeight *= gy.stride;
		c.xOrigin = gx.output(c.xOrigin);
		c.yOrigin = gy.output(c.yOrigin);
		return c;
	}

	/** Image › Show Info text: the layer, its spec and where its outputs look in the input. */
	private static String info(InspectionNetwork net, int layer, boolean whole, ModelInput in) {
		StringBuilder sb = new StringBuilder(COMMAND).append('\n');
		sb.append("layer: ").append(net.names().get(layer)).append(" (")
				.append(layer == net.outputLayer() ? "output softmax" : net.spec(layer).toString()).append(")\n");
		sb.append("input: ").append(whole ? WHOLE_IMAGE : MODEL_SIZE).append(' ').append(in.tensor.width).append('x')
				.append(in.tensor.height).append('\n');
		if (net.isSpatial(layer)) {
			LayerGeometry g = LayerGeometry.of(net.bundle().spec(), net.names(), layer, in.tensor.width, false)[layer];
			sb.append("stride ").append(g.stride).append(", receptive field ").append(g.field).append(", padding ")
					.append(g.pad).append(" (input pixels, x)\n");
		}
		return sb.toString();
	}
}
