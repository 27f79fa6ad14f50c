package org.convkit.core.cnn.train;

import org.convkit.core.cnn.net.NdArrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Training loss and accuracy from the forward pass DL4J already does in {@code fit} (so no second forward pass):
 * DL4J hands the activations up to the input of the output layer to {@code onForwardPass}; the softmax output is
 * computed here from them with the output layer's weights before they are updated.
 */
final class BatchStats extends BaseTrainingListener {
	private static final double MIN_PROBABILITY = 1e-10;

	private final MultiLayerNetwork net;
	private float[][] labels;
	private boolean counted;
	private double lossSum;
	private long right, examples;

	BatchStats(MultiLayerNetwork net) {
		this.net = net;
	}

	void reset() {
		lossSum = 0;
		right = 0;
		examples = 0;
	}

	void begin(INDArray labelArray) {
		labels = NdArrays.rows(labelArray);
		counted = false;
	}

	boolean counted() {
		return counted;
	}

	@Override
	public void onForwardPass(Model model, List<INDArray> activations) {
		if (labels == null || counted || activations.isEmpty()) return;
		INDArray a = activations.get(activations.size() - 1);
		if (a.size(0) != labels.length) return;
		if (a.rank() != 2) a = a.dup('c').reshape('c', a.size(0), a.length() / a.size(0)); // as DL4J's CnnToFF
		Layer out = net.getOutputLayer();
		INDArray z = a.castTo(DataType.FLOAT).mmul(out.getParam("W")).addiRowVector(out.getParam("b"));
		float[][] zz = NdArrays.rows(z);
		for (float[] row : zz) softmaxInPlace(row);
		add(zz, labels);
	}

	void add(float[][] probabilities, float[][] oneHot) {
		for (int i = 0; i < probabilities.length; i++) {
			int y = Evaluation.argMax(oneHot[i]);
			lossSum += crossEntropy(probabilities[i], y);
			if (Evaluation.argMax(probabilities[i]) == y) right++;
			examples++;
		}
		counted = true;
	}

	static void softmaxInPlace(float[] z) {
		double max = Double.NEGATIVE_INFINITY, sum = 0;
		for (float v : z) max = Math.max(max, v);
		for (int i = 0; i < z.length; i++) sum += Math.exp(z[i] - max);
		for (int i = 0; i < z.length; i++) z[i] = (float) (Math.exp(z[i] - max) / sum);
	}

	/** −ln p[y], with p clipped at 1e-10 as DL4J's MCXENT does. */
	static double crossEntropy(float[] p, int y) {
		return -Math.log(Math.max(p[y], MIN_PROBABILITY));
	}

	double loss() {
		return examples == 0 ? Double.NaN : lossSum / examples;
	}

	double accuracy() {
		return examples == 0 ? Double.NaN : (double) right / examples;
	}

	long examples() {
		return examples;
	}

	/** The cross-entropy summed over the examples counted (for sums across replicas). */
	double lossSum() {
		return lossSum;
	}

	long right() {
		return right;
	}
}
