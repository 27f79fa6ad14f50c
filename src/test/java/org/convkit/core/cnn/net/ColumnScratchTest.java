package org.convkit.core.cnn.net;

import org.junit.Test;

import java.util.Arrays;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

/**
 * {@link ColumnScratch#nchw}: the products' {@code [channels][count][positions]} order into NCHW, with or without
 * ReLU; {@link Relu#apply}.
 */
public class ColumnScratchTest {
	/** 2 channels × 3 images × 2 positions: value {@code 100·c + 10·i + p}, every other one negated. */
	private static float[] channelMajor() {
		float[] v = new float[12];
		for (int c = 0, k = 0; c < 2; c++)
			for (int i = 0; i < 3; i++)
				for (int p = 0; p < 2; p++, k++) v[k] = (p == 0 ? -1 : 1) * (100 * c + 10 * i + p + 1);
		return v;
	}

	@Test
	public void copiesIntoNchwAtTheOffsetAndLeavesTheRest() {
		float[] dst = new float[15];
		Arrays.fill(dst, 7f);
		ColumnScratch.nchw(channelMajor(), 3, 2, 2, dst, 2, false);
		// image i, channel c, position p at 2 + (i·2 + c)·2 + p
		assertArrayEquals(new float[] { 7, 7, -1, 2, -101, 102, -11, 12, -111, 112, -21, 22, -121, 122, 7 }, dst, 0f);
	}

	@Test
	public void reluKeepsPositivesAndZeroesTheRestWithoutTouchingOtherValues() {
		float[] src = channelMajor();
		src[1] = Float.NaN; // image 0, channel 0, position 1
		src[6] = -0f; // channel 1, image 0, position 0
		src[7] = Float.POSITIVE_INFINITY;
		float[] dst = new float[15];
		Arrays.fill(dst, -7f);
		ColumnScratch.nchw(src, 3, 2, 2, dst, 2, true);
		assertArrayEquals(new float[] { -7, -7, 0, Float.NaN, 0, Float.POSITIVE_INFINITY, 0, 12, 0, 112, 0, 22, 0, 122, -7 },
				dst, 0f);
		// max(-0, 0) is +0, as DL4J's ReLU gives
		assertEquals(0, Float.floatToRawIntBits(dst[4]));
	}

	@Test
	public void reluAppliesToItsRangeOnly() {
		float[] v = { -1, -2, -3, 4, -5 };
		Relu.apply(v, 1, 3);
		assertArrayEquals(new float[] { -1, 0, 0, 4, -5 }, v, 0f);
	}
}
