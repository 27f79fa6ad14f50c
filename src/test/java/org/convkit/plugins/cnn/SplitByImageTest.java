package org.convkit.plugins.cnn;

import ij.WindowManager;
import org.convkit.app.MicroscopySample;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.convkit.plugins.cnn.TrainCnnClassifierTest.FAST;
import static org.junit.Assert.*;

/**
 * {@code split=[By image]} of "Train CNN Classifier..." as a macro calls it, on a folder of patches saved as
 * {@code FIELD_NUMBER.png} from five "fields" in two class folders: whole fields are held out for validation, none of
 * a held-out field's patches is trained on, and a class from a single field is refused before anything is written.
 */
public class SplitByImageTest {
	static final String COMMAND = TrainCnnClassifier.COMMAND;
	static final String[] FIELDS = { "fieldA", "fieldB", "fieldC", "fieldD", "fieldE" };
	@ClassRule
	public static TemporaryFolder data = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	/** disk and hbar, 6 patches of each from each of the five fields. */
	static Path fields;

	@BeforeClass
	public static void makeData() throws Exception {
		fields = data.newFolder("fields").toPath();
		Random r = new Random(5);
		for (int c = 0; c < 2; c++) {
			Path dir = Files.createDirectories(fields.resolve(Synthetic.CLASSES[c]));
			for (String field : FIELDS)
				for (int i = 0; i < 6; i++)
					Synthetic.save(Synthetic.image(c, 16, r), dir.resolve(String.format("%s_%03d", field, c * 6 + i)),
							true);
		}
	}

	private Path model() {
		return tmp.getRoot().toPath().resolve("model.zip");
	}

	/** The fields of the examples at these dataset indices. */
	private static Set<String> fieldsOf(int[] indices) {
		FolderDataset d = new FolderDataset(fields);
		Set<String> out = new TreeSet<>();
		for (int i : indices) out.add(d.name(i).replaceAll("^[a-z]+/(field[A-E])_\\d+\\.png$", "$1"));
		return out;
	}

	private static int[] trainingIndices(TrainingResult r, int size) {
		boolean[] validation = new boolean[size];
		for (int i : r.validationIndices) validation[i] = true;
		return java.util.stream.IntStream.range(0, size).filter(i -> !validation[i]).toArray();
	}

	/** Trains on the five fields with these keys (asserting success); the Log. */
	private String trainOnFields(String keys) {
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, "folder=[" + fields + "] " + FAST
				+ " validation=0.2 " + keys + " model=[" + model() + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		return o.output;
	}

	@Test
	public void wholeFieldsAreHeldOutAndNoneOfTheirPatchesIsTrainedOn() {
		String log = trainOnFields("epochs=2 split=[By image]");
		TrainingResult r = TrainCnnClassifier.lastReport().result();
		Set<String> held = fieldsOf(r.validationIndices), trained = fieldsOf(trainingIndices(r, 60));
		// 0.2 of 30 per class is 6: exactly one field's 6 + 6 patches
		assertEquals(held.toString(), 1, held.size());
		assertEquals(12, r.validationIndices.length);
		assertEquals(4, trained.size());
		assertTrue(trained + " / " + held, java.util.Collections.disjoint(trained, held));
		String field = held.iterator().next();
		assertEquals(field, TrainCnnClassifier.lastResult("validation_sources"));
		assertEquals("12", TrainCnnClassifier.lastResult("validation_images"));
		assertTrue(log, log.contains("validation 0.2 (By image)"));
		assertTrue(log, log.contains("split By image: the 60 examples come from 5 source image(s)\n"));
		assertTrue(log, log.contains("validation images: 12, all from the 1 source image(s) held out whole: " + field
				+ "\n"));
	}

	/** The same data and seed split at random: validation patches come from several fields, all also trained on. */
	@Test
	public void randomSplitMixesTheFields() {
		String log = trainOnFields("epochs=1 split=Random");
		TrainingResult r = TrainCnnClassifier.lastReport().result();
		Set<String> held = fieldsOf(r.validationIndices), trained = fieldsOf(trainingIndices(r, 60));
		assertTrue(held.toString(), held.size() >= 2);
		assertTrue(trained.containsAll(held));
		assertEquals("", TrainCnnClassifier.lastResult("validation_sources"));
		assertTrue(log, log.contains("validation 0.2 (Random)"));
		assertFalse(log, log.contains("held out whole"));
	}

	/** Names without '_': every file its own source image, and the Log says so. */
	@Test
	public void filesWithoutAnUnderscoreAreEachTheirOwnImageAndTheLogSaysSo() throws Exception {
		Path plain = Synthetic.folder(tmp.newFolder("plain").toPath(), 10, 16, 3);
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, "folder=[" + plain + "] " + FAST
				+ " epochs=1 validation=0.2 split=[By image] model=[" + model() + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		assertTrue(o.output, o.output.contains("split By image: the 30 examples come from 30 source image(s): each "
				+ "example is its own, so the split holds out single examples (files count as one image when named "
				+ "IMAGE_NUMBER"));
		assertEquals(6, TrainCnnClassifier.lastResult("validation_sources").split("\n").length);
		assertEquals("6", TrainCnnClassifier.lastResult("validation_images"));
	}

	/** A labelled stack: each slice is its own image, the Log says so (without the file-naming hint). */
	@Test
	public void aStacksSlicesAreEachTheirOwnImage() {
		ij.ImageStack stack = new ij.ImageStack(16, 16);
		Random r = new Random(6);
		for (int i = 0; i < 20; i++)
			stack.addSlice(Synthetic.CLASSES[i % 2] + "\nslice " + i, Synthetic.image(i % 2, 16, r));
		ij.ImagePlus imp = new ij.ImagePlus("split stack", stack);
		imp.show();
		try {
			MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, "source=Stack stack=[split stack] " + FAST
					.replace("batch=16", "batch=4") + " epochs=1 validation=0.2 split=[By image] model=[" + model()
					+ "]");
			assertTrue(o.failureText() + o.output, o.failures.isEmpty());
			assertTrue(o.output, o.output.contains("split By image: the 20 examples come from 20 source image(s): "
					+ "each example is its own, so the split holds out single examples\n"));
			assertEquals("4", TrainCnnClassifier.lastResult("validation_images"));
		} finally {
			imp.close();
		}
	}

	@Test
	public void aClassFromOneFieldIsRefusedBeforeAnythingIsWritten() throws IOException {
		Path one = tmp.newFolder("one field").toPath();
		Random r = new Random(2);
		for (int c = 0; c < 2; c++) {
			Path dir = Files.createDirectories(one.resolve(Synthetic.CLASSES[c]));
			for (int i = 0; i < 8; i++) Synthetic.save(Synthetic.image(c, 16, r), dir.resolve(
					(c == 1 ? "fieldA" : FIELDS[i % 4]) + "_" + i), true);
		}
		int images = WindowManager.getImageCount();
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, "folder=[" + one + "] " + FAST
				+ " epochs=1 validation=0.2 split=[By image] model=[" + model() + "]");
		assertEquals(o.output, 1, o.failures.size());
		assertTrue(o.failures.get(0), o.failures.get(0).contains("All 8 image(s) of class 'hbar' come from one source "
				+ "image ('fieldA')"));
		assertFalse(o.hasStackTrace());
		assertEquals(images, WindowManager.getImageCount());
		try (Stream<Path> s = Files.list(tmp.getRoot().toPath())) {
			assertFalse("no model written", s.anyMatch(p -> p.toString().endsWith(".zip")));
		}
		// the same data split at random trains
		o = MacroHarness.attempt(null, COMMAND, "folder=[" + one + "] " + FAST.replace("batch=16", "batch=4")
				+ " epochs=1 validation=0.2 model=[" + model() + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
	}

	/**
	 * ROIs drawn on three fields of 40, 50 and 60 cells (the ROI Manager's ROIs on several images, each added while its
	 * image was the current one, classes by name prefix): the validation ROIs are all those of one field, named in the
	 * Log and in validation_sources.
	 */
	@Test
	public void roisOnSeveralImagesHoldOutTheRoisOfWholeImages() throws Exception {
		int[] cells = { 40, 50, 60 }, counts = new int[3];
		StringBuilder macro = new StringBuilder("roiManager(\"reset\");\n");
		int index = 0;
		for (int f = 0; f < 3; f++) {
			MicroscopySample.Field field = MicroscopySample.field(192, 192, cells[f], 40 + f, true);
			field.image.setTitle("split" + f + ".tif");
			RoiMacros.keepShown(field.image);
			counts[f] = field.rois.size();
			macro.append("selectImage(\"split" + f + ".tif\");\n");
			for (int i = 0; i < field.rois.size(); i++, index++) {
				java.awt.Rectangle r = field.rois.get(i).getBounds();
				macro.append("makeOval(" + r.x + ", " + r.y + ", " + r.width + ", " + r.height + ");\n"
						+ "roiManager(\"add\");\nroiManager(\"select\", " + index + ");\n"
						+ "roiManager(\"rename\", \"" + field.truth.get(i) + "_" + index + "\");\n");
			}
		}
		assertEquals("the fields differ in size, so the count tells which was held out", 3, java.util.Arrays
				.stream(counts).distinct().count());
		macro.append("run(\"Train CNN Classifier...\", \"source=ROIs label=[Name prefix] patch=32 architecture=Custom "
				+ "layers=[" + RoiMacros.LAYERS + "] epochs=1 batch=16 validation=0.3 split=[By image] seed=1 model="
				+ RoiMacros.path(model()) + "\");\n");
		RoiMacros.Outcome o = RoiMacros.attempt(macro.toString());
		assertTrue(o.failures + o.output, o.failures.isEmpty());
		String held = TrainCnnClassifier.lastResult("validation_sources");
		assertTrue(held, held.matches("split[012]\\.tif"));
		int f = held.charAt(5) - '0';
		assertEquals(String.valueOf(counts[f]), TrainCnnClassifier.lastResult("validation_images"));
		assertTrue(o.output, o.output.contains("split By image: the " + (counts[0] + counts[1] + counts[2])
				+ " examples come from 3 source image(s)\n"));
		assertTrue(o.output, o.output.contains("all from the 1 source image(s) held out whole: " + held + "\n"));
	}

	@Test
	public void anUnknownSplitIsRefusedNamingTheKey() {
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, "folder=[" + fields + "] " + FAST
				+ " epochs=1 split=Sideways model=[" + model() + "]");
		assertEquals(o.output, 1, o.failures.size());
		assertTrue(o.failures.get(0), o.failures.get(0).contains("split=Sideways"));
		assertTrue(o.failures.get(0), o.failures.get(0).contains("Random or By image"));
		assertFalse(Files.exists(model()));
	}
}
