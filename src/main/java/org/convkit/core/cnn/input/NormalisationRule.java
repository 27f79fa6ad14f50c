package org.convkit.core.cnn.input;

import java.util.Locale;
import java.util.Objects;

/**
 * How pixel values are scaled before they enter the network (the {@code normalize=}, {@code low=}, {@code high=}
 * and {@code per=} keys; display names are public macro API). Each method maps a channel's values by an affine
 * {@code (v - offset) / scale} whose two numbers come from statistics of that channel:
 * <ul>
 * <li>Mean-std: offset = mean, scale = standard deviation (population);</li>
 * <li>Percentile: offset = the {@code low} percentile, scale = high percentile − low percentile (CSBDeep's and
 * StarDist's normalisation; percentiles as numpy's default, linear interpolation between order statistics);</li>
 * <li>Min-max: offset = minimum, scale = maximum − minimum;</li>
 * <li>None: offset 0, scale 1 (raw values).</li>
 * </ul>
 * A scale of 0 (a constant channel) or one that is not finite becomes 1, so a constant image maps to 0 everywhere and
 * never to NaN. Per Dataset: the statistics of the training data, fitted once and stored in the model; per Image:
 * the statistics of each image the network sees data from (a file, a stack slice, or the whole plane of a field that
 * patches are cut from), computed again for every image at classification time.
 */
public final class NormalisationRule {
	/** The {@code normalize=} choice. */
	public enum Method {
		MEAN_STD("Mean-std"), PERCENTILE("Percentile"), MIN_MAX("Min-max"), NONE("None");

		private final String displayName;

		Method(String displayName) {
			this.displayName = displayName;
		}

		public String displayName() {
			return displayName;
		}

		public static String[] displayNames() {
			return names(values());
		}

		/** The method with this display name (case-insensitive). */
		public static Method fromName(String name) {
			for (Method m : values())
				if (m.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return m;
			throw new IllegalArgumentException("Unknown normalisation '" + name + "' (expected Mean-std, Percentile, "
					+ "Min-max or None)");
		}
	}

	/** The {@code per=} choice: where the statistics come from. */
	public enum Per {
		DATASET("Dataset"), IMAGE("Image");

		private final String displayName;

		Per(String displayName) {
			this.displayName = displayName;
		}

		public String displayName() {
			return displayName;
		}

		public static String[] displayNames() {
			return names(values());
		}

		public static Per fromName(String name) {
			for (Per p : values())
				if (p.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return p;
			throw new IllegalArgumentException("Unknown per='" + name + "' (expected Dataset or Image)");
		}
	}

	/** StarDist's Fiji plugin's defaults (CSBDeep uses 3 and 99.8). */
	public static final double DEFAULT_LOW = 1, DEFAULT_HIGH = 99.8;
	/** What every model trained before this rule existed used. */
	public static final NormalisationRule MEAN_STD = new NormalisationRule(Method.MEAN_STD, Per.DATASET, DEFAULT_LOW,
			DEFAULT_HIGH);

	private final Method method;
	private final Per per;
	private final double low, high;

	/** @throws IllegalArgumentException when low and high are not percentiles with 0 ≤ low &lt; high ≤ 100 */
	public NormalisationRule(Method method, Per per, double low, double high) {
		if (method == null || per == null) throw new IllegalArgumentException("normalisation method and per required");
		if (!(low >= 0 && low <= 100) || !(high >= 0 && high <= 100))
			throw new IllegalArgumentException("The percentiles must be between 0 and 100, got low=" + number(low)
					+ " high=" + number(high));
		if (!(low < high))
			throw new IllegalArgumentException("The low percentile must be below the high one, got low=" + number(low)
					+ " high=" + number(high));
		this.method = method;
		this.per = per;
		this.low = low;
		this.high = high;
	}

	public Method method() {
		return method;
	}

	public Per per() {
		return per;
	}

	/** True when every image is scaled by its own statistics (never for None, which has none). */
	public boolean perImage() {
		return per == Per.IMAGE && method != Method.NONE;
	}

	public double low() {
		return low;
	}

	public double high() {
		return high;
	}

	/** The affine of one channel from its statistics: {offset, scale}; a scale of 0 or not finite becomes 1. */
	public double[] affine(ChannelStatistics s) {
		double offset, scale;
		switch (method) {
			case MEAN_STD:
				offset = s.mean();
				scale = s.std();
				break;
			case PERCENTILE: {
				double[] p = s.percentiles(low, high);
				offset = p[0];
				scale = p[1] - p[0];
				break;
			}
			case MIN_MAX:
				offset = s.min();
				scale = s.max() - s.min();
				break;
			default:
				return new double[] { 0, 1 };
		}
		if (!Double.isFinite(offset)) offset = 0;
		// as NormalisationFitter always did for Mean-std: a (nearly) constant channel is shifted, not divided by ~0
		if (!(Double.isFinite(scale) && scale > 1e-12 * Math.max(1, Math.abs(offset)))) scale = 1;
		return new double[] { offset, scale };
	}

	/** Whether fitting needs every value (percentiles) rather than running sums. */
	boolean needsValues() {
		return method == Method.PERCENTILE;
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof NormalisationRule)) return false;
		NormalisationRule r = (NormalisationRule) o;
		return r.method == method && r.per == per && Double.compare(r.low, low) == 0
				&& Double.compare(r.high, high) == 0;
	}

	@Override
	public int hashCode() {
		return Objects.hash(method, per, low, high);
	}

	/** e.g. "Percentile 1-99.8 per Image", "Mean-std per Dataset". */
	@Override
	public String toString() {
		return method.displayName + (method == Method.PERCENTILE ? " " + number(low) + "-" + number(high) : "")
				+ (method == Method.NONE ? "" : " per " + per.displayName);
	}

	static String number(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
	}

	private static String[] names(Enum<?>[] values) {
		String[] out = new String[values.length];
		for (int i = 0; i < values.length; i++)
			out[i] = values[i] instanceof Method ? ((Method) values[i]).displayName : ((Per) values[i]).displayName;
		return out;
	}
}
