package org.convkit.core.cnn.data;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.PatchInput;

import java.util.List;

/**
 * Labelled images read lazily: the list of examples and their classes is known up front, pixels are read only when
 * {@link #open(int)} is called (a batch needs them). Implementations: {@link FolderDataset}, {@link StackDataset},
 * and {@code core.cnn.patch.PatchDataset} (patches around ROIs on open images, which overrides {@link #read}).
 * Reading may happen on background threads (batch prefetch); several at a time only when
 * {@link #concurrentReads()} says so.
 */
public interface Dataset {
	/** Class names in label order (sorted). */
	List<String> classes();

	/** Number of examples, including any that turn out to be unreadable. */
	int size();

	/** Class index of example i (into {@link #classes()}). */
	int label(int index);

	/** A name for messages and results: the path relative to the folder, or "slice N (label)". */
	String name(int index);

	/**
	 * The image example i comes from, for a split that keeps each source image on one side
	 * ({@link SplitRule#BY_IMAGE}): examples with equal names come from one image. By default each example is its own
	 * image (its {@link #name}).
	 */
	default String source(int index) {
		return name(index);
	}

	/** The network input's channels: 1 (grayscale) or 3 (RGB) for images, the chosen channels for patches. */
	int channels();

	/** The most common image width and height, the default model input size: {width, height}. */
	int[] commonSize();

	/**
	 * The pixels of example i, or null when it cannot be read (then it is listed in {@link #skipped()} and not read
	 * again).
	 *
	 * @throws IllegalArgumentException when the image is of another kind (bit depth, RGB vs gray) than the others
	 */
	ImageProcessor open(int index);

	/**
	 * Whether {@link #open} may be called from several threads at once (so that files are read in parallel); false
	 * by default.
	 */
	default boolean concurrentReads() {
		return false;
	}

	/**
	 * Example i as normalised network input in {@code out[offset ...]}; false when it cannot be read. The default
	 * opens the image, brings it to the format ({@link ImageTensor#convert}) and normalises it
	 * ({@link ImageTensor#normalise}: a rule per Image uses the example's own values). Batches and the normalisation
	 * fitter read examples only through here, or, for datasets of whole images ({@link #patchInput()} null), through
	 * an {@link InputCache}, which does the same open and convert and keeps the result.
	 *
	 * @throws IllegalArgumentException when the example does not fit the format (e.g. RGB for a grayscale input)
	 */
	default boolean read(int index, InputFormat f, Normalisation n, float[] out, int offset) {
		ImageProcessor ip = open(index);
		if (ip == null) return false;
		ImageTensor.convert(ip, f, out, offset);
		ImageTensor.normalise(out, offset, f, n);
		return true;
	}

	/** How examples are cut from larger images (stored in the model), or null for whole images (the default). */
	default PatchInput patchInput() {
		return null;
	}

	/** Examples skipped so far as unreadable, with the reason (a snapshot). */
	List<Skipped> skipped();

	/** An unreadable example and why. */
	final class Skipped {
		public final int index;
		public final String name, reason;

		public Skipped(int index, String name, String reason) {
			this.index = index;
			this.name = name;
			this.reason = reason;
		}

		@Override
		public String toString() {
			return name + ": " + reason;
		}
	}
}
