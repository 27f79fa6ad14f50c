package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * DL4J's dense layer with two changes. In training it keeps its pre-activation from the forward pass for backprop:
 * DL4J's {@code BaseLayer.backpropGradient} computes it again (for LeNet's dense layer a 64 × 800 × 500 product,
 * 0.6–0.7 ms of a 30 ms step here; see docs/benchmarks.md). The kept copy is used once, by the backprop that follows
 * the forward pass on the same input array, and only while {@link #training(boolean) training} is on. And always, in
 * training and inference, its product {@code input·W} is {@code Nd4j.gemm} instead of DL4J's {@code mmuli}, about
 * twice as fast for single images and small batches ({@link #product}). Layers with dropout, weight noise, layer
 * normalisation or masks, and non-float layers, take DL4J's path. A run-time replacement of the layer object
 * ({@link ConvKitLayers}), like {@link ColumnConvolutionLayer}; the stored configuration is unchanged.
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
		if (!keepable()) return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
		if (this.training && forBackprop && kept != null && keptFor == input) {
			keptFor = null; // once: the activation's backprop may overwrite it
			reused++;
			return new Pair<>(kept, kept);
		}
		Pair<INDArray, INDArray> p = product(training, forBackprop, workspaceMgr);
		if (this.training && !forBackprop) {
			if (training) { // copied before the activation overwrites it in place
				INDArray z = p.getFirst();
				kept = NdArrays.detached(kept, z.shape());
				kept.assign(z);
				keptFor = input;
			} else {
				keptFor = null;
			}
		}
		return p;
	}

	/**
	 * DL4J's pre-activation {@code input·W + b}, the product by {@code Nd4j.gemm} where DL4J calls {@code mmuli}: the
	 * same operands, and for one image of Small VGG 96×96 (36,864 × 256 weights) 2.8 against 4.9 ms with AVX-512, 3.1
	 * against 5.8 ms narrowed to AVX2; for LeNet's 64 × 800 × 500 0.45 against 0.61 ms (one thread, DL4J's 'f'-order
	 * weights; {@code ./convkit --bench 5 hotspots}, docs/benchmarks.md). Backprop's products stay DL4J's: there the
	 * two took the same time. Input that is not a matrix of the right width goes to DL4J, which says what is wrong.
	 */
	private Pair<INDArray, INDArray> product(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
		assertInputSet(forBackprop);
		INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
		INDArray x = input.castTo(dataType);
		if (x.rank() != 2 || x.columns() != w.rows()) return super.preOutputWithPreNorm(training, forBackprop,
				workspaceMgr);
		INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), x.size(0), w.size(1));
		if (!oneRowProduct(x, w, z)) Nd4j.gemm(x, w, z, false, false, 1.0, 0.0);
		if (hasBias()) z.addiRowVector(getParam(DefaultParamInitializer.BIAS_KEY));
		return new Pair<>(z, z);
	}

	/**
	 * One image's product {@code z = x·W} as oneDNN's sgemm ({@link SmallProducts}), where x is one contiguous row and
	 * W is stored in either order without gaps: {@code Nd4j.gemm} costs 15–30 µs a call beyond the product (the
	 * hotspots lever, docs/benchmarks.md). False where it does not apply, where {@link SmallProducts#wanted} says no,
	 * and where oneDNN's library does not load.
	 */
	static boolean oneRowProduct(INDArray x, INDArray w, INDArray z) {
		long k = w.rows(), n = w.columns();
		if (x.rows() != 1 || !SmallProducts.wanted() || k > Integer.MAX_VALUE || n > Integer.MAX_VALUE
				|| x.dataType() != DataType.FLOAT || w.dataType() != DataType.FLOAT || z.dataType() != DataType.FLOAT
				|| x.elementWiseStride() != 1 || z.elementWiseStride() != 1 || w.elementWiseStride() != 1)
			return false;
		boolean columns = Arrays.equals(w.stride(), new long[] { 1, k }), rows = Arrays.equals(w.stride(),
				new long[] { n, 1 });
		if (!columns && !rows) return false;
		// 'f' order: W is stored as its transpose, n × k
		return SmallProducts.oneDnn(x, w, columns, z, 1, (int) n, (int) k);
	}

	private boolean keepable() {
		return !hasLayerNorm() && layerConf().getIDropout() == null && layerConf().getWeightNoise() == null
				&& maskArray == null && dataType == DataType.FLOAT;
	}
}
