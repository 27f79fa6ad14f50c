package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.nd4j.linalg.dataset.DataSet;

import java.util.function.BiConsumer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

/**
 * Two networks of one spec trained side by side through ConvKit's training path, each step of each under its own
 * setting of a switch, for exact comparisons: a change that must not move a single bit.
 */
final class SideBySide {
	static final int CLASSES = 4, STEPS = 3;

	private SideBySide() {
	}

	/**
	 * {@value #STEPS} steps on the same seeded batches of 8 images, {@code toA} run before each of the first
	 * network's, {@code toB} before the second's; gradients and parameters equal bit for bit after every step, and
	 * every step through the fused block; then {@code look} sees both blocks (before training leaves the block, which
	 * drops its plans).
	 */
	static void sameSteps(String spec, int h, int w, int c, long seed, Runnable toA, Runnable toB,
			BiConsumer<FusedConvStack, FusedConvStack> look) {
		TrainableNetwork a = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, CLASSES,
				TrainingSettings.DEFAULTS);
		TrainableNetwork b = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, CLASSES,
				TrainingSettings.DEFAULTS);
		FastTraining fa = FastTraining.on(a), fb = FastTraining.on(b);
		try {
			for (int step = 0; step < STEPS; step++) {
				DataSet batch = RandomBatch.of(seed + step, 8, c, h, w, CLASSES);
				toA.run();
				a.fit(batch);
				toB.run();
				b.fit(batch);
				assertArrayEquals(spec + ", gradient, step " + step, NdArrays.floats(a.getGradientsViewArray(), null),
						NdArrays.floats(b.getGradientsViewArray(), null), 0f);
				assertArrayEquals(spec + ", step " + step, NdArrays.floats(a.params(), null),
						NdArrays.floats(b.params(), null), 0f);
			}
			FusedConvStack sa = ((FusedLayers.Convolution) a.getLayers()[0]).stack(),
					sb = ((FusedLayers.Convolution) b.getLayers()[0]).stack();
			assertEquals(spec + ": every step through the block", STEPS, sa.steps);
			assertEquals(spec + ": every step through the block", STEPS, sb.steps);
			look.accept(sa, sb);
		} finally {
			fa.off();
			fb.off();
		}
	}
}
