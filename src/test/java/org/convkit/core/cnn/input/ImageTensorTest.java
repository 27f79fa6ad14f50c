package org.convkit.core.cnn.input;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.junit.Test;

/**
 * Gray images at the model's size go straight into the batch array ({@code ImageTensor.convert}'s copy without a
 * plane): the pixel values as ImageJ's {@code getf} gives them, at the offset, nothing else written; a 32-bit image
 * with NaN or infinity is refused before anything is written. RGB images at the model's size go in plane by plane
 * (red, green, blue) without planes in between. Other sizes still go through the resize rule.
 */
public class ImageTensorTest {
	/** 2 rows of 3 (InputFormat takes the height first). */
	private static final InputFormat FORMAT = new InputFormat(2, 3, 1, Resize.SCALE);

	private static float[] converted(ImageProcessor ip, InputFormat f) {
		float[] out = new float[f.size() + 4];
		java.util.Arrays.fill(out, -7f);
		ImageTensor.convert(ip, f, out, 2);
		assertEquals("before the offset", -7f, out[1], 0f);
		assertEquals("after the image", -7f, out[f.size() + 2], 0f);
		return java.util.Arrays.copyOfRange(out, 2, 2 + f.size());
	}

	@Test
	public void grayImagesAtTheModelsSizeGiveTheirPixelValues() {
		ByteProcessor b = new ByteProcessor(3, 2, new byte[] { 0, 1, (byte) 128, (byte) 255, 7, 9 });
		assertArrayEquals(new float[] { 0, 1, 128, 255, 7, 9 }, converted(b, FORMAT), 0f);
		ShortProcessor s = new ShortProcessor(3, 2, new short[] { 0, 1000, (short) 65535, (short) 40000, 3, 2 }, null);
		assertArrayEquals(new float[] { 0, 1000, 65535, 40000, 3, 2 }, converted(s, FORMAT), 0f);
		FloatProcessor fl = new FloatProcessor(3, 2, new float[] { -1.5f, 0, 2.25f, 1e30f, -1e-30f, 5 });
		assertArrayEquals(new float[] { -1.5f, 0, 2.25f, 1e30f, -1e-30f, 5 }, converted(fl, FORMAT), 0f);
		for (Resize rule : Resize.values())
			assertArrayEquals(rule + ": equal sizes copy", new float[] { 0, 1, 128, 255, 7, 9 },
					converted(b, new InputFormat(2, 3, 1, rule)), 0f);
	}

	@Test
	public void aFloatImageWithNanOrInfinityIsRefusedBeforeAnythingIsWritten() {
		for (float bad : new float[] { Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY }) {
			FloatProcessor fl = new FloatProcessor(3, 2, new float[] { 1, 2, bad, 4, 5, 6 });
			float[] out = new float[6];
			java.util.Arrays.fill(out, 3f);
			try {
				ImageTensor.convert(fl, FORMAT, out, 0);
				fail("accepted " + bad);
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("1 NaN or infinite pixel"));
			}
			assertArrayEquals("nothing written", new float[] { 3, 3, 3, 3, 3, 3 }, out, 0f);
		}
	}

	@Test
	public void rgbImagesAtTheModelsSizeGiveTheirRedGreenAndBluePlanes() {
		int[] px = { 0x000000, 0xff0000, 0x00ff00, 0x0000ff, 0x123456, 0xffffff };
		float[] planes = { 0, 255, 0, 0, 0x12, 255, 0, 0, 255, 0, 0x34, 255, 0, 0, 0, 255, 0x56, 255 };
		for (Resize rule : Resize.values())
			assertArrayEquals(rule + ": equal sizes copy", planes,
					converted(new ColorProcessor(3, 2, px.clone()), new InputFormat(2, 3, 3, rule)), 0f);
		// another size goes through the rule, plane by plane: 1×2 → 3×2 by Scale repeats the columns
		ColorProcessor narrow = new ColorProcessor(1, 2, new int[] { 0x0a141e, 0x28323c });
		assertArrayEquals(new float[] { 10, 10, 10, 40, 40, 40, 20, 20, 20, 50, 50, 50, 30, 30, 30, 60, 60, 60 },
				converted(narrow, new InputFormat(2, 3, 3, Resize.SCALE)), 0f);
	}

	@Test
	public void otherSizesStillFollowTheResizeRule() {
		// 1×2 → 3×2 by Scale: pixel-centre aligned, clamped to the image (columns repeat)
		ByteProcessor b = new ByteProcessor(1, 2, new byte[] { 10, 20 });
		assertArrayEquals(new float[] { 10, 10, 10, 20, 20, 20 }, converted(b, FORMAT), 0f);
		// Pad: centred on zeros
		assertArrayEquals(new float[] { 0, 10, 0, 0, 20, 0 }, converted(b, new InputFormat(2, 3, 1, Resize.PAD)), 0f);
	}
}
