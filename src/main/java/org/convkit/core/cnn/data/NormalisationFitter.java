package org.convkit.core.cnn.data;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ChannelStatistics;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;

import java.util.function.IntFunction;

/**
 * Fits the normalisation by streaming over examples (one image in memory at a time), on the network's input (after
 * resizing), in double precision. Call it with the TRAINING indices only; the result is reused for validation and
 * stored in the model for classification. A constant channel gets std 1 (scale 1 for every rule). A rule per Image
 * (or None) has nothing to fit: each image brings its own statistics.
 */
public final class NormalisationFitter {
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
	 * Mean and std per channel over any images: {@code open} gives image i, or null when it cannot be read.
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

	private static Normalisation fit(Reader reader, int[] indices, InputFormat f, NormalisationRule rule) {
		int c = f.channels(), plane = f.width() * f.height();
		boolean perDataset = !rule.perImage() && rule.method() != NormalisationRule.Method.NONE;
		ChannelStatistics[] stats = new ChannelStatistics[c];
		for (int ch = 0; ch < c; ch++) stats[ch] = ChannelStatistics.forRule(rule);
		long count = 0;
		float[] buf = new float[f.size()];
		for (int i : indices) {
			// per Image or None: one readable example is enough to know the data can be read
			if (!perDataset && count > 0) break;
			if (!reader.read(i, buf)) continue;
			for (int ch = 0; ch < c; ch++) stats[ch].add(buf, ch * plane, plane);
			count++;
		}
		if (count == 0) throw new IllegalArgumentException("None of the training images could be read");
		return perDataset ? Normalisation.fitted(rule, stats) : Normalisation.identity(rule, c);
	}
}
