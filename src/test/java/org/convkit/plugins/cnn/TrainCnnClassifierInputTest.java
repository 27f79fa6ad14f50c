package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.stream.Stream;

import static org.convkit.plugins.cnn.TrainCnnClassifierTest.COMMAND;
import static org.convkit.plugins.cnn.TrainCnnClassifierTest.FAST;
import static org.convkit.plugins.cnn.TrainCnnClassifierTest.folderOptions;
import static org.junit.Assert.*;

/**
 * Every bad input of "Train CNN Classifier..." as a macro call: exactly one failure whose message has the key
 * words, no model file written, no image or window left behind. Unreadable images are the exception: skipped,
 * counted and reported, and training goes on.
 */
public class TrainCnnClassifierInputTest {
	@ClassRule
	public static TemporaryFolder data = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	/** 3 classes x 10 images of 16x16. */
	static Path good;

	@BeforeClass
	public static void makeData() throws Exception {
		good = Synthetic.folder(data.newFolder("good").toPath(), 10, 16, 11);
	}

	private Path model() {
		return tmp.getRoot().toPath().resolve("model.zip");
	}

	/** Runs the options (plus model= in tmp) and checks the failure, that nothing was written and no image shown. */
	private String fails(String options, String... parts) throws IOException {
		int images = WindowManager.getImageCount();
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, options + " model=[" + model() + "]");
		assertEquals("exactly one failure expected; output:\n" + o.output, 1, o.failures.size());
		String message = o.failures.get(0);
		for (String p : parts)
			assertTrue("message '" + message + "' should contain '" + p + "'", message.contains(p));
		assertNothingWritten();
		assertEquals("no image or plot shown", images, WindowManager.getImageCount());
		return message;
	}

	private void assertNothingWritten() throws IOException {
		try (Stream<Path> s = Files.list(tmp.getRoot().toPath())) {
			assertArrayEquals(new Object[0], s.filter(p -> !p.getFileName().toString().startsWith("keep"))
					.toArray());
		}
	}

	private static Path classFolders(String name, String... classes) throws IOException {
		Path root = data.newFolder(name).toPath();
		for (String c : classes) Files.createDirectories(root.resolve(c));
		return root;
	}

	private static void images(Path dir, int n, int c, long seed) {
		Random r = new Random(seed);
		for (int i = 0; i < n; i++) Synthetic.save(Synthetic.image(c, 16, r), dir.resolve("img" + i), false);
	}

	@Test
	public void folderWithoutClassSubfolders() throws Exception {
		Path root = data.newFolder("flat").toPath();
		images(root, 3, 0, 1);
		fails(folderOptions(root) + " " + FAST, "has no class subfolders", "subfolder named after the class");
		fails(folderOptions(root.resolve("missing")) + " " + FAST, "does not exist");
		fails("source=Folder " + FAST, "No folder given");
	}

	@Test
	public void aNetworkThatCannotFitInMemoryIsRefusedBeforeTraining() throws Exception {
		fails(folderOptions(good) + " " + FAST + " width=65536 height=65536", "on a 65536x65536 input needs about",
				"GB to train", "smaller width= and height=");
		fails(folderOptions(good) + " width=65536 height=65536 batch=16", "(LeNet) on a 65536x65536", "GB to train");
	}

	@Test
	public void oneClassOnly() throws Exception {
		Path root = classFolders("one", "cells");
		images(root.resolve("cells"), 4, 0, 2);
		fails(folderOptions(root) + " " + FAST, "only one class subfolder ('cells')", "at least 2 classes");
	}

	@Test
	public void emptyClassFolder() throws Exception {
		Path root = classFolders("empty", "cells", "debris");
		images(root.resolve("cells"), 4, 0, 3);
		fails(folderOptions(root) + " " + FAST, "The class folder 'debris'", "has no image files");
	}

	@Test
	public void unreadableImagesAreSkippedAndCounted() throws Exception {
		Path root = classFolders("corrupt", "disk", "hbar", "vbar");
		for (int c = 0; c < 3; c++) images(root.resolve(Synthetic.CLASSES[c]), 10, c, 20 + c);
		Files.write(root.resolve("hbar/broken.tif"), "not a TIFF at all".getBytes(StandardCharsets.UTF_8));
		Files.write(root.resolve("vbar/notes.txt"), "some notes".getBytes(StandardCharsets.UTF_8));
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(root) + " " + FAST
				+ " epochs=1 batch=8 validation=0.2 model=[" + model() + "]");
		assertTrue(o.failureText() + o.output, o.failures.isEmpty());
		assertTrue(o.output, o.output.contains("images used: 30 of 32, skipped: 2 (unreadable)"));
		assertTrue(o.output, o.output.contains("skipped hbar/broken.tif: "));
		assertTrue(o.output, o.output.contains("skipped vbar/notes.txt: "));
		assertEquals("2", TrainCnnClassifier.lastResult("skipped"));
		assertTrue(Files.exists(model()));
	}

	@Test
	public void mixedImageTypes() throws Exception {
		Path bits = classFolders("bits", "a", "b");
		images(bits.resolve("a"), 3, 0, 4);
		images(bits.resolve("b"), 2, 1, 5);
		Synthetic.save(new ShortProcessor(16, 16), bits.resolve("b/sixteen"), false);
		fails(folderOptions(bits) + " " + FAST, "mixed types", "8-bit", "16-bit", "convert all images to one type");
		Path rgb = classFolders("rgb", "a", "b");
		images(rgb.resolve("a"), 3, 0, 6);
		images(rgb.resolve("b"), 2, 1, 7);
		Synthetic.save(new ColorProcessor(16, 16), rgb.resolve("b/colour"), true);
		fails(folderOptions(rgb) + " " + FAST, "mixed types", "RGB");
	}

	@Test
	public void stackWithoutSliceLabelsOrNotOpen() throws Exception {
		ImageStack st = new ImageStack(16, 16);
		for (int i = 0; i < 6; i++) st.addSlice(i < 3 ? "disk" : null, new ByteProcessor(16, 16));
		ImagePlus imp = new ImagePlus("unlabelled", st);
		imp.show();
		try {
			fails("source=Stack stack=unlabelled " + FAST, "3 of 6 slices have no label (slice [4, 5, 6])",
					"each slice label must be the class name");
		} finally {
			imp.close();
		}
		fails("source=Stack stack=[not open] " + FAST, "stack=[not open]: no open image has this title");
	}

	@Test
	public void badLayerSpecs() throws Exception {
		fails(folderOptions(good) + " architecture=Custom layers=[conv 3x3x8; maxpool 2; fancy 3]",
				"layers=[conv 3x3x8; maxpool 2; fancy 3]", "layer 3 'fancy 3'", "fancy");
		fails(folderOptions(good) + " architecture=Custom layers=[conv 3x3xmany]", "3x3xmany");
		fails(folderOptions(good) + " width=16 height=16 architecture=Custom layers=[conv 9x9x4; maxpool 2; "
				+ "conv 5x5x4]", "does not fit the 16x16 input", "layer 3", "below 1x1");
		fails(folderOptions(good) + " width=16 architecture=Custom layers=[conv 9x9x4; maxpool 2; conv 5x5x4]",
				"does not fit the 16x16 input"); // one size given: nothing is scaled
		// a stride 2 above the window with pad=same on 18 pixels: DL4J cannot pad it (its backprop would stop)
		fails(folderOptions(good) + " width=18 height=18 architecture=Custom layers=[conv 3x3x4 pad=same; "
				+ "maxpool 1 stride=3 pad=same; dense 8]", "does not fit the 18x18 input",
				"layer 2 'maxpool 1 stride=3 pad=same'", "than DL4J can pad", "at least 2 pixels");
		fails(folderOptions(good) + " architecture=Custom", "architecture=Custom needs layers=[...]");
		fails(folderOptions(good) + " architecture=ResNet", "Unknown architecture 'ResNet'");
	}

	@Test
	public void batchLargerThanTheData() throws Exception {
		// 30 images, 10% held out: 27 training images
		fails(folderOptions(good) + " batch=100", "The batch size 100 is larger than the 27 training images");
	}

	@Test
	public void validationLeavingAClassWithoutExamples() throws Exception {
		fails(folderOptions(good) + " " + FAST + " validation=0.02", "validation=0.02 leaves it no validation example");
		fails(folderOptions(good) + " " + FAST + " validation=1", "validation=1 must be a fraction >= 0 and < 1");
	}

	@Test
	public void existingModelFileWithoutOverwrite() throws Exception {
		Files.write(model(), new byte[] { 42 });
		int images = WindowManager.getImageCount();
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(good) + " " + FAST + " model=["
				+ model() + "]");
		assertEquals(o.output, 1, o.failures.size());
		assertTrue(o.failureText(), o.failureText().contains("already exists (choose overwrite to replace it)"));
		assertArrayEquals(new byte[] { 42 }, Files.readAllBytes(model()));
		assertFalse(Files.exists(tmp.getRoot().toPath().resolve("model-last.zip")));
		assertEquals(images, WindowManager.getImageCount());
		// with overwrite it is replaced
		MacroHarness.run(null, COMMAND, folderOptions(good) + " " + FAST + " epochs=1 overwrite model=[" + model()
				+ "]");
		assertTrue(Files.size(model()) > 1000);
	}

	@Test
	public void modelPathMissingOrNotWritable() throws Exception {
		MacroHarness.Outcome o = MacroHarness.attempt(null, COMMAND, folderOptions(good) + " " + FAST);
		assertTrue(o.failureText(), o.failureText().contains("No model file given"));
		o = MacroHarness.attempt(null, COMMAND, folderOptions(good) + " " + FAST + " model=[" + tmp.getRoot()
				+ "/no such folder/m.zip]");
		assertTrue(o.failureText(), o.failureText().contains("does not exist"));
		o = MacroHarness.attempt(null, COMMAND, folderOptions(good) + " " + FAST + " model=[" + tmp.getRoot() + "]");
		assertTrue(o.failureText(), o.failureText().contains("is a folder"));
		Path locked = tmp.newFolder("keep-locked").toPath();
		Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
		try {
			// root may write anyway; /proc accepts no new files from anyone
			Path dir = TrainCnnClassifierTest.canCreateFileIn(locked) ? java.nio.file.Paths.get("/proc") : locked;
			o = MacroHarness.attempt(null, COMMAND, folderOptions(good) + " " + FAST + " model=[" + dir
					+ "/model.zip]");
			assertEquals(o.output, 1, o.failures.size());
			assertTrue(o.failureText(), o.failureText().contains("is not writable"));
		} finally {
			Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
		assertNothingWritten();
		try (Stream<Path> s = Files.list(locked)) {
			assertEquals(0, s.count());
		}
	}

	@Test
	public void divergenceStopsAndSaysToLowerTheLearningRate() throws Exception {
		// linear layers and a huge step: the weights overflow within the first epoch
		String m = fails(folderOptions(good) + " architecture=Custom layers=[dense 64 identity; dense 64 identity; "
				+ "dense 64 identity] optimizer=SGD learning=10 l2=0 batch=4 epochs=3", "lower the learning rate "
				+ "(now 10.0)");
		assertEquals("DIVERGED", TrainCnnClassifier.lastResult("stop"));
		assertTrue(m, m.contains("diverged in epoch 1"));
		assertEquals("0", TrainCnnClassifier.lastResult("epochs"));
	}

	@Test
	public void badValues() throws Exception {
		fails(folderOptions(good) + " epochs=many", "epochs=many is not a number");
		fails(folderOptions(good) + " epochs=0", "epochs=0 must be a whole number from 1");
		fails(folderOptions(good) + " epochs=2.5", "epochs=2.5 must be a whole number");
		fails(folderOptions(good) + " patience=-1", "patience=-1");
		fails(folderOptions(good) + " width=-3", "width=-3");
		fails(folderOptions(good) + " learning=0", "learning=0 must be > 0");
		fails(folderOptions(good) + " l2=2", "l2=2 must be between 0 and 1");
		fails(folderOptions(good) + " optimizer=Adamax2", "Unknown optimizer 'Adamax2'");
		fails(folderOptions(good) + " init=Random", "Unknown initialisation 'Random'");
		fails(folderOptions(good) + " resize=Stretch", "Unknown resize rule 'Stretch'");
		fails(folderOptions(good) + " augment=[flip wobble]", "augment=[flip wobble]", "Unknown augmentation 'wobble'");
		fails("source=Web " + FAST, "source=Web is unknown");
		fails(folderOptions(good) + " continue=[" + tmp.getRoot() + "/keep-none.zip]", "no such model file");
		Path notModel = tmp.getRoot().toPath().resolve("keep-not-a-model.zip");
		Files.write(notModel, "text".getBytes(StandardCharsets.UTF_8));
		fails(folderOptions(good) + " continue=[" + notModel + "]", "continue=" + notModel + ": ");
	}
}
