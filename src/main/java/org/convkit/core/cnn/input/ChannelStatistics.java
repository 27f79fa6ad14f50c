package org.convkit.core.cnn.input;

import java.util.Arrays;

/**
 * The statistics of one channel's values that a {@link NormalisationRule} needs, accumulated value by value or plane
 * by plane: count, mean and standard deviation (double sums), minimum and maximum, and — only when asked for — every
 * value, for exact percentiles. Whole 8- and 16-bit planes are counted in a histogram instead (exact, and no copy of
 * the plane); other values are kept up to {@value #MAX_VALUES} and then every other one is dropped, so memory stays
 * bounded (the percentiles then come from an evenly thinned sample, which {@link #sampled()} reports).
 */
public final class ChannelStatistics {
	/** Values kept for percentiles before thinning (64 MB of floats). */
	public static final int MAX_VALUES = 1 << 24;

	private final boolean keepValues;
	private long count;
	private double sum, sumSq;
	private double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
	private float[] values;
	private int kept, keepEvery = 1;
	private long seen;
	private long[] histogram; // counts of integer values 0..65535 from whole 8/16-bit planes

	/** @param keepValues whether percentiles will be asked for */
	public ChannelStatistics(boolean keepValues) {
		this.keepValues = keepValues;
		values = keepValues ? new float[1024] : null;
	}

	/** Statistics for the rule (values kept only for Percentile). */
	public static ChannelStatistics forRule(NormalisationRule rule) {
		return new ChannelStatistics(rule.needsValues());
	}

	/** Adds {@code n} values from {@code data[offset ...]}. */
	public void add(float[] data, int offset, int n) {
		double s = 0, s2 = 0, lo = min, hi = max;
		for (int i = offset, e = offset + n; i < e; i++) {
			double v = data[i];
			s += v;
			s2 += v * v;
			if (v < lo) lo = v;
			if (v > hi) hi = v;
		}
		sum += s;
		sumSq += s2;
		min = lo;
		max = hi;
		count += n;
		if (keepValues) for (int i = offset, e = offset + n; i < e; i++) keep(data[i]);
	}

	/** Adds every pixel of an unsigned 16-bit plane (ImageJ's ShortProcessor pixels). */
	public void addShorts(short[] pixels) {
		long[] h = histogram();
		for (short p : pixels) h[p & 0xffff]++;
		addHistogramSums(pixels.length);
	}

	/** Adds every pixel of an unsigned 8-bit plane (ImageJ's ByteProcessor pixels). */
	public void addBytes(byte[] pixels) {
		long[] h = histogram();
		for (byte p : pixels) h[p & 0xff]++;
		addHistogramSums(pixels.length);
	}

	private long[] histogram() {
		if (histogram == null) histogram = new long[65536];
		return histogram;
	}

	/** Recomputes sums, min and max from the histogram (exact in double: integer values). */
	private void addHistogramSums(int n) {
		// the histogram holds all planes added so far; rebuild its share of the sums each time
		count += n;
		double s = 0, s2 = 0;
		int lo = -1, hi = -1;
		for (int v = 0; v < histogram.length; v++) {
			long c = histogram[v];
			if (c == 0) continue;
			if (lo < 0) lo = v;
			hi = v;
			s += (double) c * v;
			s2 += (double) c * v * v;
		}
		histogramSum = s;
		histogramSumSq = s2;
		min = Math.min(min, lo);
		max = Math.max(max, hi);
	}

	private double histogramSum, histogramSumSq;

	private void keep(float v) {
		if (seen++ % keepEvery != 0) return;
		if (kept == values.length) {
			if (kept >= MAX_VALUES) { // thin: keep every other value from now on, and of those kept so far
				for (int i = 0; i < kept / 2; i++) values[i] = values[2 * i];
				kept /= 2;
				keepEvery *= 2;
				return;
			}
			values = Arrays.copyOf(values, Math.min(MAX_VALUES, kept * 2));
		}
		values[kept++] = v;
	}

	public long count() {
		return count;
	}

	public double mean() {
		return count == 0 ? Double.NaN : (sum + histogramSum) / count;
	}

	/** Population standard deviation. */
	public double std() {
		if (count == 0) return Double.NaN;
		double m = mean();
		return Math.sqrt(Math.max(0, (sumSq + histogramSumSq) / count - m * m));
	}

	public double min() {
		return count == 0 ? Double.NaN : min;
	}

	public double max() {
		return count == 0 ? Double.NaN : max;
	}

	/** True when the percentiles come from a thinned sample of the values. */
	public boolean sampled() {
		return keepEvery > 1;
	}

	/**
	 * The percentiles (0..100) as numpy's {@code np.percentile(values, q)} computes them (method "linear": the value
	 * at rank {@code q/100 × (n − 1)} of the sorted values, interpolated between its two neighbours).
	 *
	 * @throws IllegalStateException when values were not kept
	 */
	public double[] percentiles(double... q) {
		if (count == 0) {
			double[] nan = new double[q.length];
			Arrays.fill(nan, Double.NaN);
			return nan;
		}
		if (histogram != null && kept == 0) return histogramPercentiles(q);
		if (!keepValues) throw new IllegalStateException("percentiles need the values: create with keepValues");
		if (histogram != null)
			throw new IllegalStateException("percentiles of whole 16-bit planes and of loose values cannot be mixed");
		float[] sorted = Arrays.copyOf(values, kept);
		Arrays.sort(sorted);
		double[] out = new double[q.length];
		for (int i = 0; i < q.length; i++) {
			double rank = q[i] / 100 * (kept - 1);
			int lo = (int) Math.floor(rank), hi = Math.min(lo + 1, kept - 1);
			out[i] = lerp(sorted[lo], sorted[hi], rank - lo);
		}
		return out;
	}

	private double[] histogramPercentiles(double[] q) {
		double[] out = new double[q.length];
		for (int i = 0; i < q.length; i++) {
			double rank = q[i] / 100 * (count - 1);
			long lo = (long) Math.floor(rank), hi = Math.min(lo + 1, count - 1);
			out[i] = lerp(valueAtRank(lo), valueAtRank(hi), rank - lo);
		}
		return out;
	}

	/** The value of 0-based rank k in the sorted histogram values. */
	private double valueAtRank(long k) {
		long c = 0;
		for (int v = 0; v < histogram.length; v++) {
			c += histogram[v];
			if (c > k) return v;
		}
		throw new IllegalStateException("rank " + k + " beyond " + count + " values");
	}

	/** numpy's _lerp: a + (b − a)·t, computed from b when t ≥ 0.5 (exact at both ends). */
	static double lerp(double a, double b, double t) {
		double d = b - a;
		return t >= 0.5 ? b - d * (1 - t) : a + d * t;
	}
}
