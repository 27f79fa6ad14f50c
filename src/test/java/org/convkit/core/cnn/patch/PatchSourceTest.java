package org.convkit.core.cnn.patch;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.filter.Border;
import org.junit.Test;

import java.util.Arrays;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

/** split=By image on ROIs: an ROI's source is the image it is on, told apart by ID when two have one title. */
public class PatchSourceTest {
	@Test
	public void anRoisSourceIsItsImageAndEqualTitlesAreToldApart() {
		ImagePlus a = new ImagePlus("field.tif", new ByteProcessor(16, 16)),
				b = new ImagePlus("field.tif", new ByteProcessor(16, 16)),
				c = new ImagePlus("other.tif", new ByteProcessor(16, 16));
		PatchInput in = new PatchInput(new int[] { 1 }, 1, false, Border.REFLECT, 0, false);
		PatchDataset d = new PatchDataset(Arrays.asList(outline("r1", a), outline("r2", b), outline("r3", c),
				outline("r4", a)), Arrays.asList("x", "y", "x", "y"), in, 8);
		assertEquals("other.tif", d.source(2));
		assertEquals(d.source(0), d.source(3));
		assertNotEquals(d.source(0), d.source(1));
		assertEquals("field.tif (ID " + a.getID() + ")", d.source(0));
		assertEquals("field.tif (ID " + b.getID() + ")", d.source(1));
	}

	private static Outline outline(String name, ImagePlus imp) {
		return new Outline(name, imp, 1, 1, 8, 8, null);
	}
}
