package org.convkit.core.cnn.inspect;

import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.train.Predictor;

/**
 * Classifies many altered copies of one image (occlusion patches, LIME's superpixel masks) the way Classify with
 * CNN... classifies an image: each altered copy is an image of the original's type, brought to the model's input by
 * {@link ImageTensor} and classified by the {@link Predictor}, in batches of {@link Predictor#DEFAULT_BATCH} (one
 * network call per batch). One working copy of the image is altered and restored in turn, so memory does not grow
 * with the number of copies.
 * <p>
 * Removed pixels get the model's normalisation mean (the training images' mean value, so they enter the network as
 * 0), rounded to the image type's values for 8-bit, 16-bit and RGB images.
 */
final class Perturbations {
	/** Alters the working copy for copy {@code index}; every pixel it does not set must equal the original. */
	interface Alteration {
		void apply(int index, ImageProcessor work);

		/** Puts back what {@link #apply} changed. */
		void restore(int index, ImageProcessor work);
	}

	private final ModelBundle bundle;
	private final ImageProcessor original, work;
	private final InputFormat format;
	private final boolean rgb;
	private final float grayFill;
	private final int rgbFill;

	/** @throws IllegalArgumentException when the image's channels do not match the model */
	Perturbations(ModelBundle bundle, ImageProcessor original) {
		this.bundle = bundle;
		this.original = original;
		this.work = original.duplicate();
		this.format = new InputFormat(bundle.inputHeight(), bundle.inputWidth(), bundle.inputChannels(),
				bundle.resize());
		ImageTensor.convert(original, format); // the channel check, with ImageTensor's message
		rgb = original instanceof ColorProcessor;
		grayFill = rgb ? 0 : grayFill();
		rgbFill = rgb ? rgbFill() : 0;
	}

	/** The value removed gray pixels get (the model's mean, rounded and clamped for 8/16-bit). */
	private float grayFill() {
		double m = bundle.normalisation().mean(0);
		if (original.getBitDepth() == 8) return (float) Math.max(0, Math.min(255, Math.round(m)));
		if (original.getBitDepth() == 16) return (float) Math.max(0, Math.min(65535, Math.round(m)));
		return (float) m;
	}

	/** The packed RGB value removed colour pixels get. */
	private int rgbFill() {
		int rgb = 0;
		for (int c = 0; c < 3; c++)
			rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.round(bundle.normalisation().mean(c))));
		return rgb;
	}

	/** Sets pixel i of the working copy to the fill value. */
	void remove(ImageProcessor work, int i) {
		if (rgb) ((int[]) work.getPixels())[i] = rgbFill;
		else work.setf(i, grayFill);
	}

	/** Restores pixel i of the working copy from the original. */
	void keep(ImageProcessor work, int i) {
		if (rgb) ((int[]) work.getPixels())[i] = ((int[]) original.getPixels())[i];
		else work.setf(i, original.getf(i));
	}

	/** The probability of {@code classIndex} for each of {@code count} altered copies. */
	float[] probabilities(int count, Alteration alteration, int classIndex, Progress progress) {
		float[] out = new float[count];
		int size = format.size(), batch = Predictor.DEFAULT_BATCH;
		Predictor predictor = new Predictor(bundle);
		for (int from = 0; from < count; from += batch) {
			Progress.step(progress, from, count);
			int n = Math.min(batch, count - from);
			float[] x = new float[n * size];
			for (int j = 0; j < n; j++) {
				alteration.apply(from + j, work);
				ImageTensor.convert(work, format, x, j * size);
				ImageTensor.normalise(x, j * size, format, bundle.normalisation());
				alteration.restore(from + j, work);
			}
			float[][] p;
			synchronized (bundle) { // the bundle's network is shared with Classify with CNN...
				p = predictor.predictNormalised(NdArrays.array(x, n, format.channels(), format.height(), format.width()));
			}
			for (int j = 0; j < n; j++) out[from + j] = p[j][classIndex];
		}
		Progress.step(progress, count, count);
		return out;
	}
}
