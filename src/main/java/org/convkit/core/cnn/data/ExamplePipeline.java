package org.convkit.core.cnn.data;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;

/**
 * What the training pipeline does to one example before it enters the network: bring it to the input size by the
 * resize rule ({@link ImageTensor#convert}), normalise it, and (training batches only) augment it for its epoch
 * and index ({@link Augmenter}). {@link Batches} builds every batch with it, and Augmentation Preview shows its
 * output, so the preview is the training code path.
 */
public final class ExamplePipeline {
	private final InputFormat format;
	private final Normalisation normalisation;
	private final Augmenter augmenter;

	/** @param augmenter null or empty for none (validation) */
	public ExamplePipeline(InputFormat format, Normalisation normalisation, Augmenter augmenter) {
		if (normalisation.channels() != format.channels())
			throw new IllegalArgumentException("normalisation has " + normalisation.channels() + " channels, the input "
					+ format.channels());
		this.format = format;
		this.normalisation = normalisation;
		this.augmenter = augmenter == null || augmenter.isEmpty() ? null : augmenter;
	}

	public InputFormat format() {
		return format;
	}

	public Normalisation normalisation() {
		return normalisation;
	}

	/** Whether examples are augmented. */
	public boolean augments() {
		return augmenter != null;
	}

	/**
	 * Writes example {@code index}'s network input for {@code epoch} into {@code out[offset ...]}
	 * ({@link InputFormat#size()} values).
	 *
	 * @throws IllegalArgumentException when the image's channels differ from the format's
	 */
	public void fill(ImageProcessor ip, int epoch, int index, float[] out, int offset) {
		ImageTensor.convert(ip, format, out, offset);
		normaliseAndAugment(out, offset, epoch, index);
	}

	/**
	 * The steps after the resize, on values already at the input format ({@link ImageTensor#convert}'s output, as
	 * an {@link InputCache} gives them): normalise, and augment for {@code epoch} and {@code index}.
	 */
	public void normaliseAndAugment(float[] out, int offset, int epoch, int index) {
		ImageTensor.normalise(out, offset, format, normalisation);
		if (augmenter != null) augmenter.apply(out, offset, format, epoch, index);
	}

	/**
	 * As {@link #fill(ImageProcessor, int, int, float[], int)} for the dataset's example {@code index}, read through
	 * {@link Dataset#read} (a whole image as above, or a patch cut around an ROI); false when it cannot be read.
	 *
	 * @throws IllegalArgumentException when the example does not fit the format
	 */
	public boolean fill(Dataset data, int index, int epoch, float[] out, int offset) {
		if (!data.read(index, format, normalisation, out, offset)) return false;
		if (augmenter != null) augmenter.apply(out, offset, format, epoch, index);
		return true;
	}
}
