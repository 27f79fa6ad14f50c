package org.convkit.plugins.inspect;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.inspect.FeatureMaps;
import org.convkit.core.cnn.inspect.InspectionNetwork;
import org.convkit.core.cnn.inspect.Tensor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.plugins.cnn.ModelField;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.Numbers;

/**
 * Plugins › ConvKit › Inspect › CNN Filters...: the learned kernels of a convolution layer as a 32-bit stack, one
 * slice per filter ("conv1 ch 03 bias=0.0123"), a hyperstack (channels = the layer's input channels) when the
 * layer reads several channels, enlarged {@code zoom} times with nearest neighbours and shown with one display range
 * symmetric around 0, so filters compare. The values are DL4J's weights as they are applied: a correlation (not
 * flipped), so a filter typed into Apply Kernel... (border Constant 0) on the normalised image, plus the bias and
 * through the layer's activation, gives the first layer's feature map.
 */
public class CnnFilters implements PlugIn {
	public static final String COMMAND = "CNN Filters...";
	public static final String KEY_MODEL = ModelField.KEY, KEY_LAYER = InspectFields.KEY_LAYER, KEY_ZOOM = "zoom";
	public static final int DEFAULT_ZOOM = 8, MAX_ZOOM = 64, MAX_SIDE = 8192;
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND)
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.text(KEY_LAYER, "conv1")
			.number(KEY_ZOOM, DEFAULT_ZOOM, CommandKeys.whole(1, MAX_ZOOM)).alternative("4");

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		gd.addStringField(KEY_LAYER + ":", run.text(KEY_LAYER), 12);
		InspectFields.addLayerHelp(gd);
		gd.addNumericField(KEY_ZOOM + ":", run.number(KEY_ZOOM), 0, 4, "times (nearest neighbour)");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString(), layer = gd.getNextString();
		double zoomValue = gd.getNextNumber();
		InspectRun.guarded(COMMAND, "use a smaller zoom", progress -> {
			int zoom = Numbers.whole(KEY_ZOOM, zoomValue, 1, MAX_ZOOM);
			ModelBundle bundle = ModelField.read(model);
			ImagePlus filters = filters(bundle, layer, zoom, InspectFields.modelName(model));
			ModelField.remember(run, model);
			run.remember(KEY_LAYER, layer).remember(KEY_ZOOM, (double) zoom);
			filters.show();
		});
	}

	/**
	 * Script entry: the filters of a convolution layer, enlarged {@code zoom} times, titled "&lt;model&gt; conv1
	 * filters" (not shown).
	 */
	public static ImagePlus filters(ModelBundle bundle, String layer, int zoom, String modelName) {
		InspectionNetwork net = InspectionNetwork.of(bundle);
		int index = LayerNames.indexOf(bundle.spec(), layer);
		String name = net.names().get(index);
		Tensor w = net.convolutionWeights(index);
		float[] bias = net.convolutionBiases(index);
		if ((long) w.width * zoom > MAX_SIDE || (long) w.height * zoom > MAX_SIDE)
			throw new IllegalArgumentException("zoom=" + zoom + " makes the " + w.width + "x" + w.height + " filters "
					+ "larger than " + MAX_SIDE + " pixels: use a smaller zoom");
		int filters = w.n, inputs = w.channels;
		ImageStack st = new ImageStack(w.width * zoom, w.height * zoom);
		float max = 0;
		for (float v : w.data) max = Math.max(max, Math.abs(v));
		for (int f = 0; f < filters; f++)
			for (int c = 0; c < inputs; c++) {
				ImageProcessor ip = new FloatProcessor(w.width, w.height, w.plane(f, c));
				ip.setInterpolationMethod(ImageProcessor.NONE);
				if (zoom > 1) ip = ip.resize(w.width * zoom, w.height * zoom);
				st.addSlice(name + " ch " + FeatureMaps.channelNumber(f, filters) + (inputs > 1 ? " in " + (c + 1) : "")
						+ " bias=" + bias[f], ip);
			}
		ImagePlus imp = new ImagePlus(modelName + " " + name + " filters", st);
		if (inputs > 1) {
			imp.setDimensions(inputs, filters, 1);
			imp = new CompositeImage(imp, IJ.GRAYSCALE);
			imp.setOpenAsHyperStack(true);
		}
		double range = max > 0 ? max : 1;
		if (imp instanceof CompositeImage)
			for (int c = 1; c <= inputs; c++) {
				((CompositeImage) imp).setC(c);
				imp.setDisplayRange(-range, range);
			}
		else imp.setDisplayRange(-range, range);
		imp.setProperty("Info", COMMAND + "\nlayer: " + name + " (" + net.spec(index) + ")\nkernel: " + w.width + "x"
				+ w.height + " (" + zoom + "x zoom), " + inputs + " input channel(s), " + filters + " filters\n"
				+ "values are applied as a correlation (not flipped), as Apply Kernel... applies a kernel\n");
		return imp;
	}
}
