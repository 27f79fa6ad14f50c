package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.train.Digits;
import org.convkit.testing.IdxWriter;
import org.convkit.testing.MacroHarness;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * Import IDX... run as a macro on IDX files written here: the stack and its slice labels; the labels sort as
 * numbers; a stack imported from MNIST-format files trains with Train CNN Classifier... source=Stack; bad files and
 * keys give one clear message and no image.
 */
public class ImportIdxTest {
	private static final String CMD = ImportIdx.COMMAND;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@After
	public void closeAll() {
		int[] ids = WindowManager.getIDList();
		if (ids != null) for (int id : ids) WindowManager.getImage(id).close();
	}

	private Path file(String name, byte[] data) throws Exception {
		return IdxWriter.write(tmp.getRoot().toPath().resolve(name), data);
	}

	private static ImageStack random(int n, int w, int h) {
		return IdxWriter.randomStack(n, w, h, 2);
	}

	private static ImagePlus importIdx(String options) {
		return MacroHarness.runForNewImage(null, CMD, options);
	}

	@Test
	public void imagesWithLabels() throws Exception {
		ImageStack s = random(6, 4, 3);
		Path images = file("t10k-images-idx3-ubyte.gz", IdxWriter.gzip(IdxWriter.images(s)));
		Path labels = file("t10k-labels-idx1-ubyte", IdxWriter.labels(7, 2, 1, 0, 4, 1));
		ImagePlus imp = importIdx("images=[" + images + "] labels=[" + labels + "]");
		assertEquals("t10k-images-idx3-ubyte", imp.getTitle());
		assertEquals(6, imp.getStackSize());
		assertEquals(8, imp.getBitDepth());
		for (int i = 1; i <= 6; i++) assertArrayEquals((byte[]) s.getPixels(i), (byte[]) imp.getStack().getPixels(i));
		String[] expected = {"7", "2", "1", "0", "4", "1"};
		for (int i = 0; i < 6; i++) assertEquals(expected[i], imp.getStack().getSliceLabel(i + 1));
		ImagePlus bare = importIdx("images=[" + images + "]");
		assertNull(bare.getStack().getSliceLabel(1));
	}

	@Test
	public void labelsArePaddedToSortAsNumbers() throws Exception {
		Path images = file("i", IdxWriter.images(random(3, 2, 2)));
		Path labels = file("l", IdxWriter.labels(2, 46, 10));
		ImagePlus imp = importIdx("images=[" + images + "] labels=[" + labels + "]");
		assertEquals(Arrays.asList("02", "46", "10"), Arrays.asList(imp.getStack().getSliceLabel(1),
				imp.getStack().getSliceLabel(2), imp.getStack().getSliceLabel(3)));
	}

	private void expectError(String options, String expected) {
		int before = WindowManager.getImageCount();
		MacroHarness.runExpectingError(null, CMD, options, expected);
		assertEquals("an image was shown for [" + options + "]", before, WindowManager.getImageCount());
	}

	@Test
	public void badFilesAndKeys() throws Exception {
		Path images = file("i.idx", IdxWriter.images(random(4, 3, 3)));
		Path labels = file("l.idx", IdxWriter.labels(1, 2, 3));
		expectError("images=[" + images + "] labels=[" + labels + "]", "has 3 labels but i.idx has 4 images");
		byte[] bad = IdxWriter.images(random(2, 3, 3));
		bad[2] = 0x42;
		expectError("images=[" + file("bad.idx", bad) + "]", "magic number");
		byte[] good = IdxWriter.images(random(4, 3, 3));
		expectError("images=[" + file("cut.idx", Arrays.copyOf(good, good.length - 1)) + "]", "truncated");
		expectError("images=[" + file("cut.gz", IdxWriter.gzip(Arrays.copyOf(good, 30))) + "]", "truncated");
		expectError("images=[" + images + "] labels=[" + images + "]", "is it an image file?");
		expectError("images=[" + labels + "]", "is it a label file?");
		expectError("images=[" + tmp.getRoot().toPath().resolve("none.idx") + "]", "not found");
		expectError("labels=[" + labels + "]", "No images file given");
		expectError("images=[" + file("huge.gz", IdxWriter.gzip(IdxWriter.header(0x08, Integer.MAX_VALUE, 28, 28)))
				+ "]", "MB in memory");
		expectError("", "No values given");
	}

	/** MNIST-format files of generated digits, imported and trained from as source=Stack: the classic exercise. */
	@Test
	public void trainsFromTheImportedStack() throws Exception {
		ImageStack digits = new Digits().stack(100, 3);
		int[] labels = new int[digits.getSize()];
		for (int i = 0; i < labels.length; i++) labels[i] = Integer.parseInt(digits.getSliceLabel(i + 1));
		Path images = file("train-images-idx3-ubyte.gz", IdxWriter.gzip(IdxWriter.images(digits)));
		Path labelFile = file("train-labels-idx1-ubyte.gz", IdxWriter.gzip(IdxWriter.labels(labels)));
		ImagePlus imp = importIdx("images=[" + images + "] labels=[" + labelFile + "]");
		imp.show();
		Path model = tmp.getRoot().toPath().resolve("mnist.zip");
		MacroHarness.run(null, TrainCnnClassifier.COMMAND, "source=Stack stack=[" + imp.getTitle()
				+ "] architecture=Custom layers=[conv 5x5x8 pad=same; maxpool 2; dense 32] epochs=1 batch=16"
				+ " validation=0.2 model=[" + model + "]");
		assertTrue(Files.isRegularFile(model));
		ModelBundle b = ModelBundleIO.read(model);
		assertEquals(Arrays.asList("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), b.labels());
		assertEquals(28, b.inputWidth());
		assertEquals("1", TrainCnnClassifier.lastResult("last_epoch"));
	}
}
