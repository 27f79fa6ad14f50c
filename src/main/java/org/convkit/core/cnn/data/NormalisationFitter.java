package org.convkit.core.cnn.data;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ChannelStatistics;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;

import java.util.function.IntFunction;

/**
 * Fits the normalisation on the network's input (after resizing), in double precision, adding the examples up in the
 * order given (so the result does not depend on how many threads read them). Call it with the TRAINING indices only;
 * the result is reused for validation and stored in the model for classification. A constant channel gets std 1
 * (scale 1 for every rule). A rule per Image (or None) has nothing to fit: each image brings its own statistics.
 */
public final class NormalisationFitter {
	/** Examples read per step from an {@link InputCache}: its threads share them out. */
	private static final int CHUNK = 256;

	private NormalisationFitter() {
	}

	/** Writes example i's raw network input (resized, not normalised) into the buffer; false when unreadable. */
	private interface Reader {
		boolean read(int index, float[] buf);
	}

	/** Mean and std per channel (the rule of every model before rules existed). */
	public static Normalisation fit(Dataset data, int[] indices, InputFormat f) {
		return fit(data, indices, f, NormalisationRule.MEAN_STD);
	}

	/**
	 * The same over any images: {@code open} gives image i, or null when it cannot be read.
	 *
	 * @throws IllegalArgumentException when no example is readable
	 */
	public static Normalisation fit(IntFunction<ImageProcessor> open, int[] indices, InputFormat f) {
		return fit((i, buf) -> {
			ImageProcessor ip = open.apply(i);
			if (ip == null) return false;
			ImageTensor.convert(ip, f, buf, 0);
			return true;
		}, indices, f, NormalisationRule.MEAN_STD);
	}

	/** @throws IllegalArgumentException when no example is readable */
	public static Normalisation fit(Dataset data, int[] indices, InputFormat f, NormalisationRule rule) {
		Normalisation raw = Normalisation.none(f.channels());
		return fit((i, buf) -> data.read(i, f, raw, buf, 0), indices, f, rule);
	}

	/**
	 * Over a dataset of whole images as the cache gives them ({@link InputCache#covers}): it reads them (in parallel
	 * where it can) and keeps them for the epochs when its budget allows. The same result as
	 * {@link #fit(Dataset, int[], InputFormat, NormalisationRule)}.
	 *
	 * @throws IllegalArgumentException when no example is readable
	 */
	public static Normalisation fit(InputCache inputs, int[] indices, NormalisationRule rule) {
		InputFormat f = inputs.format();
		Statistics stats = new Statistics(f, rule);
		int size = f.size(), chunk = Math.min(CHUNK, Math.max(1, indices.length));
		float[] buf = new float[chunk * size];
		int[] used = new int[chunk];
		for (int from = 0; from < indices.length && stats.wantsMore(); from += chunk) {
			int n = inputs.load(indices, from, Math.min(indices.length, from + chunk), buf, used);
			for (int k = 0; k < n && stats.wantsMore(); k++) stats.add(buf, k * size);
		}
		return stats.result();
	}

	private static Normalisation fit(Reader reader, int[] indices, InputFormat f, NormalisationRule rule) {
		Statistics stats = new Statistics(f, rule);
		float[] buf = new float[f.size()];
		for (int i : indices) {
			if (!stats.wantsMore()) break;
			if (reader.read(i, buf)) stats.add(buf, 0);
		}
		return stats.result();
	}

	/** Per-channel statistics of the rule, one example after the other. */
	private static final class Statistics {
		private final int c, plane;
		private final NormalisationRule rule;
		private final boolean perDataset;
		private final ChannelStatistics[] stats;
		private long count;

		Statistics(InputFormat f, NormalisationRule rule) {
			c = f.channels();
			plane = f.width() * f.height();
			this.rule = rule;
			perDataset = !rule.perImage() && rule.method() != NormalisationRule.Method.NONE;
			stats = new ChannelStatistics[c];
			for (int ch = 0; ch < c; ch++) stats[ch] = ChannelStatistics.forRule(rule);
		}

		/** Per Image or None: one readable example is enough to know the data can be read. */
		boolean wantsMore() {
			return perDataset || count == 0;
		}

		void add(float[] buf, int offset) {
			for (int ch = 0; ch < c; ch++) stats[ch].add(buf, offset + ch * plane, plane);
			count++;
		}

		Normalisation result() {
			if (count == 0) throw new IllegalArgumentException("None of the training images could be read");
			return perDataset ? Normalisation.fitted(rule, stats) : Normalisation.identity(rule, c);
		}
	}
}
