package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Synchronous parameter averaging ({@link AveragingTrainer}) with its replicas in this JVM: one replica averaging
 * after every batch IS single-machine training (bit for bit: the same calls on the same path), also with
 * augmentation, validation and a continued model; several replicas learn the task too.
 */
public class AveragingTrainerTest {
	@ClassRule
	public static TemporaryFolder data = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static final NetworkSpec SPEC = NetworkSpec.parse("conv 3x3x4 pad=same; maxpool 2; dense 16");
	static final TrainingSettings SETTINGS = TrainingSettings.DEFAULTS.withLearningRate(3e-3).withBatchSize(16)
			.withEpochs(3).withSeed(5);
	static final InputFormat FORMAT = new InputFormat(16, 16, 1, Resize.SCALE);
	static FolderDataset dataset;

	@BeforeClass
	public static void makeData() throws Exception {
		// 3 x 30 images, 68 training ones: the last batch of each epoch is short
		dataset = new FolderDataset(Synthetic.folder(data.getRoot().toPath(), 30, 16, 3));
	}

	@Test
	public void oneReplicaAveragingEveryBatchIsSingleMachineTraining() throws Exception {
		EnumSet<Augmenter.Op> augment = EnumSet.of(Augmenter.Op.FLIP, Augmenter.Op.SHIFT, Augmenter.Op.NOISE);
		Path local = tmp.getRoot().toPath().resolve("local.zip"), averaged = tmp.getRoot().toPath().resolve("avg.zip");
		TrainingResult a = new Trainer(dataset, SPEC, SETTINGS).input(FORMAT).validation(0.25).augment(augment)
				.saveTo(local, false).train(null);
		TrainingResult b = new AveragingTrainer(new Trainer(dataset, SPEC, SETTINGS).input(FORMAT).validation(0.25)
				.augment(augment).saveTo(averaged, false)).train(new LocalReplicas(dataset), null);
		assertSameTraining(a, b);
		assertSameWeights(ModelBundleIO.read(local), ModelBundleIO.read(averaged));
		assertSameWeights(ModelBundleIO.read(Trainer.lastModelPath(local)),
				ModelBundleIO.read(Trainer.lastModelPath(averaged)));

		// continuing the saved model: two more epochs, also the same
		TrainingSettings more = SETTINGS.withEpochs(2);
		TrainingResult c = new Trainer(dataset, null, more).validation(0.25).augment(augment)
				.continueFrom(ModelBundleIO.read(local)).train(null);
		TrainingResult d = new AveragingTrainer(new Trainer(dataset, null, more).validation(0.25).augment(augment)
				.continueFrom(ModelBundleIO.read(averaged))).train(new LocalReplicas(dataset), null);
		assertSameTraining(c, d);
		assertEquals(5, d.last.history().epochs());
	}

	@Test
	public void twoReplicasLearnTheTask() throws Exception {
		Rounds rounds = new Rounds(new LocalReplicas(dataset));
		TrainingResult two = new AveragingTrainer(new Trainer(dataset, NetworkSpec.parse(TrainerTest.SPEC),
				SETTINGS.withEpochs(10)).input(FORMAT).validation(0.25)).replicas(2).averageEvery(2).train(rounds, null);
		EpochResult first = two.epochs.get(0), last = two.epochs.get(two.epochs.size() - 1);
		assertTrue("validation loss " + first.validationLoss + " -> " + last.validationLoss,
				last.validationLoss < 0.7 * first.validationLoss);
		assertTrue("validation accuracy " + last.validationAccuracy + " (chance: 1/3)", last.validationAccuracy > 0.6);
		// 68 training images in batches of 16 = 5 batches per epoch, 4 per round: rounds of 2 + 2 and of 1 batch
		assertEquals("[2, 2]", Arrays.toString(rounds.batches.get(0)));
		assertEquals("[1]", Arrays.toString(rounds.batches.get(1)));
		assertEquals(20, rounds.batches.size());
	}

	@Test
	public void averagesParametersAndOptimizerStateAndKeepsTheLargestStep() {
		NetworkState a = new NetworkState(new float[] { 1, 2, 0.1f }, new float[] { 4, -2 }, 7, 1),
				b = new NetworkState(new float[] { 3, 2, 0.2f }, new float[] { 0, 1 }, 9, 1);
		NetworkState m = NetworkState.average(Arrays.asList(a, b));
		assertArrayEquals(new float[] { 2, 2, (float) ((0.1f + (double) 0.2f) / 2) }, m.parameters, 0f);
		assertArrayEquals(new float[] { 2, -0.5f }, m.optimizer, 0f);
		assertEquals(9, m.iteration());
		assertTrue(NetworkState.average(Arrays.asList(a)) == a);
	}

	@Test
	public void badSettings() {
		for (Runnable r : new Runnable[] { () -> new AveragingTrainer(new Trainer(dataset, SPEC, SETTINGS)).replicas(0),
				() -> new AveragingTrainer(new Trainer(dataset, SPEC, SETTINGS)).averageEvery(-1),
				() -> new AveragingTrainer(null) })
			try {
				r.run();
				throw new AssertionError("accepted");
			} catch (IllegalArgumentException expected) {
				// a clear message
			}
	}

	static void assertSameTraining(TrainingResult a, TrainingResult b) {
		assertEquals(a.stop, b.stop);
		assertEquals(a.epochs.size(), b.epochs.size());
		for (int i = 0; i < a.epochs.size(); i++) {
			EpochResult x = a.epochs.get(i), y = b.epochs.get(i);
			assertEquals(x.epoch, y.epoch);
			assertEquals(x.trainLoss, y.trainLoss, 1e-12);
			assertEquals(x.trainAccuracy, y.trainAccuracy, 1e-12);
			assertEquals(x.validationLoss, y.validationLoss, 0);
			assertEquals(x.validationAccuracy, y.validationAccuracy, 0);
			assertEquals(x.best, y.best);
		}
		assertSameWeights(a.best, b.best);
		assertSameWeights(a.last, b.last);
		assertHistoryClose(a.best.history().trainLoss(), b.best.history().trainLoss());
		assertHistoryClose(a.best.history().trainAccuracy(), b.best.history().trainAccuracy());
		assertEquals(a.best.history().validationLoss(), b.best.history().validationLoss());
		assertArrayEquals(a.validationPredictions, b.validationPredictions);
	}

	/** Training losses are summed per replica and round, then added: equal up to double rounding. */
	static void assertHistoryClose(List<Double> a, List<Double> b) {
		assertEquals(a.size(), b.size());
		for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), 1e-12);
	}

	static void assertSameWeights(ModelBundle a, ModelBundle b) {
		assertArrayEquals(a.network().params().toFloatVector(), b.network().params().toFloatVector(), 0f);
		assertArrayEquals(a.network().getUpdater().getStateViewArray().toFloatVector(),
				b.network().getUpdater().getStateViewArray().toFloatVector(), 0f);
		assertEquals(a.network().getIterationCount(), b.network().getIterationCount());
	}

	/** Records how many batches each replica was given per round. */
	static final class Rounds implements ReplicaPool {
		final ReplicaPool pool;
		final List<int[]> batches = new ArrayList<>();

		Rounds(ReplicaPool pool) {
			this.pool = pool;
		}

		@Override
		public void start(ReplicaSetup setup) {
			pool.start(setup);
		}

		@Override
		public List<ReplicaResult> round(int epoch, NetworkState state, int[][] examples) {
			List<ReplicaResult> r = pool.round(epoch, state, examples);
			batches.add(r.stream().mapToInt(x -> x.batches).toArray());
			return r;
		}

		@Override
		public void stop() {
			pool.stop();
		}
	}
}
