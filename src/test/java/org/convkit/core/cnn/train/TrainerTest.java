package org.convkit.core.cnn.train;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.ColumnRule;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.FreshPageCost;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.convkit.testing.FloatTolerance;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.*;
import static org.junit.Assume.assumeTrue;

/** Training on a synthetic 3-class task (bars and disks): accuracy, saved models, predictor, stopping rules. */
public class TrainerTest {
	@ClassRule
	public static TemporaryFolder data = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static final String SPEC = "conv 3x3x8 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32";
	static final TrainingSettings SETTINGS = TrainingSettings.DEFAULTS.withLearningRate(3e-3).withBatchSize(16)
			.withEpochs(6).withSeed(1);
	static FolderDataset dataset;

	@BeforeClass
	public static void makeData() throws Exception {
		dataset = new FolderDataset(Synthetic.folder(data.getRoot().toPath(), 60, 16, 7));
	}

	/** Records the callbacks in order. */
	static final class Recorder implements TrainingListener {
		final List<String> calls = new ArrayList<>();
		int batches;
		double lastProgress;

		@Override
		public void epochStarted(int epoch, int lastEpoch) {
			calls.add("start " + epoch + "/" + lastEpoch);
		}

		@Override
		public void batchDone(int epoch, int batch, int batchCount, double progress) {
			batches++;
			assertTrue(progress > lastProgress);
			lastProgress = progress;
		}

		@Override
		public void epochDone(EpochResult r) {
			calls.add("done " + r.epoch);
		}

		@Override
		public void finished(TrainingResult r) {
			calls.add("finished " + r.stop);
		}
	}

	/**
	 * OpenBLAS's count (JVM-wide; ND4J starts it at one per core) is the run's thread count during the epochs, one
	 * for this small network; it stays so afterwards (setting it is slow, see BlasThreads), and the run's scope ends
	 * with the run, also when training fails: a scope left open would set its count again when the next one closes.
	 */
	@Test
	public void openBlasRunsTheEpochsOnTheRunsThreadCountAndTheRunsScopeEnds() throws Exception {
		org.nd4j.linalg.api.blas.Blas blas = org.nd4j.linalg.factory.Nd4j.factory().blas();
		int original = blas.getMaxThreads();
		String override = System.getProperty(org.convkit.core.cnn.runtime.ComputeThreads.OVERRIDE_PROPERTY);
		try {
			System.clearProperty(org.convkit.core.cnn.runtime.ComputeThreads.OVERRIDE_PROPERTY);
			blas.setMaxThreads(3);
			List<Integer> seen = new ArrayList<>();
			new Trainer(dataset, NetworkSpec.parse(SPEC), SETTINGS.withEpochs(1)).train(new TrainingListener() {
				@Override
				public void batchDone(int epoch, int batch, int batchCount, double progress) {
					seen.add(org.convkit.core.cnn.runtime.ComputeThreads.blasThreads());
				}
			});
			assertFalse(seen.isEmpty());
			for (int n : seen) assertEquals("OpenBLAS's threads during a batch", 1, n);
			assertEquals("the run's count stays", 1, blas.getMaxThreads());
			blas.setMaxThreads(3);
			try {
				new Trainer(dataset, NetworkSpec.parse(SPEC), SETTINGS.withEpochs(1)).train(new TrainingListener() {
					@Override
					public void batchDone(int epoch, int batch, int batchCount, double progress) {
						throw new IllegalStateException("listener fails");
					}
				});
				fail("the listener's exception should end training");
			} catch (IllegalStateException expected) {
				assertEquals("listener fails", expected.getMessage());
			}
			System.setProperty(org.convkit.core.cnn.runtime.ComputeThreads.BLAS_OVERRIDE_PROPERTY, "2");
			try (org.convkit.core.cnn.runtime.ComputeThreads.Scope two = org.convkit.core.cnn.runtime.ComputeThreads.use(
					2)) {
				assertEquals(2, blas.getMaxThreads());
			}
			assertEquals("no scope of the failed run left open (it would have set 1 again)", 2, blas.getMaxThreads());
		} finally {
			System.clearProperty(org.convkit.core.cnn.runtime.ComputeThreads.BLAS_OVERRIDE_PROPERTY);
			blas.setMaxThreads(original);
			if (override != null) System.setProperty(org.convkit.core.cnn.runtime.ComputeThreads.OVERRIDE_PROPERTY,
					override);
		}
	}

	/**
	 * On machines with at most 2 cores, Small VGG on 64×64 — whose inner convolutions train as column products, with
	 * Java loops on the calling thread, when the fused block is switched off — trains on one thread whatever the load
	 * rule gives; LeNet on 28×28 keeps the rule's count; and a run's batches go with the count {@code trainingThreads}
	 * picks.
	 */
	@Test
	public void columnProductTrainingRunsOnOneThreadOnSmallMachines() throws Exception {
		assumeTrue("a machine with at most 2 processors", Runtime.getRuntime().availableProcessors() <= 2);
		NetworkSpec vgg = NetworkSpec.preset("Small VGG"), lenet = NetworkSpec.preset("LeNet");
		// fresh pages as costly as on the machines measured (elsewhere oneDNN would take these layers)
		System.setProperty(FreshPageCost.PROPERTY, "12");
		String override = System.getProperty(ComputeThreads.OVERRIDE_PROPERTY);
		String fused = System.setProperty(FastTraining.FUSED_PROPERTY, "false");
		try {
			// false when glibc keeps its memory (CONVKIT_MALLOC=keep) or ConvKit's layers are switched off
			assumeTrue("inner convolutions as column products", ColumnRule.anyInner(vgg, 64, 64, 1, 3, 16));
			System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);
			assertEquals(1, Trainer.trainingThreads(vgg, 64, 64, 1, 3, 16, 2));
			assertEquals(1, Trainer.trainingThreads(vgg, 64, 64, 1, 3, 16, 1));
			assertEquals("LeNet: the rule's count", 2, Trainer.trainingThreads(lenet, 28, 28, 1, 3, 16, 2));
			System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, "2");
			assertEquals("the override wins", 2, Trainer.trainingThreads(vgg, 64, 64, 1, 3, 16, 2));
			System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);

			FolderDataset big = new FolderDataset(Synthetic.folder(tmp.newFolder("vgg").toPath(), 6, 64, 3));
			List<Integer> seen = new ArrayList<>();
			new Trainer(big, vgg, SETTINGS.withEpochs(1)).validation(0).train(new TrainingListener() {
				@Override
				public void batchDone(int epoch, int batch, int batchCount, double progress) {
					seen.add(ComputeThreads.current());
				}
			});
			assertEquals("batches of 16 from 18 images", 2, seen.size());
			for (int n : seen) assertEquals("ND4J's threads during a batch", 1, n);
		} finally {
			restore(ComputeThreads.OVERRIDE_PROPERTY, override);
			restore(FastTraining.FUSED_PROPERTY, fused);
			System.clearProperty(FreshPageCost.PROPERTY);
		}
	}

	/**
	 * With the fused block (the default), Small VGG's convolutions train on oneDNN in buffers the block keeps, and on
	 * 2 idle cores 2 threads trained 1.3–1.6× as fast as 1 ({@code ./convkit --bench 3 threads}, docs/benchmarks.md):
	 * the rule's count stands, however costly fresh pages are.
	 */
	@Test
	public void theFusedBlockTrainsOnTheRulesCount() {
		NetworkSpec vgg = NetworkSpec.preset("Small VGG");
		System.setProperty(FreshPageCost.PROPERTY, "12");
		String override = System.getProperty(ComputeThreads.OVERRIDE_PROPERTY);
		String fused = System.getProperty(FastTraining.FUSED_PROPERTY);
		try {
			System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);
			System.clearProperty(FastTraining.FUSED_PROPERTY);
			assertFalse(ColumnRule.anyInner(vgg, 64, 64, 1, 3, 64));
			assertEquals(2, Trainer.trainingThreads(vgg, 64, 64, 1, 3, 64, 2));
			assertEquals(2, Trainer.trainingThreads(vgg, 96, 96, 3, 3, 64, 2));
			assertEquals(1, Trainer.trainingThreads(vgg, 64, 64, 1, 3, 64, 1));
		} finally {
			restore(ComputeThreads.OVERRIDE_PROPERTY, override);
			restore(FastTraining.FUSED_PROPERTY, fused);
			System.clearProperty(FreshPageCost.PROPERTY);
		}
	}

	private static void restore(String name, String was) {
		if (was == null) System.clearProperty(name);
		else System.setProperty(name, was);
	}

	/** Any empty set means no augmentation (EnumSet.copyOf alone refuses an empty HashSet). */
	@Test
	public void anEmptySetOfAugmentationsOfAnyKindIsNone() {
		Trainer t = new Trainer(dataset, NetworkSpec.parse(SPEC), SETTINGS);
		t.augment(new java.util.HashSet<>());
		t.augment(java.util.Collections.emptySet());
		t.augment(null);
		t.augment(new java.util.HashSet<>(java.util.Collections.singleton(
				org.convkit.core.cnn.data.Augmenter.Op.values()[0])));
	}

	/** Without an input format, images smaller than the network accepts are scaled up by the smallest factor. */
	@Test
	public void theDefaultInputScalesUpImagesTooSmallForTheNetwork() throws Exception {
		ij.ImageStack stack = new ij.ImageStack(8, 8);
		java.util.Random r = new java.util.Random(2);
		for (int i = 0; i < 12; i++) stack.addSlice(Synthetic.CLASSES[i % 3], Synthetic.image(i % 3, 8, r));
		TrainingResult t = new Trainer(new org.convkit.core.cnn.data.StackDataset(stack),
				NetworkSpec.preset(NetworkSpec.LENET), SETTINGS.withEpochs(1).withBatchSize(4)).train(null);
		assertArrayEquals(new int[] { 16, 16 }, new int[] { t.last.inputWidth(), t.last.inputHeight() });
	}

	@Test
	public void learnsTheTaskAndTheSavedBestModelPredictsExactlyTheSame() throws Exception {
		Path model = tmp.getRoot().toPath().resolve("model.zip");
		Recorder rec = new Recorder();
		TrainingResult r = new Trainer(dataset, NetworkSpec.parse(SPEC), SETTINGS).validation(0.25)
				.saveTo(model, false).train(rec);
		for (EpochResult e : r.epochs) System.out.println(e + String.format("  %.0f images/s", e.imagesPerSecond));
		assertEquals(TrainingResult.Stop.COMPLETED, r.stop);
		assertEquals(6, r.epochs.size());
		assertEquals(6 * 9, rec.batches); // 135 training images in batches of 16
		assertEquals(1.0, rec.lastProgress, 1e-12);
		assertEquals("start 1/6", rec.calls.get(0));
		assertEquals("done 6", rec.calls.get(rec.calls.size() - 2));
		assertEquals("finished COMPLETED", rec.calls.get(rec.calls.size() - 1));
		double bestAcc = 0, bestLoss = Double.MAX_VALUE;
		for (EpochResult e : r.epochs) {
			bestAcc = Math.max(bestAcc, e.validationAccuracy);
			bestLoss = Math.min(bestLoss, e.validationLoss);
			assertTrue(Double.isFinite(e.trainLoss) && e.trainAccuracy >= 0 && e.trainAccuracy <= 1);
		}
		assertTrue("validation accuracy " + bestAcc, bestAcc >= 0.9);
		assertTrue(Files.isRegularFile(model));
		assertTrue(Files.isRegularFile(tmp.getRoot().toPath().resolve("model-last.zip")));
		assertEquals(model, r.bestFile);
		// fit ran the convolutions as column products; afterwards they are DL4J's layers again
		java.util.List<org.convkit.core.cnn.net.ColumnConvolutionLayer> convs =
				org.convkit.core.cnn.net.ColumnConvolutionLayer.install(r.last.network());
		assertEquals(2, convs.size());
		assertSame(r.last.network().getLayer(0), convs.get(0));
		for (org.convkit.core.cnn.net.ColumnConvolutionLayer c : convs) assertTrue(!c.isTraining());
		assertEquals(1, org.convkit.core.cnn.net.JavaAdamUpdater.install(r.last.network())); // already installed
		java.util.List<org.convkit.core.cnn.net.CachingDenseLayer> dense =
				org.convkit.core.cnn.net.CachingDenseLayer.install(r.last.network());
		assertTrue(!dense.isEmpty() && !dense.get(0).isTraining());
		// the L2 score is back: DL4J's own network class gives the same number for the same weights
		MultiLayerNetwork plain = new MultiLayerNetwork(r.last.network().getLayerWiseConfigurations().clone());
		plain.init(r.last.network().params().dup(), false);
		double l2 = plain.calcRegularizationScore(true);
		assertTrue("L2 " + l2, l2 > 0);
		assertEquals(l2, r.last.network().calcRegularizationScore(true), 0);

		// the best model is the epoch with the lowest validation loss, and its history ends there
		int bestEpoch = 0;
		for (EpochResult e : r.epochs) if (e.best) bestEpoch = e.epoch;
		assertEquals(bestLoss, r.epochs.get(bestEpoch - 1).validationLoss, 0);
		ModelBundle saved = ModelBundleIO.read(model);
		assertEquals(bestEpoch, saved.history().epochs());
		assertEquals(6, ModelBundleIO.read(r.lastFile).history().epochs());
		assertEquals(dataset.classes(), saved.labels());
		assertEquals(16, saved.inputWidth());

		// normalisation fitted on the training split only
		int[] train = org.convkit.core.cnn.data.Split.stratified(labels(), dataset.classes(), 0.25, 1).train();
		org.convkit.core.cnn.input.InputFormat f = new org.convkit.core.cnn.input.InputFormat(16, 16, 1,
				org.convkit.core.cnn.input.Resize.SCALE);
		assertEquals(NormalisationFitter.fit(dataset, train, f), saved.normalisation());
		assertNotEquals(NormalisationFitter.fit(dataset, all(), f), saved.normalisation());

		// confusion matrix of the best model over the validation images
		long total = 0;
		for (long[] row : r.confusion) for (long v : row) total += v;
		assertEquals(45, total);
		assertEquals(r.epochs.get(bestEpoch - 1).validationAccuracy, Evaluation.accuracy(r.confusion), 1e-12);

		// Predictor on the reloaded file == Predictor on the in-memory best == the in-memory network on the batch
		List<ImageProcessor> images = new ArrayList<>();
		for (int i : r.validationIndices) images.add(dataset.open(i));
		float[][] fromFile = new Predictor(saved, 45).predict(images);
		float[][] inMemory = new Predictor(r.best, 45).predict(images);
		float[][] smallBatches = new Predictor(saved, 7).predict(images);
		Batches val = new Batches(dataset, r.validationIndices, f, r.best.normalisation(), 45, false, 0, null);
		DataSet ds = val.epoch(0).next();
		float[][] raw = r.best.network().output(ds.getFeatures(), false).toFloatMatrix();
		for (int i = 0; i < images.size(); i++) {
			assertArrayEquals(inMemory[i], fromFile[i], 0f);
			// the Predictor may take SmallBatchForward for this small network: DL4J's output within rounding
			assertArrayEquals(raw[i], fromFile[i], (float) FloatTolerance.PROBABILITY);
			// other batch sizes: BLAS blocking may change the last bits only
			assertArrayEquals(fromFile[i], smallBatches[i], 1e-5f);
			assertEquals(r.validationPredictions[i], Evaluation.argMax(fromFile[i]));
		}
	}

	static int[] labels() {
		int[] l = new int[dataset.size()];
		for (int i = 0; i < l.length; i++) l[i] = dataset.label(i);
		return l;
	}

	static int[] all() {
		int[] a = new int[dataset.size()];
		for (int i = 0; i < a.length; i++) a[i] = i;
		return a;
	}

	@Test
	public void trainingLossComesFromTheForwardPassOfFit() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(SPEC), 16, 16, 1, 3, SETTINGS);
		org.convkit.core.cnn.input.InputFormat f = new org.convkit.core.cnn.input.InputFormat(16, 16, 1,
				org.convkit.core.cnn.input.Resize.SCALE);
		Batches b = new Batches(dataset, all(), f, NormalisationFitter.fit(dataset, all(), f), 20, true, 1, null);
		DataSet ds = b.epoch(1).next();
		float[][] p = net.output(ds.getFeatures(), false).toFloatMatrix();
		float[][] y = ds.getLabels().toFloatMatrix();
		double expected = 0;
		for (int i = 0; i < p.length; i++) expected += BatchStats.crossEntropy(p[i], Evaluation.argMax(y[i]));
		expected /= p.length;
		BatchStats stats = new BatchStats(net);
		net.addListeners(stats);
		stats.begin(ds.getLabels());
		net.fit(ds);
		assertTrue("the forward-pass hook was not called", stats.counted());
		assertEquals(expected, stats.loss(), 1e-5);
		assertEquals(net.score() - l2Term(net), stats.loss(), 1e-3); // DL4J's own score includes the L2 penalty
	}

	private static double l2Term(MultiLayerNetwork net) {
		return net.calcRegularizationScore(false);
	}
}
