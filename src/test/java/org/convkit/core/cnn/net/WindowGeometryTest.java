package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.Assert.*;

/** "Same" mode's padding as DL4J computes it, also where DL4J's Java formula throws (negative: libnd4j's). */
public class WindowGeometryTest {
	@Test
	public void samePaddingIsDl4jsAndNegativeWhereDl4jsJavaFormulaThrows() {
		int agreed = 0, negative = 0;
		for (int in = 1; in <= 20; in++)
			for (int k = 1; k <= 5; k++)
				for (int s = 1; s <= 5; s++)
					for (int d = 1; d <= 2; d++) {
						int out = (in + s - 1) / s;
						int ours = WindowGeometry.samePadding(in, k, s, new int[] { d, d }, 0);
						String at = "in " + in + " kernel " + k + " stride " + s + " dilation " + d;
						assertEquals(at, ((out - 1) * s + (k - 1) * d + 1 - in) / 2, ours); // libnd4j's calcPadding2D
						int[] dl4j;
						try {
							dl4j = ConvolutionUtils.getSameModeTopLeftPadding(new int[] { out, out },
									new int[] { in, in }, new int[] { k, k }, new int[] { s, s }, new int[] { d, d });
						} catch (IllegalStateException e) { // "Invalid padding values calculated"
							assertTrue(at, ours < 0);
							negative++;
							continue;
						}
						assertEquals(at, dl4j[0], ours);
						agreed++;
					}
		assertTrue("cases DL4J throws for", negative > 50);
		assertTrue("cases DL4J computes", agreed > 500);
	}

	@Test
	public void aStrideTwoLargerThanTheWindowStartsInsideTheImage() {
		// 9 rows, window 1, stride 3: 3 outputs; (3 - 1) * 3 + 1 - 9 = -2, so -1; 7 columns: 0
		int[] g = WindowGeometry.of(Nd4j.create(DataType.FLOAT, 1, 1, 9, 7), ConvolutionMode.Same, new int[] { 1, 1 },
				new int[] { 3, 3 }, new int[] { 0, 0 }, new int[] { 1, 1 });
		assertArrayEquals(new int[] { 3, 3, -1, 0 }, g);
		// valid padding: DL4J's own output size, the layer's padding
		g = WindowGeometry.of(Nd4j.create(DataType.FLOAT, 1, 1, 9, 7), ConvolutionMode.Truncate, new int[] { 3, 2 },
				new int[] { 2, 2 }, new int[] { 0, 0 }, new int[] { 1, 1 });
		assertArrayEquals(new int[] { 4, 3, 0, 0 }, g);
	}
}
