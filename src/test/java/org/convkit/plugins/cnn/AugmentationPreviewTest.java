package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.testing.MacroHarness;
import org.junit.After;
import org.junit.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * Augmentation Preview... run as a macro equals what the training batches hold for the same stack, slice, seed and
 * epochs (Batches.forTraining over a StackDataset, normalisation fitted on the stack, mapped back to pixel units
 * here); gray and RGB; augment=none is the image itself; hostile values refused with no image made.
 */
public class AugmentationPreviewTest {
	private static final String CMD = AugmentationPreview.COMMAND;
	private static final String ALL = "flip rot90 rotate shift brightness contrast noise";

	@After
	public void closeAll() {
		int[] ids = WindowManager.getIDList();
		if (ids != null) for (int id : ids) WindowManager.getImage(id).close();
	}

	private static ImagePlus labelledStack(boolean rgb, int w, int h, int n) {
		Random r = new Random(5);
		ImageStack st = new ImageStack(w, h);
		for (int i = 0; i < n; i++) {
			ImageProcessor ip = rgb ? new ColorProcessor(w, h) : new ByteProcessor(w, h);
			for (int p = 0; p < w * h; p++) ip.set(p, rgb ? r.nextInt(1 << 24) : r.nextInt(256));
			st.addSlice(i % 2 == 0 ? "even" : "odd", ip);
		}
		return new ImagePlus("train.tif", st);
	}

	private static ImagePlus preview(ImagePlus imp, String options) {
		return MacroHarness.runForNewImage(imp, CMD, options);
	}

	/** Example {@code index}'s features in each epoch 1..count of the training batches, back in pixel units. */
	private static float[][] fromTrainingBatches(ImagePlus imp, int index, Set<Augmenter.Op> ops, long seed,
			int count) {
		StackDataset data = new StackDataset(imp.getStack());
		int[] all = new int[data.size()];
		for (int i = 0; i < all.length; i++) all[i] = i;
		InputFormat f = new InputFormat(imp.getHeight(), imp.getWidth(), data.channels(), Resize.SCALE);
		Normalisation norm = NormalisationFitter.fit(data, all, f);
		Batches batches = Batches.forTraining(data, all, f, norm, 4, seed, ops);
		float[][] out = new float[count][];
		int plane = f.width() * f.height();
		for (int e = 1; e <= count; e++)
			try (Batches.Epoch it = batches.epoch(e)) {
				while (it.hasNext()) {
					DataSet ds = it.next();
					int[] rows = it.currentIndices();
					float[] batch = ds.getFeatures().dup('c').data().asFloat();
					for (int row = 0; row < rows.length; row++)
						if (rows[row] == index) {
							float[] x = Arrays.copyOfRange(batch, row * f.size(), (row + 1) * f.size());
							for (int c = 0; c < f.channels(); c++)
								for (int i = c * plane; i < (c + 1) * plane; i++)
									x[i] = (float) (x[i] * norm.std(c) + norm.mean(c));
							out[e - 1] = x;
						}
				}
			}
		return out;
	}

	@Test
	public void grayEqualsTheTrainingBatches() {
		ImagePlus imp = labelledStack(false, 10, 8, 6);
		imp.setSlice(3);
		ImagePlus p = preview(imp, "augment=[" + ALL + "] seed=7 count=5");
		assertEquals(5, p.getStackSize());
		assertEquals(32, p.getBitDepth());
		float[][] expected = fromTrainingBatches(imp, 2, Augmenter.parse(ALL), 7, 5);
		for (int e = 0; e < 5; e++) {
			assertArrayEquals("epoch " + (e + 1), expected[e], (float[]) p.getStack().getPixels(e + 1), 1e-4f);
			assertTrue(p.getStack().getSliceLabel(e + 1), p.getStack().getSliceLabel(e + 1).startsWith("epoch "
					+ (e + 1) + ": "));
		}
		assertFalse("the epochs differ", Arrays.equals(expected[0], expected[1]));
		assertTrue(p.getStack().getSliceLabel(1), p.getStack().getSliceLabel(1).contains("noise"));
		// another seed, another preview; the same seed, the same
		ImagePlus again = preview(imp, "augment=[" + ALL + "] seed=7 count=5");
		assertArrayEquals((float[]) p.getStack().getPixels(4), (float[]) again.getStack().getPixels(4), 0f);
		ImagePlus other = preview(imp, "augment=[" + ALL + "] seed=8 count=5");
		assertFalse(Arrays.equals((float[]) p.getStack().getPixels(4), (float[]) other.getStack().getPixels(4)));
	}

	@Test
	public void rgbEqualsTheTrainingBatchesRounded() {
		ImagePlus imp = labelledStack(true, 9, 9, 4);
		imp.setSlice(2);
		ImagePlus p = preview(imp, "augment=[flip rot90 shift brightness] seed=3 count=3");
		assertEquals(24, p.getBitDepth());
		float[][] expected = fromTrainingBatches(imp, 1, Augmenter.parse("flip rot90 shift brightness"), 3, 3);
		assertEquals("an RGB stack trains 3 channels", 3, new StackDataset(imp.getStack()).channels());
		for (int e = 0; e < 3; e++) {
			int[] rgb = (int[]) p.getStack().getPixels(e + 1);
			for (int i = 0; i < 81; i++)
				for (int c = 0; c < 3; c++) {
					int want = (int) Math.max(0, Math.min(255, Math.floor(expected[e][c * 81 + i] + 0.5f)));
					assertEquals("epoch " + (e + 1) + " channel " + c, want, (rgb[i] >> (16 - 8 * c)) & 255);
				}
		}
	}

	@Test
	public void noneAndTheDefaults() {
		ImagePlus imp = labelledStack(false, 6, 6, 2);
		ImagePlus none = preview(imp, "augment=none count=2");
		for (int e = 1; e <= 2; e++) {
			float[] v = (float[]) none.getStack().getPixels(e);
			for (int i = 0; i < 36; i++) assertEquals(imp.getStack().getProcessor(1).get(i), v[i], 1e-3);
			assertEquals("epoch " + e + ": unchanged", none.getStack().getSliceLabel(e));
		}
		// the macro defaults are training's: augment=shift, seed=42, and 16 epochs
		ImagePlus defaults = preview(imp, "seed=42");
		assertEquals(AugmentationPreview.DEFAULT_COUNT, defaults.getStackSize());
		ImagePlus explicit = preview(imp, "augment=shift seed=42 count=16");
		for (int e = 1; e <= 16; e++)
			assertArrayEquals((float[]) explicit.getStack().getPixels(e), (float[]) defaults.getStack().getPixels(e), 0f);
	}

	private static void expectError(ImagePlus imp, String options, String expected) {
		Object before = imp.getStack().getProcessor(1).getPixelsCopy();
		int[] ids = WindowManager.getIDList();
		int n = ids == null ? 0 : ids.length;
		MacroHarness.runExpectingError(imp, CMD, options, expected);
		int[] after = WindowManager.getIDList();
		assertTrue("an image was made by [" + options + "]", (after == null ? 0 : after.length) <= n + 1);
		assertArrayEquals((byte[]) before, (byte[]) imp.getStack().getProcessor(1).getPixels());
	}

	@Test
	public void hostileValues() {
		ImagePlus imp = labelledStack(false, 6, 6, 2);
		expectError(imp, "augment=[flip zoom]", "Unknown augmentation 'zoom'");
		for (String bad : new String[] {"NaN", "Infinity", "-Infinity", "1.5", "1e300"})
			expectError(imp, "seed=" + bad, "seed=");
		expectError(imp, "seed=abc", "seed=abc is not a number");
		for (String bad : new String[] {"0", "-1", "NaN", "Infinity", "1e12", "2.5", "1001"})
			expectError(imp, "count=" + bad, "count=");
		expectError(imp, "count=x", "count=x is not a number");
		ImagePlus big = new ImagePlus("big", new ByteProcessor(600, 600));
		expectError(big, "count=1000", "would take 1373 MB");
		closeAll();
		WindowManager.setTempCurrentImage(null);
		MacroHarness.runExpectingError(null, CMD, "count=2", "no image open");
	}
}
