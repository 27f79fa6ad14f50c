package org.convkit.core.cnn.spec;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One layer of a {@link NetworkSpec}: an immutable value with a {@link Kind}. One class with a kind (rather than a
 * class per layer type) keeps equality, the canonical text and the shape rules in one place; the fields that do not
 * apply to a kind are 0 / null. {@link #toString()} is the canonical spec text of the layer, which
 * {@link NetworkSpec#parse(String)} reads back to an equal value.
 */
public final class LayerSpec {
	/** The layer types of the spec language; {@link #word()} is the keyword in the spec text. */
	public enum Kind {
		CONV("conv"), MAXPOOL("maxpool"), AVGPOOL("avgpool"), DENSE("dense"), DROPOUT("dropout"),
		BATCHNORM("batchnorm");

		private final String word;

		Kind(String word) {
			this.word = word;
		}

		public String word() {
			return word;
		}

		static Kind fromWord(String word) {
			for (Kind k : values())
				if (k.word.equals(word)) return k;
			return null;
		}
	}

	/** Upper bounds that keep a typo (an extra zero or five) from building a network that cannot fit in memory. */
	public static final int MAX_KERNEL = 1024, MAX_FILTERS = 16384, MAX_UNITS = 1 << 20, MAX_STRIDE = 1024;

	private final Kind kind;
	private final int kernelHeight, kernelWidth, size, stride;
	private final Padding padding;
	private final Activation activation;
	private final double dropProbability;

	private LayerSpec(Kind kind, int kernelHeight, int kernelWidth, int size, int stride, Padding padding,
			Activation activation, double dropProbability) {
		this.kind = kind;
		this.kernelHeight = kernelHeight;
		this.kernelWidth = kernelWidth;
		this.size = size;
		this.stride = stride;
		this.padding = padding;
		this.activation = activation;
		this.dropProbability = dropProbability;
	}

	/** A convolution with {@code filters} kernels of kernelHeight × kernelWidth. */
	public static LayerSpec conv(int kernelHeight, int kernelWidth, int filters, int stride, Padding padding,
			Activation activation) {
		check(kernelHeight, 1, MAX_KERNEL, "kernel height");
		check(kernelWidth, 1, MAX_KERNEL, "kernel width");
		check(filters, 1, MAX_FILTERS, "filter count");
		check(stride, 1, MAX_STRIDE, "stride");
		return new LayerSpec(Kind.CONV, kernelHeight, kernelWidth, filters, stride,
				Objects.requireNonNull(padding), Objects.requireNonNull(activation), 0);
	}

	/** Max pooling over size × size windows; stride = size gives non-overlapping windows. */
	public static LayerSpec maxPool(int size, int stride, Padding padding) {
		return pool(Kind.MAXPOOL, size, stride, padding);
	}

	/** Average pooling over size × size windows. */
	public static LayerSpec avgPool(int size, int stride, Padding padding) {
		return pool(Kind.AVGPOOL, size, stride, padding);
	}

	private static LayerSpec pool(Kind kind, int size, int stride, Padding padding) {
		check(size, 1, MAX_KERNEL, "pool size");
		check(stride, 1, MAX_STRIDE, "stride");
		return new LayerSpec(kind, size, size, 0, stride, Objects.requireNonNull(padding), null, 0);
	}

	/** A fully connected layer of {@code units} neurons. */
	public static LayerSpec dense(int units, Activation activation) {
		check(units, 1, MAX_UNITS, "unit count");
		return new LayerSpec(Kind.DENSE, 0, 0, units, 0, null, Objects.requireNonNull(activation), 0);
	}

	/**
	 * Dropout that DROPS each activation with probability {@code dropProbability} during training (the Keras and
	 * PyTorch meaning). DL4J's {@code dropOut(x)} takes the RETAIN probability: use {@link #retainProbability()}.
	 */
	public static LayerSpec dropout(double dropProbability) {
		if (!(dropProbability > 0 && dropProbability < 1))
			throw new IllegalArgumentException("dropout probability must be between 0 and 1 (exclusive), got "
					+ dropProbability);
		return new LayerSpec(Kind.DROPOUT, 0, 0, 0, 0, null, null, dropProbability);
	}

	/** Batch normalisation over channels (after conv/pool) or units (after dense). */
	public static LayerSpec batchNorm() {
		return new LayerSpec(Kind.BATCHNORM, 0, 0, 0, 0, null, null, 0);
	}

	private static void check(int value, int min, int max, String what) {
		if (value < min || value > max)
			throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", got " + value);
	}

	public Kind kind() {
		return kind;
	}

	/** Kernel (conv) or window (pool) height; 0 for other kinds. */
	public int kernelHeight() {
		return kernelHeight;
	}

	/** Kernel (conv) or window (pool) width; 0 for other kinds. */
	public int kernelWidth() {
		return kernelWidth;
	}

	/** Filter count of a conv layer; 0 for other kinds. */
	public int filters() {
		return kind == Kind.CONV ? size : 0;
	}

	/** Unit count of a dense layer; 0 for other kinds. */
	public int units() {
		return kind == Kind.DENSE ? size : 0;
	}

	/** Stride of conv/pool layers; 0 for other kinds. */
	public int stride() {
		return stride;
	}

	/** Padding of conv/pool layers; null for other kinds. */
	public Padding padding() {
		return padding;
	}

	/** Activation of conv/dense layers; null for other kinds. */
	public Activation activation() {
		return activation;
	}

	/** Probability of dropping an activation (dropout layers); 0 for other kinds. */
	public double dropProbability() {
		return dropProbability;
	}

	/** 1 − drop probability: the value DL4J's {@code DropoutLayer.Builder(double)} / {@code dropOut(x)} expects. */
	public double retainProbability() {
		return 1 - dropProbability;
	}

	/** Conv and pooling layers work on images; the others also accept a flat vector. */
	public boolean isSpatial() {
		return kind == Kind.CONV || kind == Kind.MAXPOOL || kind == Kind.AVGPOOL;
	}

	/** The canonical spec text, e.g. {@code conv 5x5x20 stride=2 pad=same relu}. */
	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder(kind.word);
		switch (kind) {
			case CONV:
				sb.append(' ').append(kernelHeight).append('x').append(kernelWidth).append('x').append(size);
				if (stride != 1) sb.append(" stride=").append(stride);
				if (padding == Padding.SAME) sb.append(" pad=same");
				sb.append(' ').append(activation.word());
				break;
			case MAXPOOL:
			case AVGPOOL:
				sb.append(' ').append(kernelHeight);
				if (stride != kernelHeight) sb.append(" stride=").append(stride);
				if (padding == Padding.SAME) sb.append(" pad=same");
				break;
			case DENSE:
				sb.append(' ').append(size).append(' ').append(activation.word());
				break;
			case DROPOUT:
				sb.append(' ').append(BigDecimal.valueOf(dropProbability).stripTrailingZeros().toPlainString());
				break;
			default:
				break;
		}
		return sb.toString();
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof LayerSpec)) return false;
		LayerSpec l = (LayerSpec) o;
		return kind == l.kind && kernelHeight == l.kernelHeight && kernelWidth == l.kernelWidth && size == l.size
				&& stride == l.stride && padding == l.padding && activation == l.activation
				&& Double.compare(dropProbability, l.dropProbability) == 0;
	}

	@Override
	public int hashCode() {
		return Objects.hash(kind, kernelHeight, kernelWidth, size, stride, padding, activation, dropProbability);
	}
}
