package org.convkit.core.cnn.patch;

import ij.ImagePlus;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.filter.Border;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Class probabilities of outlines (ROIs): the patch around each is made exactly as in training
 * ({@link org.convkit.core.cnn.input.SourcePlanes#patch}, the model's channels, border, normalisation and mask) and
 * classified in batches. Streaming: one batch of patches in memory at a time, rows handed out as they come, so memory
 * does not grow with the number of outlines.
 * <p>
 * A model trained on whole images (a folder or a stack) classifies patches of its input size too: gray models take
 * single-channel images, RGB models RGB images, patches leaving the image are mirrored (Reflect) and not masked.
 * Not thread-safe: one DL4J network; the caller synchronises on a shared bundle.
 */
public final class PatchClassifier {
	/** Called for each outline, in order. */
	public interface Rows {
		void accept(int index, float[] probabilities);
	}

	/** Called after each batch. */
	public interface Progress {
		void update(int done, int total);
	}

	private final ModelBundle bundle;
	private final PatchInput input;
	private final InputFormat format;
	private int batchSize = Predictor.DEFAULT_BATCH;
	private Progress progress = (d, t) -> {};
	private volatile boolean cancelled;

	public PatchClassifier(ModelBundle bundle) {
		if (bundle == null) throw new IllegalArgumentException("model missing");
		this.bundle = bundle;
		this.input = patchInput(bundle);
		this.format = format(bundle);
	}

	/** The bundle's patch input, or the one implied for a model of whole images (see the class comment). */
	public static PatchInput patchInput(ModelBundle b) {
		if (b.patchInput() != null) return b.patchInput();
		return b.inputChannels() == 3 ? new PatchInput(new int[] { 1, 2, 3 }, 3, true, Border.REFLECT, 0, false)
				: new PatchInput(new int[] { 1 }, 1, false, Border.REFLECT, 0, false);
	}

	/** The network input: width × height × channels of the model (patches need no resizing). */
	public static InputFormat format(ModelBundle b) {
		return new InputFormat(b.inputHeight(), b.inputWidth(), b.inputChannels(), Resize.SCALE);
	}

	public PatchInput input() {
		return input;
	}

	public PatchClassifier batchSize(int n) {
		if (n < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + n);
		batchSize = n;
		return this;
	}

	public PatchClassifier progress(Progress p) {
		progress = p == null ? (d, t) -> {} : p;
		return this;
	}

	/** Stops after the current batch (from any thread, e.g. on Esc). */
	public void cancel() {
		cancelled = true;
	}

	/**
	 * Checks every outline's image before anything is classified.
	 *
	 * @throws IllegalArgumentException when an image's channels do not fit the model or it is smaller than a patch
	 */
	public void check(List<Outline> outlines) {
		Map<ImagePlus, Boolean> seen = new IdentityHashMap<>();
		for (Outline o : outlines)
			if (seen.put(o.image(), Boolean.TRUE) == null) checkImage(o.image());
	}

	/** @throws IllegalArgumentException as {@link #check(List)} for one image */
	public void checkImage(ImagePlus imp) {
		if (imp.getWidth() < format.width() || imp.getHeight() < format.height())
			throw new IllegalArgumentException("'" + imp.getTitle() + "' (" + imp.getWidth() + "x" + imp.getHeight()
					+ ") is smaller than the model's input (" + format.width() + "x" + format.height() + ")");
		org.convkit.core.cnn.input.SourcePlanes.check(imp, input);
	}

	/** All probabilities, in outline order; null when cancelled. */
	public float[][] classify(List<Outline> outlines) {
		float[][] out = new float[outlines.size()][];
		return classify(outlines, (i, p) -> out[i] = p) ? out : null;
	}

	/**
	 * Classifies the outlines in batches and hands each one's probabilities (in label order) to {@code rows}.
	 *
	 * @return false when cancelled (the rows of finished batches were handed out)
	 * @throws IllegalArgumentException when an image does not fit the model (see {@link #check})
	 */
	public boolean classify(List<Outline> outlines, Rows rows) {
		check(outlines);
		PlaneCache planes = new PlaneCache(input);
		Predictor predictor = new Predictor(bundle);
		int size = format.size(), n = outlines.size();
		float[] x = new float[Math.min(batchSize, Math.max(1, n)) * size];
		for (int from = 0; from < n; from += batchSize) {
			if (cancelled) return false;
			int count = Math.min(batchSize, n - from);
			for (int j = 0; j < count; j++) {
				Outline o = outlines.get(from + j);
				planes.of(o).patch(o.centreX(), o.centreY(), o.region(), format, bundle.normalisation(), x, j * size);
			}
			float[] batch = count * size == x.length ? x : java.util.Arrays.copyOf(x, count * size);
			float[][] p = predictor.predictNormalised(NdArrays.array(batch, count, format.channels(), format.height(),
					format.width()));
			for (int j = 0; j < count; j++) rows.accept(from + j, p[j]);
			progress.update(from + count, n);
		}
		return true;
	}
}
