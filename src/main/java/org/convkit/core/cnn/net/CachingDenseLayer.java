package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * DL4J's dense layer, which in training keeps its pre-activation from the forward pass for backprop: DL4J's
 * {@code BaseLayer.backpropGradient} computes it again (for LeNet's dense layer a 64 × 800 × 500 product, 0.6–0.7 ms
 * of a 30 ms step here; see docs/benchmarks.md). The kept copy is used once, by the backprop that follows the forward
 * pass on the same input array, and only while {@link #training(boolean) training} is on; layers with dropout, weight
 * noise, layer normalisation or masks, and non-float layers, always take DL4J's path. A run-time replacement of the
 * layer object ({@link ConvKitLayers}), like {@link InputConvolutionLayer}; the stored configuration is unchanged.
 */
public final class CachingDenseLayer extends DenseLayer {
	private volatile boolean training;
	private INDArray kept, keptFor;
	/** For tests: how many backprops used the kept pre-activation. */
	int reused;

	CachingDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
	}

	/**
	 * The network's {@code CachingDenseLayer}s: ConvKit's networks get one for each plain dense layer
	 * ({@link ConvKitLayers}, run again here: idempotent).
	 */
	public static List<CachingDenseLayer> install(MultiLayerNetwork net) {
		return ConvKitLayers.all(net, CachingDenseLayer.class);
	}

	/** Switches {@link #training(boolean)} on or off for all the layers. */
	public static void training(List<CachingDenseLayer> layers, boolean on) {
		for (CachingDenseLayer l : layers) l.training(on);
	}

	/** Whether the pre-activation is kept for backprop (off by default; off also frees the copy). */
	public void training(boolean on) {
		training = on;
		if (!on) kept = keptFor = null;
	}

	public boolean isTraining() {
		return training;
	}

	@Override
	protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
			LayerWorkspaceMgr workspaceMgr) {
		if (!this.training || !keepable()) return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
		if (forBackprop) {
			if (kept != null && keptFor == input) {
				keptFor = null; // once: the activation's backprop may overwrite it
				reused++;
				return new Pair<>(kept, kept);
			}
			return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
		}
		Pair<INDArray, INDArray> p = super.preOutputWithPreNorm(training, false, workspaceMgr);
		if (training) { // copied before the activation overwrites it in place
			INDArray z = p.getFirst();
			kept = NdArrays.detached(kept, z.shape());
			kept.assign(z);
			keptFor = input;
		} else {
			keptFor = null;
		}
		return p;
	}

	private boolean keepable() {
		return !hasLayerNorm() && layerConf().getIDropout() == null && layerConf().getWeightNoise() == null
				&& maskArray == null && dataType == DataType.FLOAT;
	}
}
