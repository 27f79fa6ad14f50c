package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.net.NdArrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * A network's loss, accuracy and predictions over validation batches (inference mode, in batch order), through
 * DL4J's {@code output} — during training through the fused block's forward pass where the network has one
 * ({@code FusedLayers}), which holds no memory beyond the block's own. Not ConvKit's Java inference path, even where
 * {@code Predictor} takes it for whole batches (LeNet where oneDNN lacks AVX-512): its buffers, made anew for every
 * validation pass, were the peak of a training run's memory there (100,000 images: 566 MB against 480 MB now;
 * docs/benchmarks.md), for a pass that takes a tenth of the epoch's images.
 */
final class Validation {
	final double loss, accuracy;
	/** Per example, in batch order: its dataset index, true class and predicted class. */
	final int[] indices, actual, predicted;

	Validation(double loss, double accuracy, int[] indices, int[] actual, int[] predicted) {
		this.loss = loss;
		this.accuracy = accuracy;
		this.indices = indices;
		this.actual = actual;
		this.predicted = predicted;
	}

	static Validation of(MultiLayerNetwork net, Batches batches) {
		List<int[]> idx = new ArrayList<>();
		List<float[][]> probs = new ArrayList<>(), ys = new ArrayList<>();
		try (Batches.Epoch it = batches.epoch(0)) {
			while (it.hasNext()) {
				DataSet ds = it.next();
				probs.add(NdArrays.rows(net.output(ds.getFeatures(), false)));
				ys.add(NdArrays.rows(ds.getLabels()));
				idx.add(it.currentIndices());
			}
		}
		int n = idx.stream().mapToInt(a -> a.length).sum(), k = 0;
		int[] indices = new int[n], actual = new int[n], predicted = new int[n];
		double loss = 0;
		long right = 0;
		for (int b = 0; b < idx.size(); b++)
			for (int j = 0; j < idx.get(b).length; j++, k++) {
				float[] p = probs.get(b)[j];
				indices[k] = idx.get(b)[j];
				actual[k] = Evaluation.argMax(ys.get(b)[j]);
				predicted[k] = Evaluation.argMax(p);
				loss += BatchStats.crossEntropy(p, actual[k]);
				if (actual[k] == predicted[k]) right++;
			}
		return new Validation(n == 0 ? Double.NaN : loss / n, n == 0 ? Double.NaN : (double) right / n, indices,
				actual, predicted);
	}
}
