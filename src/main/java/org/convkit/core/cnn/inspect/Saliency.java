package org.convkit.core.cnn.inspect;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.Placement;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;

import java.util.List;
import java.util.Locale;

/**
 * Which pixels of one image a classifier's decision for one class depends on, as a float map at the image's own
 * size (maps computed on the network's grid are brought back through the resize rule, {@link BackMapping}).
 * <ul>
 * <li>Gradient, Gradient x Input, Grad-CAM: gradients of the class logit ({@link GradientMaps}), in inference
 * mode.</li>
 * <li>Occlusion, LIME: the class probability of altered copies of the image, classified exactly as Classify with
 * CNN... classifies ({@link Occlusion}, {@link Lime}).</li>
 * </ul>
 */
public final class Saliency {
	/** The methods; display names are public macro API. */
	public enum Method {
		GRADIENT("Gradient"), GRADIENT_X_INPUT("Gradient x Input"), GRAD_CAM("Grad-CAM"), OCCLUSION("Occlusion"),
		LIME("LIME");

		public final String displayName;

		Method(String displayName) {
			this.displayName = displayName;
		}

		public static String[] displayNames() {
			String[] n = new String[values().length];
			for (int i = 0; i < n.length; i++) n[i] = values()[i].displayName;
			return n;
		}

		/** The method with this display name (case-insensitive). */
		public static Method fromName(String name) {
			String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
			for (Method m : values()) if (m.displayName.toLowerCase(Locale.ROOT).equals(n)) return m;
			throw new IllegalArgumentException("Unknown method '" + name + "': use " + String.join(", ", displayNames()));
		}
	}

	/** The class to explain when none is named: the most probable one. */
	public static final String PREDICTED = "Predicted";
	/** Grad-CAM's layer when none is named: the last convolution layer. */
	public static final String LAST_CONV = "";
	/** Bounds that keep a typo from starting hours of work. */
	public static final int MAX_SAMPLES = 100_000, MAX_SUPERPIXELS = 10_000, MAX_OCCLUSIONS = 1_000_000;

	/** What to compute. */
	public static final class Params {
		public final Method method;
		public final String className, layer;
		public final int patch, stride, superpixels, samples;
		public final long seed;

		public Params(Method method, String className, String layer, int patch, int stride, int superpixels,
				int samples, long seed) {
			this.method = method;
			this.className = className == null || className.trim().isEmpty() ? PREDICTED : className.trim();
			this.layer = layer == null ? LAST_CONV : layer.trim();
			this.patch = patch;
			this.stride = stride;
			this.superpixels = superpixels;
			this.samples = samples;
			this.seed = seed;
		}

		/** Defaults: the predicted class, the last conv layer, 8-pixel patches moved by 4, 50 superpixels, 500 samples. */
		public static Params of(Method method) {
			return new Params(method, PREDICTED, LAST_CONV, 8, 4, 50, 500, 42);
		}
	}

	/** A map and what it explains. */
	public static final class Result {
		/** The map, width × height of the image, row by row (NaN where a crop hid the pixel from the network). */
		public final float[] map;
		public final int width, height;
		public final int classIndex;
		public final String className;
		/** The class's probability for the unaltered image (what Classify with CNN... reports). */
		public final float probability;
		/** What else was used: Grad-CAM's layer, LIME's superpixel count; empty otherwise. */
		public final String detail;

		Result(float[] map, int width, int height, int classIndex, String className, float probability, String detail) {
			this.map = map;
			this.width = width;
			this.height = height;
			this.classIndex = classIndex;
			this.className = className;
			this.probability = probability;
			this.detail = detail;
		}
	}

	private Saliency() {
	}

	/**
	 * Checks the parameters against the model and image before any work (the messages are meant for the user).
	 *
	 * @return the class index to explain, or -1 for the predicted class
	 */
	public static int check(ModelBundle bundle, int width, int height, Params p) {
		int classIndex = classIndex(bundle, p.className);
		switch (p.method) {
			case GRAD_CAM:
				gradCamLayer(InspectionNetwork.of(bundle), p.layer);
				break;
			case OCCLUSION:
				long n = Occlusion.count(width, height, p.patch, p.stride);
				if (n > MAX_OCCLUSIONS)
					throw new IllegalArgumentException("patch=" + p.patch + " stride=" + p.stride + " would classify " + n
							+ " occluded images of this " + width + "x" + height + " image (at most " + MAX_OCCLUSIONS
							+ "): use a larger stride");
				break;
			case LIME:
				if (p.superpixels < 2 || p.superpixels > Math.min(MAX_SUPERPIXELS, (long) width * height))
					throw new IllegalArgumentException("superpixels=" + p.superpixels + " must be between 2 and "
							+ Math.min(MAX_SUPERPIXELS, (long) width * height) + " for a " + width + "x" + height
							+ " image");
				if (p.samples < 10 || p.samples > MAX_SAMPLES)
					throw new IllegalArgumentException("samples=" + p.samples + " must be between 10 and " + MAX_SAMPLES);
				break;
			default:
				break;
		}
		return classIndex;
	}

	/** The index of a class label, or -1 for {@link #PREDICTED}. */
	public static int classIndex(ModelBundle bundle, String name) {
		if (name == null || name.trim().isEmpty() || name.trim().equalsIgnoreCase(PREDICTED)) return -1;
		int i = bundle.labels().indexOf(name.trim());
		if (i < 0)
			throw new IllegalArgumentException("The model has no class '" + name.trim() + "'; its classes are "
					+ String.join(", ", bundle.labels()) + " (or " + PREDICTED + ")");
		return i;
	}

	/** Grad-CAM's layer: the named spatial layer, or the last convolution layer. */
	static int gradCamLayer(InspectionNetwork net, String name) {
		if (name == null || name.trim().isEmpty()) {
			List<String> conv = net.convolutionNames();
			if (conv.isEmpty())
				throw new IllegalArgumentException("Grad-CAM needs a convolution layer; this model has none");
			return net.names().indexOf(conv.get(conv.size() - 1));
		}
		int i = LayerNames.indexOf(net.bundle().spec(), name);
		if (!net.isSpatial(i))
			throw new IllegalArgumentException("Grad-CAM needs a layer with feature maps (a conv or pooling layer "
					+ "before the first dense layer), not " + net.names().get(i));
		return i;
	}

	/**
	 * The map for one image plane.
	 *
	 * @throws IllegalArgumentException for bad parameters or an image whose channels do not match the model
	 * @throws Progress.Cancelled       when the progress answered false
	 */
	public static Result compute(ModelBundle bundle, ImageProcessor ip, Params p, Progress progress) {
		int w = ip.getWidth(), h = ip.getHeight();
		int requested = check(bundle, w, h, p);
		float[] probabilities;
		synchronized (bundle) {
			probabilities = new Predictor(bundle).predict(ip);
		}
		int c = requested >= 0 ? requested : Evaluation.argMax(probabilities);
		float p0 = probabilities[c];
		String label = bundle.labels().get(c);
		InspectionNetwork net = InspectionNetwork.of(bundle);
		switch (p.method) {
			case GRADIENT:
			case GRADIENT_X_INPUT: {
				ModelInput in = ModelInput.modelSize(ip, bundle);
				Tensor g = GradientMaps.pixelGradient(net, in, c);
				float[] grid = p.method == Method.GRADIENT ? GradientMaps.gradient(g)
						: GradientMaps.gradientTimesInput(g, in, bundle.normalisation());
				return new Result(onImage(grid, in.placement), w, h, c, label, p0, "");
			}
			case GRAD_CAM: {
				int layer = gradCamLayer(net, p.layer);
				ModelInput in = ModelInput.modelSize(ip, bundle);
				Tensor cam = GradientMaps.gradCam(net, in, c, layer);
				LayerGeometry gy = LayerGeometry.of(bundle.spec(), net.names(), layer, bundle.inputHeight(), true)[layer];
				LayerGeometry gx = LayerGeometry.of(bundle.spec(), net.names(), layer, bundle.inputWidth(), false)[layer];
				float[] map = BackMapping.toImage(cam.data, cam.width, cam.height, gx, gy, in.placement);
				return new Result(map, w, h, c, label, p0, "layer " + net.names().get(layer));
			}
			case OCCLUSION:
				return new Result(Occlusion.map(bundle, ip, c, p0, p.patch, p.stride, progress), w, h, c, label, p0,
						"");
			default: {
				Lime.Fit fit = Lime.fit(bundle, ip, c, p.superpixels, p.samples, p.seed, progress);
				return new Result(fit.map, w, h, c, label, p0, fit.superpixels + " superpixels");
			}
		}
	}

	/** A map on the network input's grid, on the image. */
	private static float[] onImage(float[] grid, Placement placement) {
		return BackMapping.toImage(grid, placement.width, placement.height, LayerGeometry.identity(placement.width),
				LayerGeometry.identity(placement.height), placement);
	}
}
