package org.convkit.core.cnn.train;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.NetworkTwin;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.SmallBatchForward;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.List;

/**
 * Class probabilities from a model bundle: each image is brought to the model's input by the bundle's resize rule
 * and normalised with the bundle's normalisation, exactly as in training, then run through the network in batches
 * (DL4J's output, through a faster twin of the network where one serves ({@link NetworkTwin}: its convolutions as one
 * oneDNN block, or channels-last); small networks' small batches through {@link SmallBatchForward}).
 * Not thread-safe (one DL4J network); use one Predictor per thread.
 */
public final class Predictor {
	public static final int DEFAULT_BATCH = 64;

	private final ModelBundle bundle;
	private final InputFormat format;
	private final int batchSize;
	/** The small-batch pass (made on first use), or null when the network has a layer it does not cover. */
	private SmallBatchForward small;
	private boolean smallChecked;
	/** The twin for DL4J's calls (made on first use), or null where none serves. */
	private NetworkTwin twin;
	private boolean twinChecked;
	/** For the thread count of each call ({@link ComputeThreads}). */
	private final long multiplyAdds;
	/**
	 * The last batch's values and DL4J input, used again while batches keep their size, instead of a new Java array
	 * and a new native one per batch (7 MB each for 64 Small VGG 96 × 96 RGB images; the native one is freed only
	 * when the collector finds it).
	 */
	private float[] batchValues;
	private INDArray batchInput;

	public Predictor(ModelBundle bundle) {
		this(bundle, DEFAULT_BATCH);
	}

	public Predictor(ModelBundle bundle, int batchSize) {
		if (bundle == null) throw new IllegalArgumentException("model missing");
		if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
		this.bundle = bundle;
		this.format = new InputFormat(bundle.inputHeight(), bundle.inputWidth(), bundle.inputChannels(),
				bundle.resize());
		this.batchSize = batchSize;
		this.multiplyAdds = ComputeThreads.multiplyAdds(bundle.spec(), bundle.inputHeight(), bundle.inputWidth(),
				bundle.inputChannels(), bundle.labels().size());
	}

	public ModelBundle bundle() {
		return bundle;
	}

	/** Class labels in the order of the probabilities. */
	public List<String> labels() {
		return bundle.labels();
	}

	/**
	 * Probabilities of one image, in label order.
	 *
	 * @throws IllegalArgumentException when its channels (gray/RGB) do not match the model
	 */
	public float[] predict(ImageProcessor image) {
		return predict(Collections.singletonList(image))[0];
	}

	/**
	 * Probabilities of each image, in label order, computed in batches.
	 *
	 * @throws IllegalArgumentException naming the image (1-based) whose channels do not match the model
	 */
	public float[][] predict(List<? extends ImageProcessor> images) {
		float[][] out = new float[images.size()][];
		int size = format.size();
		for (int from = 0; from < images.size(); from += batchSize) {
			int n = Math.min(batchSize, images.size() - from);
			// every value is written below (convert fills padding with zeros), so the last batch's may be reused
			float[] x = batchValues != null && batchValues.length == n * size ? batchValues
					: (batchValues = new float[n * size]);
			for (int j = 0; j < n; j++) {
				try {
					ImageTensor.convert(images.get(from + j), format, x, j * size);
				} catch (IllegalArgumentException e) {
					throw new IllegalArgumentException(images.size() == 1 ? e.getMessage()
							: "image " + (from + j + 1) + ": " + e.getMessage(), e);
				}
				ImageTensor.normalise(x, j * size, format, bundle.normalisation());
			}
			float[][] p;
			if (smallBatchForward() != null && small.serves(n, this::twin)) {
				// its Java loops and OpenBLAS products on this thread's count too: with ND4J's 2 OpenMP threads
				// one LeNet image took 1.6× as long on 2 cores
				try (ComputeThreads.Scope threads = threadsFor(n)) {
					p = small.probabilities(x, n);
				}
			} else {
				p = predictNormalised(input(x, n));
			}
			System.arraycopy(p, 0, out, from, n);
		}
		return out;
	}

	/** {@code x} as DL4J's input: the last batch's array when it has this shape, written over. */
	private INDArray input(float[] x, int n) {
		batchInput = NdArrays.detached(batchInput, n, format.channels(), format.height(), format.width());
		NdArrays.write(batchInput, 0, x, x.length);
		return batchInput;
	}

	/**
	 * DL4J's {@code output} has a fixed cost of about a millisecond per call, most of a single image's time: calls
	 * that {@link SmallBatchForward#serves(int, java.util.function.Supplier)} go through it instead (the same probabilities up to
	 * float rounding), made again if the network was trained since. It runs with the rule's thread count like the
	 * rest (its products are OpenBLAS's; see {@link ComputeThreads}).
	 */
	private SmallBatchForward smallBatchForward() {
		if (small != null && !small.isCurrent()) smallChecked = false;
		if (!smallChecked) {
			small = SmallBatchForward.of(bundle.network(), format.height(), format.width(), format.channels());
			smallChecked = true;
		}
		return small;
	}

	/** The twin, made again if the network was trained since; null where none serves. */
	private NetworkTwin twin() {
		if (twin != null && !twin.isCurrent()) twinChecked = false;
		if (!twinChecked) {
			twin = NetworkTwin.best(bundle.network(), format.height(), format.width(), format.channels());
			twinChecked = true;
		}
		return twin;
	}

	/**
	 * Probabilities for features that are already resized and normalised (NCHW), by DL4J's output (through a twin
	 * where one serves), with ConvKit's thread count for this many images on this thread
	 * ({@link ComputeThreads}).
	 */
	public float[][] predictNormalised(INDArray features) {
		MultiLayerNetwork net = bundle.network();
		NetworkTwin twin = twin();
		try (ComputeThreads.Scope threads = threadsFor((int) features.size(0))) {
			return twin != null ? twin.probabilities(features) : NdArrays.rows(net.output(features, false));
		}
	}

	/** The rule's thread count for a call of {@code images} images through this network, on this thread. */
	private ComputeThreads.Scope threadsFor(int images) {
		return ComputeThreads.use(ComputeThreads.forCall(multiplyAdds, images));
	}
}
