package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.LayerShape;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.nn.weights.WeightInitXavierUniform;
import org.junit.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.List;
import java.util.Random;

import static org.convkit.testing.Expect.expectError;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

public class NetworkBuilderTest {
	static final String CUSTOM = "conv 3x3x8 stride=2 pad=same leakyrelu; batchnorm; avgpool 2 pad=same; "
			+ "conv 3x3x6 pad=same elu; maxpool 3 stride=2; dropout 0.3; dense 12 tanh; batchnorm; dropout 0.5";

	/** A seeded batch of n images, NCHW, values in [0, 1). */
	public static INDArray randomBatch(long seed, int n, int c, int h, int w) {
		Random r = new Random(seed);
		float[] v = new float[n * c * h * w];
		for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
		return Nd4j.create(v, new long[] { n, c, h, w }, 'c');
	}

	@Test
	public void lenetParameterCountMatchesShapeInference() {
		NetworkSpec lenet = NetworkSpec.preset("LeNet");
		MultiLayerNetwork net = NetworkBuilder.network(lenet, 28, 28, 1, 10, TrainingSettings.DEFAULTS);
		assertEquals(431080, net.numParams());
		assertEquals(lenet.parameterCount(28, 28, 1, 10), net.numParams());
		assertShapesMatchDl4j(lenet, net, 28, 28, 1, 10);
	}

	@Test
	public void customSpecParameterCountsAndShapesMatchDl4j() {
		NetworkSpec spec = NetworkSpec.parse(CUSTOM);
		MultiLayerNetwork net = NetworkBuilder.network(spec, 29, 17, 2, 4, TrainingSettings.DEFAULTS);
		assertEquals(spec.parameterCount(29, 17, 2, 4), net.numParams());
		assertShapesMatchDl4j(spec, net, 29, 17, 2, 4);
		// stride 2 + same: 15x9; avgpool 2 same: 8x5; conv same: 8x5x6; maxpool 3 stride 2 valid: 3x2x6
		List<LayerShape> s = spec.shapes(29, 17, 2, 4);
		assertEquals("15x9x8", s.get(0).shapeText());
		assertEquals("8x5x8", s.get(2).shapeText());
		assertEquals("3x2x6", s.get(4).shapeText());
	}

	/** Each DL4J layer's parameter count and activation shape equals the shape inference's. */
	private static void assertShapesMatchDl4j(NetworkSpec spec, MultiLayerNetwork net, int h, int w, int c, int k) {
		List<LayerShape> shapes = spec.shapes(h, w, c, k);
		assertEquals(shapes.size(), net.getnLayers());
		List<INDArray> acts = net.feedForward(randomBatch(1, 3, c, h, w), false);
		for (int i = 0; i < shapes.size(); i++) {
			LayerShape s = shapes.get(i);
			assertEquals("params of layer " + (i + 1), s.params, net.getLayer(i).numParams());
			long[] expected = s.flat ? new long[] { 3, s.channels } : new long[] { 3, s.channels, s.height, s.width };
			assertArrayEquals("activations of layer " + (i + 1), expected, acts.get(i + 1).shape());
		}
	}

	@Test
	public void forwardPassGivesProbabilitiesPerRow() {
		for (String spec : new String[] { NetworkSpec.LENET_SPEC, CUSTOM }) {
			MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), 28, 28, 1, 5,
					TrainingSettings.DEFAULTS);
			INDArray out = net.output(randomBatch(7, 6, 1, 28, 28), false);
			assertArrayEquals(new long[] { 6, 5 }, out.shape());
			assertEquals(DataType.FLOAT, out.dataType());
			for (int r = 0; r < 6; r++) {
				double sum = 0;
				for (int j = 0; j < 5; j++) {
					double p = out.getDouble(r, j);
					assertTrue(p > 0 && p < 1);
					sum += p;
				}
				assertEquals(spec + " row " + r, 1.0, sum, 1e-5);
			}
		}
	}

	@Test
	public void configurationCarriesTheSettings() {
		TrainingSettings t = TrainingSettings.DEFAULTS.withOptimizer(Optimizer.RMSPROP).withLearningRate(0.02)
				.withInit(Initialization.HE).withL2(0).withSeed(7);
		MultiLayerConfiguration conf = NetworkBuilder.configuration(NetworkSpec.parse(CUSTOM), 29, 17, 2, 4, t);
		assertEquals(7, conf.getConf(0).getSeed());
		assertEquals(CacheMode.DEVICE, conf.getCacheMode());
		assertEquals(DataType.FLOAT, conf.getDataType());
		BaseLayer first = (BaseLayer) conf.getConf(0).getLayer();
		assertTrue(first.getIUpdater() instanceof RmsProp);
		assertEquals(0.02, ((RmsProp) first.getIUpdater()).getLearningRate(), 0);
		assertTrue(first.getWeightInitFn() instanceof WeightInitRelu);
		assertTrue(first.getRegularization().isEmpty());
		// dropout 0.3 in the spec = keep 0.7 in DL4J
		DropoutLayer drop = (DropoutLayer) conf.getConf(5).getLayer();
		assertEquals(0.7, ((Dropout) drop.getIDropout()).getP(), 1e-12);
		assertEquals(0.5, ((Dropout) ((DropoutLayer) conf.getConf(8).getLayer()).getIDropout()).getP(), 1e-12);
		OutputLayer out = (OutputLayer) conf.getConf(9).getLayer();
		assertTrue(out.getLossFn() instanceof LossMCXENT);
		assertTrue(out.getActivationFn() instanceof ActivationSoftmax);
		assertEquals(4, out.getNOut());

		MultiLayerConfiguration d = NetworkBuilder.configuration(NetworkSpec.preset("LeNet"), 28, 28, 1, 10,
				TrainingSettings.DEFAULTS);
		BaseLayer dl = (BaseLayer) d.getConf(0).getLayer();
		assertTrue(dl.getIUpdater() instanceof Adam);
		assertEquals(1e-3, ((Adam) dl.getIUpdater()).getLearningRate(), 0);
		assertTrue(dl.getWeightInitFn() instanceof WeightInitXavierUniform);
		assertFalse(dl.getRegularization().isEmpty());
		assertEquals(42, d.getConf(0).getSeed());
	}

	@Test
	public void everyOptimizerBuilds() {
		for (Optimizer o : Optimizer.values()) {
			MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse("conv 3x3x2; dense 4"), 6, 6, 1, 2,
					TrainingSettings.DEFAULTS.withOptimizer(o));
			String updater = ((BaseLayer) net.getLayerWiseConfigurations().getConf(0).getLayer()).getIUpdater()
					.getClass().getSimpleName().toLowerCase();
			assertEquals(o.displayName().toLowerCase(), updater);
			assertEquals(o, Optimizer.fromName(o.displayName().toUpperCase()));
		}
		for (Initialization i : Initialization.values()) assertEquals(i, Initialization.fromName(i.displayName()));
	}

	@Test
	public void sameSeedSameWeights() {
		NetworkSpec spec = NetworkSpec.preset("LeNet");
		INDArray a = NetworkBuilder.network(spec, 28, 28, 1, 10, TrainingSettings.DEFAULTS).params();
		INDArray b = NetworkBuilder.network(spec, 28, 28, 1, 10, TrainingSettings.DEFAULTS).params();
		INDArray c = NetworkBuilder.network(spec, 28, 28, 1, 10, TrainingSettings.DEFAULTS.withSeed(43)).params();
		assertEquals(a, b);
		assertNotEquals(a, c);
	}

	@Test
	public void rejectsBadInput() {
		NetworkSpec lenet = NetworkSpec.preset("LeNet");
		expectError(() -> NetworkBuilder.configuration(lenet, 12, 12, 1, 10, TrainingSettings.DEFAULTS),
				"layer 3 'conv 5x5x50 relu'", "below 1x1");
		expectError(() -> NetworkBuilder.configuration(lenet, 28, 28, 1, 1, TrainingSettings.DEFAULTS),
				"at least 2 classes");
		expectError(() -> NetworkBuilder.configuration(NetworkSpec.parse("dense 20000"), 1000, 1000, 3, 2,
				TrainingSettings.DEFAULTS), "60000060002 parameters");
	}

	@Test
	public void trainingSettingsDefaultsAndValidation() {
		TrainingSettings d = TrainingSettings.DEFAULTS;
		assertEquals(Optimizer.ADAM, d.optimizer());
		assertEquals(1e-3, d.learningRate(), 0);
		assertEquals(Initialization.XAVIER_UNIFORM, d.init());
		assertEquals(42, d.seed());
		assertEquals(1e-4, d.l2(), 0);
		assertEquals(64, d.batchSize());
		assertEquals(30, d.epochs()); // an upper bound for early stopping, chosen on real images (docs/accuracy.md)
		assertEquals(d, d.withEpochs(3).withEpochs(d.epochs()));
		assertEquals(d.hashCode(), d.withBatchSize(2).withBatchSize(d.batchSize()).hashCode());
		assertNotEquals(d, d.withL2(0));
		assertEquals(5, d.withBatchSize(5).batchSize());
		expectError(() -> d.withLearningRate(0), "learning rate");
		expectError(() -> d.withLearningRate(Double.NaN), "learning rate");
		expectError(() -> d.withL2(-1), "l2");
		expectError(() -> d.withBatchSize(0), "batch size");
		expectError(() -> d.withEpochs(0), "epochs");
		expectError(() -> d.withOptimizer(null), "optimizer");
		expectError(() -> Optimizer.fromName("LBFGS"), "'LBFGS'", "Adam");
		expectError(() -> Initialization.fromName("zeros"), "'zeros'", "Xavier uniform");
	}
}
