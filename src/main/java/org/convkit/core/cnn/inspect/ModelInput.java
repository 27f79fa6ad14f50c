package org.convkit.core.cnn.inspect;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Placement;
import org.convkit.core.cnn.model.ModelBundle;

/**
 * One image as the network sees it: normalised values (one image, NCHW) made by {@link ImageTensor} exactly as
 * Classify with CNN... makes them, and the {@link Placement} that relates the image's pixels to them.
 */
public final class ModelInput {
	/** The normalised input, 1 × channels × height × width. */
	public final Tensor tensor;
	/** Where the image's pixels are in {@link #tensor}. */
	public final Placement placement;

	private ModelInput(Tensor tensor, Placement placement) {
		this.tensor = tensor;
		this.placement = placement;
	}

	/**
	 * The image at the model's input size, by the model's resize rule and normalisation.
	 *
	 * @throws IllegalArgumentException when its channels (gray/RGB) do not match the model
	 */
	public static ModelInput modelSize(ImageProcessor ip, ModelBundle bundle) {
		InputFormat f = new InputFormat(bundle.inputHeight(), bundle.inputWidth(), bundle.inputChannels(),
				bundle.resize());
		return of(ip, bundle, f);
	}

	/**
	 * The image at its own size (for the layers that do not need the model's size), normalised as the model's
	 * input.
	 *
	 * @throws IllegalArgumentException when its channels do not match the model
	 */
	public static ModelInput wholeImage(ImageProcessor ip, ModelBundle bundle) {
		InputFormat f = new InputFormat(ip.getHeight(), ip.getWidth(), bundle.inputChannels(), bundle.resize());
		return of(ip, bundle, f);
	}

	private static ModelInput of(ImageProcessor ip, ModelBundle bundle, InputFormat f) {
		float[] x = new float[Tensor.checkedSize(1, f.channels(), f.height(), f.width())];
		ImageTensor.convert(ip, f, x, 0);
		ImageTensor.normalise(x, 0, f, bundle.normalisation());
		Placement p = Placement.of(ip.getWidth(), ip.getHeight(), f.width(), f.height(), f.resize());
		return new ModelInput(new Tensor(x, 1, f.channels(), f.height(), f.width()), p);
	}
}
