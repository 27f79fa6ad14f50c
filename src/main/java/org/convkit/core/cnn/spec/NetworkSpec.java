package org.convkit.core.cnn.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A CNN architecture as one line of text, so that it fits in a macro call ({@code layers=[...]}), a model file and
 * a log line, and is checked (with a message naming the bad token) before any DL4J code runs.
 *
 * <h2>Grammar</h2>
 * Layers are separated by {@code ;} (a trailing {@code ;} is allowed); words are case-insensitive and may be
 * separated by any amount of space ({@code stride = 2} and {@code 5 x 5 x 20} are accepted).
 * <ul>
 * <li>{@code conv KxKxN} or {@code conv KHxKWxN}: N filters of KH×KW (the filter count may instead be given as
 * {@code filters=N}, e.g. {@code conv 5x5 filters=20}). Options in any order: {@code stride=S} (default 1),
 * {@code pad=same|valid} (default valid), an activation (default relu).</li>
 * <li>{@code maxpool K} and {@code avgpool K}: K×K windows; {@code stride=S} (default K), {@code pad=same|valid}
 * (default valid).</li>
 * <li>{@code dense N [activation]}: N units, default relu.</li>
 * <li>{@code dropout P}: during training each activation is DROPPED with probability P, 0 &lt; P &lt; 1 (the
 * Keras/PyTorch meaning). Note that DL4J's {@code dropOut(x)} takes the RETAIN probability 1 − P; the conversion is
 * {@link LayerSpec#retainProbability()}.</li>
 * <li>{@code batchnorm}: batch normalisation.</li>
 * </ul>
 * Activations: relu, leakyrelu, tanh, sigmoid, elu, identity. Conv and pooling layers cannot follow a dense layer.
 * The softmax output layer (one unit per class) is not part of the spec: ConvKit always adds it.
 * <p>
 * Output sizes: valid {@code floor((in - K) / S) + 1}, same {@code ceil(in / S)}; a layer whose output would be
 * smaller than 1×1 is rejected by {@link #shapes(int, int, int)} naming the layer.
 * <p>
 * {@link #toString()} gives the canonical text (every conv/dense activation written out, defaults omitted), which
 * {@link #parse(String)} reads back to an equal spec.
 */
public final class NetworkSpec {
	/** Architecture names offered next to "Custom". */
	public static final String LENET = "LeNet", SMALL_VGG = "Small VGG", CUSTOM = "Custom";
	/** LeNet-5 style, as in DL4J's LeNet MNIST example (with relu). */
	public static final String LENET_SPEC = "conv 5x5x20; maxpool 2; conv 5x5x50; maxpool 2; dense 500 relu";
	/** Two VGG blocks of two 3×3 same-padded convs each, then a dense layer with dropout. */
	public static final String SMALL_VGG_SPEC = "conv 3x3x32 pad=same; conv 3x3x32 pad=same; maxpool 2; "
			+ "conv 3x3x64 pad=same; conv 3x3x64 pad=same; maxpool 2; dense 256 relu; dropout 0.5";

	/** Largest input height or width (and channel count): keeps the size arithmetic far from int overflow. */
	public static final int MAX_INPUT_SIZE = 1 << 16, MAX_INPUT_CHANNELS = 4096;

	private final List<LayerSpec> layers;

	/** A spec from layer values; rejects an empty list and conv/pool layers after a dense layer. */
	public NetworkSpec(List<LayerSpec> layers) {
		if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("The layer spec is empty");
		this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
		boolean flat = false;
		for (int i = 0; i < layers.size(); i++) {
			LayerSpec l = layers.get(i);
			if (l == null) throw new IllegalArgumentException("layer " + (i + 1) + " is null");
			if (flat && l.isSpatial())
				throw new IllegalArgumentException("layer " + (i + 1) + " '" + l + "': a " + l.kind().word()
						+ " layer cannot follow a dense layer (dense layers flatten the image)");
			flat |= l.kind() == LayerSpec.Kind.DENSE;
		}
	}

	/** Parses the spec text; the IllegalArgumentException names the layer number, the layer text and the token. */
	public static NetworkSpec parse(String text) {
		return new NetworkSpec(SpecParser.parse(text));
	}

	/** The spec of a named architecture: "LeNet" or "Small VGG" (case-insensitive). */
	public static NetworkSpec preset(String name) {
		String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
		if (n.equals(LENET.toLowerCase(Locale.ROOT))) return parse(LENET_SPEC);
		if (n.equals(SMALL_VGG.toLowerCase(Locale.ROOT))) return parse(SMALL_VGG_SPEC);
		throw new IllegalArgumentException("Unknown architecture '" + name + "' (expected " + LENET + " or "
				+ SMALL_VGG + ", or " + CUSTOM + " with a layer spec)");
	}

	public List<LayerSpec> layers() {
		return layers;
	}

	/**
	 * Output shape and parameter count of each spec layer for an input of height × width × channels.
	 *
	 * @throws IllegalArgumentException naming the layer when it would shrink the image below 1×1
	 */
	public List<LayerShape> shapes(int height, int width, int channels) {
		if (height < 1 || width < 1 || channels < 1)
			throw new IllegalArgumentException("The input size must be at least 1x1x1, got " + height + "x" + width
					+ "x" + channels);
		if (height > MAX_INPUT_SIZE || width > MAX_INPUT_SIZE || channels > MAX_INPUT_CHANNELS)
			throw new IllegalArgumentException("The input size " + height + "x" + width + "x" + channels
					+ " is too large (at most " + MAX_INPUT_SIZE + "x" + MAX_INPUT_SIZE + "x" + MAX_INPUT_CHANNELS + ")");
		List<LayerShape> out = new ArrayList<>();
		int h = height, w = width, c = channels;
		boolean flat = false;
		for (int i = 0; i < layers.size(); i++) {
			LayerSpec l = layers.get(i);
			long params = 0;
			switch (l.kind()) {
				case CONV:
				case MAXPOOL:
				case AVGPOOL: {
					int oh = outSize(h, l.kernelHeight(), l.stride(), l.padding());
					int ow = outSize(w, l.kernelWidth(), l.stride(), l.padding());
					if (oh < 1 || ow < 1)
						throw new IllegalArgumentException("layer " + (i + 1) + " '" + l + "': the image would shrink"
								+ " below 1x1 (input " + h + "x" + w + "x" + c + ", window " + l.kernelHeight() + "x"
								+ l.kernelWidth() + "); use a larger input size, pad=same or fewer layers");
					checkSamePadding(i, l, h, w, c);
					if (l.kind() == LayerSpec.Kind.CONV) {
						params = (long) l.kernelHeight() * l.kernelWidth() * c * l.filters() + l.filters();
						c = l.filters();
					}
					h = oh;
					w = ow;
					break;
				}
				case DENSE: {
					long in = (long) h * w * c;
					params = in * l.units() + l.units();
					h = 1;
					w = 1;
					c = l.units();
					flat = true;
					break;
				}
				case BATCHNORM:
					params = 4L * c; // gamma, beta, running mean, running variance (all in DL4J's params())
					break;
				default:
					break;
			}
			out.add(new LayerShape(i + 1, l, h, w, c, flat, params));
		}
		return out;
	}

	/**
	 * The smallest whole factor by which images of height × width must be scaled up for this network to accept
	 * them: 1 when it accepts them as they are (e.g. LeNet needs at least 16×16, so 8×8 images get 2), 0 when no
	 * factor up to {@link #MAX_INPUT_SIZE} helps.
	 */
	public int fittingScale(int height, int width, int channels) {
		for (int k = 1; (long) k * Math.max(height, width) <= MAX_INPUT_SIZE; k++) {
			try {
				shapes(k * height, k * width, channels);
				return k;
			} catch (IllegalArgumentException tooSmall) {
				// try the next factor
			}
		}
		return 0;
	}

	/** {@link #shapes(int, int, int)} plus the softmax output layer of {@code classes} units. */
	public List<LayerShape> shapes(int height, int width, int channels, int classes) {
		if (classes < 2) throw new IllegalArgumentException("A classifier needs at least 2 classes, got " + classes);
		List<LayerShape> out = shapes(height, width, channels);
		LayerShape last = out.get(out.size() - 1);
		out.add(new LayerShape(out.size() + 1, null, 1, 1, classes, true, last.size() * classes + classes));
		return out;
	}

	/** Total parameter count of the network including the output layer (equals DL4J's {@code numParams()}). */
	public long parameterCount(int height, int width, int channels, int classes) {
		long sum = 0;
		for (LayerShape s : shapes(height, width, channels, classes)) sum += s.params;
		return sum;
	}

	/**
	 * A "same" convolution or pooling whose stride exceeds its window by 2 or more can leave more of the input
	 * uncovered than DL4J's padding can place (for 27 rows, a 1×1 window and stride 3: (9 - 1) · 3 + 1 - 27 = -2, half
	 * of it before the first window): its convolution layer then stops with "Invalid padding values calculated", and
	 * so does its pooling layers' backprop (libnd4j's forward pass starts the first window inside the image instead).
	 * Refused here, with the layer named, on every processor, before anything is trained.
	 */
	private static void checkSamePadding(int index, LayerSpec l, int h, int w, int c) {
		Padding p = l.padding();
		if (p.before(h, l.kernelHeight(), l.stride()) < 0 || p.before(w, l.kernelWidth(), l.stride()) < 0)
			throw new IllegalArgumentException("layer " + (index + 1) + " '" + l + "': with pad=same a stride of "
					+ l.stride() + " over a " + l.kernelHeight() + "x" + l.kernelWidth() + " window skips more of the "
					+ h + "x" + w + "x" + c + " input than DL4J can pad; use a window of at least " + (l.stride() - 1)
					+ " pixels, pad=valid or another input size");
	}

	private static int outSize(int in, int k, int stride, Padding pad) {
		return pad.outputSize(in, k, stride);
	}

	/** The canonical spec text: layers joined by "; ". */
	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder();
		for (LayerSpec l : layers) sb.append(sb.length() == 0 ? "" : "; ").append(l);
		return sb.toString();
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof NetworkSpec && layers.equals(((NetworkSpec) o).layers);
	}

	@Override
	public int hashCode() {
		return layers.hashCode();
	}
}
