package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.measure.ResultsTable;
import org.convkit.core.cnn.data.InputCache;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.testing.MacroHarness;
import org.convkit.testing.Waits;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.awt.event.KeyEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.*;

/**
 * "Train CNN Classifier..." run headless as recorded macro calls on a synthetic 3-class task (disks, horizontal and
 * vertical bars, 16x16): it learns, the saved files reload, the tables agree with each other, Stack source,
 * continued training, early stopping.
 */
public class TrainCnnClassifierTest {
	static final String COMMAND = TrainCnnClassifier.COMMAND;
	/** A small network that learns the task in a few epochs of a second or less. */
	static final String TINY = "conv 3x3x8 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32";
	static final String FAST = "architecture=Custom layers=[" + TINY + "] batch=16 learning=0.003 seed=1";
	static final List<String> CLASSES = Arrays.asList(Synthetic.CLASSES);

	@ClassRule
	public static TemporaryFolder data = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	static Path folder;

	@BeforeClass
	public static void makeData() throws Exception {
		folder = Synthetic.folder(data.newFolder("three classes").toPath(), 30, 16, 5);
	}

	private Path file(String name) {
		return tmp.getRoot().toPath().resolve(name);
	}

	static String folderOptions(Path folder) {
		return "source=Folder folder=[" + folder + "]";
	}

	@Test
	public void learnsTheTaskAndTheTablesAgree() throws Exception {
		Path model = file("model.zip");
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(folder) + " " + FAST
				+ " epochs=5 validation=0.2 patience=0 model=[" + model + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		TrainingReport report = TrainCnnClassifier.lastReport();
		ResultsTable h = report.history();
		assertEquals(5, h.size());
		assertArrayEquals(TrainingReport.HISTORY_COLUMNS, Arrays.copyOf(h.getHeadings(), 8));
		int bestRow = -1;
		double bestAccuracy = 0;
		for (int i = 0; i < h.size(); i++) {
			assertEquals(i + 1, (int) h.getValue("epoch", i));
			if (h.getValue("best", i) == 1) {
				assertEquals("one best epoch", -1, bestRow);
				bestRow = i;
			}
			bestAccuracy = Math.max(bestAccuracy, h.getValue("validation_accuracy", i));
		}
		assertTrue(bestRow >= 0);
		assertTrue("validation accuracy " + bestAccuracy + " should be well above chance (1/3)",
				bestAccuracy >= 0.6);
		// the best epoch has the lowest validation loss
		for (int i = 0; i < h.size(); i++)
			assertTrue(h.getValue("validation_loss", bestRow) <= h.getValue("validation_loss", i));

		// best and last files exist and reload with the class labels
		ModelBundle best = ModelBundleIO.read(model), last = ModelBundleIO.read(file("model-last.zip"));
		assertEquals(CLASSES, best.labels());
		assertEquals(CLASSES, last.labels());
		assertEquals(5, last.history().epochs());
		assertEquals(bestRow + 1, best.history().epochs());
		assertEquals(model.toString(), TrainCnnClassifier.lastResult("best_file"));

		// the confusion matrix: 6 validation images per class, its accuracy is the best epoch's
		ResultsTable cm = report.confusion();
		assertEquals(3, cm.size());
		long[][] m = new long[3][3];
		long total = 0, right = 0;
		for (int t = 0; t < 3; t++) {
			assertEquals(CLASSES.get(t), cm.getStringValue(TrainingReport.TRUE_CLASS, t));
			for (int p = 0; p < 3; p++) {
				m[t][p] = (long) cm.getValue(CLASSES.get(p), t);
				total += m[t][p];
				if (t == p) right += m[t][p];
			}
		}
		assertEquals(18, total);
		assertEquals("18", TrainCnnClassifier.lastResult("validation_images"));
		assertEquals(h.getValue("validation_accuracy", bestRow), (double) right / total, 1e-9);
		ResultsTable metrics = report.metrics();
		double[] precision = Evaluation.precision(m), recall = Evaluation.recall(m);
		for (int c = 0; c < 3; c++) {
			assertEquals(CLASSES.get(c), metrics.getStringValue("class", c));
			assertEquals(precision[c], metrics.getValue("precision", c), 1e-12);
			assertEquals(recall[c], metrics.getValue("recall", c), 1e-12);
			assertEquals(6, (int) metrics.getValue("support", c));
		}
		// the matrix image and the live plot are images in the headless session
		ImagePlus image = report.confusionImage();
		assertNotNull("the confusion matrix image is shown", WindowManager.getImage(image.getID()));
		assertEquals(TrainingReport.CONFUSION, image.getTitle());
		assertEquals(24, image.getBitDepth());
		assertTrue(image.getWidth() >= 3 * 40 && image.getHeight() >= 3 * 40);
		String info = image.getInfoProperty();
		assertTrue(info, info.contains("\ndisk\t" + m[0][0] + "\t" + m[0][1] + "\t" + m[0][2] + "\n"));
		ImagePlus plot = WindowManager.getImage(TrainCnnClassifier.PLOT_TITLE);
		assertNotNull("live plot image", plot);
		// the Log
		assertTrue(o.output, o.output.contains("images used: 90 of 90, skipped: 0"));
		// every image kept for the later epochs, and the budget for them said in MB
		assertTrue(o.output, o.output.contains("images kept in memory: 90 of 90 ("));
		assertTrue(o.output, o.output.contains(String.format(java.util.Locale.ROOT, "; budget %.0f MB, a quarter of "
				+ "the Java memory limit, at most 1 GB)\n", InputCache.defaultBudget() / 1048576.0)));
		assertTrue(o.output, o.output.contains("best model (epoch " + (bestRow + 1) + ", validation loss"));
		assertTrue(o.output, o.output.contains("last model (epoch 5) saved to " + file("model-last.zip")));
		assertTrue(o.output, o.output.contains("Training finished after epoch 5."));
	}

	/** A stack whose slice labels are the class names (a second label line is ignored), the LeNet default. */
	@Test
	public void trainsFromAStackWithLeNet() throws Exception {
		ImageStack stack = new ImageStack(16, 16);
		Random r = new Random(3);
		for (int i = 0; i < 60; i++)
			stack.addSlice(Synthetic.CLASSES[i % 3] + "\nimage " + i, Synthetic.image(i % 3, 16, r));
		ImagePlus imp = new ImagePlus("training stack", stack);
		imp.show();
		Path model = file("stack.zip");
		MacroHarness.run(null, COMMAND, "source=Stack stack=[training stack] epochs=2 batch=16 model=[" + model + "]");
		ResultsTable h = TrainCnnClassifier.lastReport().history();
		assertEquals(2, h.size());
		ModelBundle b = ModelBundleIO.read(file("stack-last.zip"));
		assertEquals(CLASSES, b.labels());
		assertEquals(org.convkit.core.cnn.spec.NetworkSpec.parse(org.convkit.core.cnn.spec.NetworkSpec.LENET_SPEC),
				b.spec());
		assertEquals(2, b.history().epochs());
		// validation=0.1 of 20 per class: 2 each
		assertEquals("6", TrainCnnClassifier.lastResult("validation_images"));
		assertArrayEquals(new int[] { 60, 16, 16 }, new int[] { imp.getStackSize(), imp.getWidth(),
				imp.getHeight() }); // the stack is unchanged
		imp.close();
	}

	/** 8x8 images (as scikit-learn's real digits): LeNet needs 16x16, so the automatic size scales them up 2x. */
	@Test
	public void imagesTooSmallForTheNetworkAreScaledUpWhenTheSizeIsAutomatic() throws Exception {
		ImageStack stack = new ImageStack(8, 8);
		Random r = new Random(5);
		for (int i = 0; i < 30; i++)
			stack.addSlice(Synthetic.CLASSES[i % 3], Synthetic.image(i % 3, 8, r));
		ImagePlus imp = new ImagePlus("small stack", stack);
		imp.show();
		try {
			MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, "source=Stack stack=[small stack] epochs=1 "
					+ "batch=8 model=[" + file("small.zip") + "]");
			assertTrue(o.failureText() + o.output, o.failures.isEmpty());
			ModelBundle b = ModelBundleIO.read(file("small.zip"));
			assertArrayEquals(new int[] { 16, 16 }, new int[] { b.inputWidth(), b.inputHeight() });
			assertTrue(o.output, o.output.contains("input 16x16 grayscale, resize Scale (the images' most common size "
					+ "8x8 scaled up 2x"));
		} finally {
			imp.close();
		}
	}

	@Test
	public void continueExtendsTheHistory() throws Exception {
		MacroHarness.run(null, COMMAND, folderOptions(folder) + " " + FAST + " epochs=2 validation=0.2 model=["
				+ file("a.zip") + "]");
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(folder) + " epochs=2 batch=16 "
				+ "validation=0.2 continue=[" + file("a-last.zip") + "] model=[" + file("b.zip") + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		assertTrue(o.output, o.output.contains("continuing " + file("a-last.zip") + " (2 epochs so far)"));
		ResultsTable h = TrainCnnClassifier.lastReport().history();
		assertEquals(2, h.size());
		assertEquals(3, (int) h.getValue("epoch", 0));
		assertEquals(4, (int) h.getValue("epoch", 1));
		ModelBundle first = ModelBundleIO.read(file("a-last.zip")), more = ModelBundleIO.read(file("b-last.zip"));
		assertEquals(4, more.history().epochs());
		assertEquals(first.history().trainLoss(), more.history().trainLoss().subList(0, 2));
		assertEquals(first.spec(), more.spec()); // the continued model's network, not the LeNet default
		assertEquals(CLASSES, more.labels());
		assertEquals("4", TrainCnnClassifier.lastResult("last_epoch"));
	}

	@Test
	public void earlyStoppingStopsBeforeTheLastEpoch() throws Exception {
		// a learning rate of 1e-9 cannot lower the validation loss by the 1e-4 (relative) that counts
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(folder) + " learning=1e-9 " + FAST
				+ " epochs=10 validation=0.2 patience=2 model=[" + file("early.zip") + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		assertEquals("EARLY_STOPPED", TrainCnnClassifier.lastResult("stop"));
		assertEquals(3, TrainCnnClassifier.lastReport().history().size());
		assertTrue(o.output, o.output.contains("Early stopping after epoch 3"));
		assertTrue(Files.exists(file("early.zip")));
		assertEquals(3, ModelBundleIO.read(file("early-last.zip")).history().epochs());
	}

	/** Without epochs= and patience=: at most 30 epochs, stopped by the default patience of 5 (docs/accuracy.md). */
	@Test
	public void theDefaultsRunAtMostThirtyEpochsWithAPatienceOfFive() throws Exception {
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(folder) + " learning=1e-9 " + FAST
				+ " validation=0.2 model=[" + file("defaults.zip") + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		assertTrue(o.output, o.output.contains("epochs=30, normalisation"));
		assertEquals("EARLY_STOPPED", TrainCnnClassifier.lastResult("stop"));
		assertEquals(6, TrainCnnClassifier.lastReport().history().size());
		assertEquals(6, ModelBundleIO.read(file("defaults-last.zip")).history().epochs());
	}

	/** Esc (as ImageJ's key handler reports it) after the first saved epoch: cancelled, the models are kept. */
	@Test
	public void escapeStopsAndKeepsTheModels() throws Exception {
		Path last = file("esc-last.zip");
		Thread esc = new Thread(() -> {
			try {
				Waits.until(120_000, () -> Files.exists(last)); // on time-out Esc comes anyway; the asserts below fail
			} catch (InterruptedException e) {
				return;
			}
			IJ.setKeyDown(KeyEvent.VK_ESCAPE);
		}, "press Esc");
		esc.start();
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(folder) + " " + FAST
				+ " epochs=200 validation=0.2 patience=0 model=[" + file("esc.zip") + "]");
		esc.join();
		IJ.resetEscape();
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		assertEquals("CANCELLED", TrainCnnClassifier.lastResult("stop"));
		int done = TrainCnnClassifier.lastReport().history().size();
		assertTrue(done + " epochs", done >= 1 && done < 200);
		assertEquals(done, ModelBundleIO.read(last).history().epochs());
		assertTrue(Files.exists(file("esc.zip")));
		assertTrue(o.output, o.output.contains("Training was cancelled in epoch " + (done + 1)));
	}

	@Test
	public void validationZeroTrainsOnEverythingWithoutConfusionMatrix() throws Exception {
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(folder) + " " + FAST
				+ " epochs=1 validation=0 model=[" + file("all.zip") + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		TrainingReport r = TrainCnnClassifier.lastReport();
		assertNull(r.confusion());
		assertNull(r.metrics());
		assertTrue(Double.isNaN(r.history().getValue("validation_loss", 0)));
		assertEquals(1, (int) r.history().getValue("best", 0));
		assertEquals("0", TrainCnnClassifier.lastResult("validation_images"));
		assertEquals("", TrainCnnClassifier.lastResult("best_validation_accuracy"));
		assertTrue(o.output, o.output.contains("best model (epoch 1, training loss"));
	}

	/** False for a read-only folder, unless the user (root) may write anyway. */
	static boolean canCreateFileIn(Path dir) {
		try {
			Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
			return true;
		} catch (java.io.IOException e) {
			return false;
		}
	}
}
