package org.convkit.core.cnn.train;

import ij.process.ColorProcessor;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.testing.FloatTolerance;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.convkit.core.cnn.train.TrainerTest.SETTINGS;
import static org.convkit.core.cnn.train.TrainerTest.SPEC;
import static org.junit.Assert.*;

/** Early stopping, cancellation, divergence, continued training and bad input. */
public class TrainerStoppingTest {
	@ClassRule
	public static TemporaryFolder data = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	static FolderDataset dataset;

	@BeforeClass
	public static void makeData() throws Exception {
		dataset = new FolderDataset(Synthetic.folder(data.getRoot().toPath(), 30, 16, 3));
	}

	private Path file(String name) {
		return tmp.getRoot().toPath().resolve(name);
	}

	private static Trainer trainer(TrainingSettings s) {
		return new Trainer(dataset, NetworkSpec.parse(SPEC), s).validation(0.2);
	}

	@Test
	public void earlyStoppingStopsWhenValidationLossCannotImprove() throws Exception {
		// a learning rate of 1e-9 changes the loss far less than the 1e-4 relative improvement that counts
		TrainingResult r = trainer(SETTINGS.withLearningRate(1e-9).withEpochs(10)).patience(2).train(null);
		assertEquals(TrainingResult.Stop.EARLY_STOPPED, r.stop);
		assertEquals(3, r.epochs.size()); // epoch 1 sets the reference, 2 and 3 do not improve
		assertTrue(r.message, r.message.contains("did not improve for 2 epoch(s)"));
		assertNotNull(r.best);
		// without validation there is no early stopping
		TrainingResult all = new Trainer(dataset, NetworkSpec.parse(SPEC), SETTINGS.withLearningRate(1e-9)
				.withEpochs(3)).patience(1).train(null);
		assertEquals(TrainingResult.Stop.COMPLETED, all.stop);
		assertEquals(3, all.epochs.size());
		assertTrue(Double.isNaN(all.epochs.get(0).validationLoss));
		assertNull(all.confusion);
	}

	@Test
	public void cancelStopsBetweenBatchesAndKeepsTheBestModel() throws Exception {
		Trainer t = trainer(SETTINGS.withEpochs(5));
		int[] batchesSeen = { 0 };
		TrainingResult r = t.saveTo(file("model.zip"), false).train(new TrainingListener() {
			@Override
			public void batchDone(int epoch, int batch, int batches, double progress) {
				batchesSeen[0]++;
				if (epoch == 2 && batch == 2) t.cancel();
			}
		});
		assertEquals(TrainingResult.Stop.CANCELLED, r.stop);
		assertEquals(1, r.epochs.size());
		assertEquals(5 + 2, batchesSeen[0]); // 72 training images: 5 batches of at most 16, then 2 of epoch 2
		assertEquals(1, ModelBundleIO.read(file("model.zip")).history().epochs());
		assertEquals(1, ModelBundleIO.read(file("model-last.zip")).history().epochs());
		assertEquals(1, r.best.history().epochs());
	}

	@Test
	public void divergenceStopsWithAdviceAndKeepsTheBestModel() throws Exception {
		TrainingResult r = trainer(SETTINGS.withOptimizer(Optimizer.SGD).withLearningRate(10).withEpochs(5))
				.train(null);
		assertEquals(TrainingResult.Stop.DIVERGED, r.stop);
		assertTrue(r.message, r.message.contains("lower the learning rate (now 10.0)"));
		for (EpochResult e : r.epochs) assertTrue(Double.isFinite(e.trainLoss));
		if (!r.epochs.isEmpty()) assertNotNull(r.best);
	}

	@Test
	public void continuedTrainingResumesEpochsHistoryAndOptimizerState() throws Exception {
		TrainingSettings s = SETTINGS.withEpochs(2);
		TrainingResult first = trainer(s).saveTo(file("a.zip"), false).train(null);
		ModelBundle saved = ModelBundleIO.read(first.lastFile);
		TrainerTest.Recorder rec = new TrainerTest.Recorder();
		TrainingResult more = new Trainer(dataset, null, s).validation(0.2).continueFrom(saved)
				.saveTo(file("b.zip"), false).train(rec);
		assertEquals("start 3/4", rec.calls.get(0));
		assertEquals(Arrays.asList(3, 4), Arrays.asList(more.epochs.get(0).epoch, more.epochs.get(1).epoch));
		ModelBundle last = ModelBundleIO.read(more.lastFile);
		assertEquals(4, last.history().epochs());
		assertEquals(first.last.history().trainLoss(), last.history().trainLoss().subList(0, 2));
		assertEquals(4, last.settings().epochs());
		// same as training 4 epochs in one go: weights and optimizer state continue exactly
		TrainingResult straight = trainer(SETTINGS.withEpochs(4)).train(null);
		assertEquals(straight.last.history(), last.history());
		assertArrayEquals(straight.last.network().params().toFloatVector(), last.network().params().toFloatVector(),
				0f);
	}

	@Test
	public void badInputIsReportedBeforeAnythingIsWritten() throws Exception {
		assertMessage(() -> trainer(SETTINGS.withBatchSize(100)).train(null),
				"The batch size 100 is larger than the 72 training images");
		Files.write(file("model.zip"), new byte[] { 42 });
		assertMessage(() -> trainer(SETTINGS).saveTo(file("model.zip"), false).train(null), "already exists");
		assertArrayEquals(new byte[] { 42 }, Files.readAllBytes(file("model.zip")));
		assertFalse(Files.exists(file("model-last.zip")));
		assertMessage(() -> trainer(SETTINGS).saveTo(file("missing/model.zip"), false).train(null),
				"does not exist");
		// a size given keeps the error (without one, images too small are scaled up to fit: TrainerTest)
		assertMessage(() -> new Trainer(dataset, NetworkSpec.parse("conv 9x9x4; maxpool 2; conv 5x5x4"), SETTINGS)
				.input(new InputFormat(16, 16, 1, Resize.SCALE)).train(null), "below 1x1");
		assertMessage(() -> trainer(SETTINGS).input(new InputFormat(16, 16, 3, Resize.SCALE)).train(null),
				"set to 3 channel(s) but the images have 1");
		assertMessage(() -> trainer(SETTINGS).validation(0.01).train(null), "no validation example");
		assertEquals(Path.of("/x/m-last.zip"), Trainer.lastModelPath(Path.of("/x/m.ZIP")));
		assertEquals(Path.of("/x/m-last.zip"), Trainer.lastModelPath(Path.of("/x/m")));
	}

	@Test
	public void predictorChecksChannelsAndContinueChecksClasses() throws Exception {
		TrainingResult r = trainer(SETTINGS.withEpochs(1)).train(null);
		assertMessage(() -> new Predictor(r.best).predict(new ColorProcessor(16, 16)),
				"The model expects grayscale (1 channel) images but this image is RGB (3 channels)");
		assertMessage(() -> new Predictor(r.best).predict(Arrays.asList(new ij.process.ByteProcessor(16, 16),
				new ColorProcessor(16, 16))), "image 2: ");
		// other sizes go through the stored resize rule: Pad, kept in the file
		TrainingResult pad = trainer(SETTINGS.withEpochs(1)).input(new InputFormat(16, 16, 1, Resize.PAD))
				.saveTo(file("pad.zip"), false).train(null);
		ModelBundle reloaded = ModelBundleIO.read(file("pad.zip"));
		assertEquals(Resize.PAD, reloaded.resize());
		ij.process.ByteProcessor wide = new ij.process.ByteProcessor(40, 9);
		wide.setValue(200);
		wide.fill();
		float[] p = new Predictor(reloaded).predict(wide);
		assertArrayEquals(new Predictor(pad.best).predict(wide), p, 0f);
		// by hand: 40x9 scaled by 16/40 to 16x4 (constant 200), centred at row 6 on 0, then normalised
		float[] x = new float[256];
		for (int i = 6 * 16; i < 10 * 16; i++) x[i] = 200;
		org.convkit.core.cnn.input.ImageTensor.normalise(x, 0, new InputFormat(16, 16, 1, Resize.PAD),
				reloaded.normalisation());
		float[] direct = reloaded.network().output(org.nd4j.linalg.factory.Nd4j.create(x, new long[] { 1, 1, 16,
				16 }, 'c'), false).toFloatVector();
		// one image takes the Predictor's small-batch path (SmallBatchForward), not DL4J's output: another summation
		// order, the same probabilities within FloatTolerance.PROBABILITY
		assertArrayEquals(direct, p, (float) FloatTolerance.PROBABILITY);
		assertNotEquals(Resize.PAD, r.best.resize());
		Path other = data.newFolder("other").toPath();
		for (String c : new String[] { "x", "y" }) {
			Files.createDirectories(other.resolve(c));
			Synthetic.save(new ij.process.ByteProcessor(16, 16), other.resolve(c + "/a"), false);
			Synthetic.save(new ij.process.ByteProcessor(16, 16), other.resolve(c + "/b"), false);
		}
		assertMessage(() -> new Trainer(new FolderDataset(other), null, SETTINGS).continueFrom(r.best).train(null),
				"The model's classes [disk, hbar, vbar] differ from the data's [x, y]");
	}

	interface Action {
		void run() throws Exception;
	}

	static void assertMessage(Action a, String part) {
		try {
			a.run();
		} catch (IllegalArgumentException e) {
			assertTrue("message '" + e.getMessage() + "' should contain '" + part + "'",
					e.getMessage().contains(part));
			return;
		} catch (Exception e) {
			throw new AssertionError("expected an IllegalArgumentException, got " + e, e);
		}
		fail("expected an IllegalArgumentException containing '" + part + "'");
	}
}
