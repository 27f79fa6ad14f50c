package org.convkit.core.cnn.data;

import ij.ImageStack;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;

import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One image as training would augment it, epoch after epoch: the training pipeline itself
 * ({@link Batches#trainingPipeline}, what every training batch does to an example) on plane {@code index} of a
 * stack, for epochs 1 … count, mapped back from normalised units to pixel values.
 * <p>
 * The example is the plane's stack index (0-based), as when the stack is trained with {@code source=Stack}; the
 * input size is the image's own (no resize); the normalisation is the mean and standard deviation of the whole
 * stack (training uses those of its training split, so the amounts of brightness, contrast and noise differ by
 * that ratio; the geometric changes are the same).
 */
public final class AugmentedPlanes {
	/** The most memory the preview's planes may take. */
	public static final long MAX_BYTES = 1L << 30;

	/** The augmented planes: {@code planes[e]} is epoch e + 1, channels one after the other (as the network sees). */
	public final float[][] planes;
	/** What was drawn for each epoch, e.g. "flip left-right, shift (2, -1)". */
	public final String[] draws;
	public final InputFormat format;
	public final Normalisation normalisation;

	private AugmentedPlanes(float[][] planes, String[] draws, InputFormat format, Normalisation normalisation) {
		this.planes = planes;
		this.draws = draws;
		this.format = format;
		this.normalisation = normalisation;
	}

	/**
	 * @param index     the plane, 0-based
	 * @param cancelled checked between epochs; null when the preview cannot be stopped
	 * @return the preview, or null when cancelled
	 * @throws IllegalArgumentException when count is below 1 or the stack has no readable plane
	 */
	public static AugmentedPlanes of(ImageStack stack, int index, Set<Augmenter.Op> ops, long seed, int count,
			BooleanSupplier cancelled) {
		if (count < 1) throw new IllegalArgumentException("count must be at least 1, got " + count);
		if (index < 0 || index >= stack.getSize())
			throw new IllegalArgumentException("plane " + (index + 1) + " is not in the stack (1-" + stack.getSize()
					+ ")");
		ImageProcessor ip = stack.getProcessor(index + 1);
		InputFormat f = new InputFormat(stack.getHeight(), stack.getWidth(), ImageTensor.channels(ip), Resize.SCALE);
		int[] all = new int[stack.getSize()];
		for (int i = 0; i < all.length; i++) all[i] = i;
		if ((long) count * f.size() * Float.BYTES > MAX_BYTES)
			throw new IllegalArgumentException("count=" + count + " previews of " + f.width() + "x" + f.height() + "x"
					+ f.channels() + " would take " + ((long) count * f.size() * Float.BYTES >> 20) + " MB (at most "
					+ (MAX_BYTES >> 20) + " MB): ask for fewer");
		Normalisation norm = NormalisationFitter.fit(i -> stack.getProcessor(i + 1), all, f);
		ExamplePipeline pipeline = Batches.trainingPipeline(f, norm, seed, ops);
		Augmenter drawer = new Augmenter(ops, seed);
		float[][] planes = new float[count][];
		String[] draws = new String[count];
		for (int e = 1; e <= count; e++) {
			if (cancelled != null && cancelled.getAsBoolean()) return null;
			float[] x = new float[f.size()];
			pipeline.fill(ip, e, index, x, 0);
			planes[e - 1] = denormalised(x, f, norm);
			draws[e - 1] = ops.isEmpty() ? "unchanged" : drawer.draw(f, e, index).toString();
		}
		return new AugmentedPlanes(planes, draws, f, norm);
	}

	/** value · std + mean per channel: network input back in pixel units (a new array). */
	public static float[] denormalised(float[] x, InputFormat f, Normalisation n) {
		float[] out = new float[x.length];
		int plane = f.width() * f.height();
		for (int ch = 0; ch < f.channels(); ch++) {
			double m = n.mean(ch), s = n.std(ch);
			for (int i = ch * plane, e = i + plane; i < e; i++) out[i] = (float) (x[i] * s + m);
		}
		return out;
	}
}
