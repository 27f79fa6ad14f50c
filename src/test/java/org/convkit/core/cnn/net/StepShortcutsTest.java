package org.convkit.core.cnn.net;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.gradient.Gradient;
import org.junit.ClassRule;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TrainableNetwork#stepShortcuts}: the updater gets the network's own gradient array ({@link UpdaterGradient})
 * and DL4J's self-copy of the parameters is skipped. Same operations on the same arrays, so twins with the shortcuts
 * on and off train to bit-identical weights and updater states (no tolerance), for every optimizer ConvKit offers,
 * with and without L2.
 */
public class StepShortcutsTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	private static final String SPEC = "conv 3x3x4 relu; maxpool 2; dense 8 relu";

	private static TrainableNetwork network(Optimizer optimizer, double l2) {
		return (TrainableNetwork) NetworkBuilder.network(NetworkSpec.parse(SPEC), 12, 12, 1, 3,
				TrainingSettings.DEFAULTS.withSeed(5).withOptimizer(optimizer).withL2(l2));
	}

	@Test
	public void twinsTrainToTheSameBitsForEveryOptimizer() {
		for (Optimizer o : Optimizer.values())
			for (double l2 : new double[] { 0, 1e-3 }) {
				TrainableNetwork on = network(o, l2), off = network(o, l2);
				FastTraining a = FastTraining.on(on), b = FastTraining.on(off);
				off.stepShortcuts(false);
				for (int step = 0; step < 3; step++) {
					DataSet d = RandomBatch.of(70 + step, 8, 1, 12, 12, 3);
					on.fit(d);
					off.fit(d);
					Gradient g = on.gradientAndScore().getFirst();
					assertTrue(o + ": the updater got the network's own array", g instanceof UpdaterGradient);
					assertSame(on.getFlattenedGradients(), g.gradient());
					assertTrue(o + ": DL4J's own gradient otherwise",
							!(off.gradientAndScore().getFirst() instanceof UpdaterGradient));
				}
				a.off();
				b.off();
				String what = o + ", L2 " + l2;
				assertEquals(what, off.params(), on.params());
				assertEquals(what, off.getUpdater().getStateViewArray(), on.getUpdater().getStateViewArray());
				assertEquals(what, off.score(), on.score(), 0);
				assertNotSame(what + ": the twins do not share arrays", off.params().data(), on.params().data());
			}
	}

	@Test
	public void theParametersAreStillSetFromAnotherArrayButNotCopiedOntoThemselves() {
		TrainableNetwork net = network(Optimizer.ADAM, 1e-4);
		net.stepShortcuts(true);
		INDArray before = net.params().dup();
		net.setParams(net.params()); // the same memory: nothing to do
		assertEquals(before, net.params());
		INDArray other = Nd4j.rand(before.dataType(), before.shape());
		net.setParams(other);
		assertEquals("another array's values are copied in", other, net.params());
		assertEquals("and reach the layers' views", other.getFloat(0), net.getLayer(0).params().getFloat(0), 0f);
		net.stepShortcuts(false);
		INDArray third = Nd4j.rand(before.dataType(), before.shape());
		net.setParams(third);
		assertEquals(third, net.params());
	}
}
