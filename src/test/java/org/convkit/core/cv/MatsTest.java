package org.convkit.core.cv;

import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.Test;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

public class MatsTest {
	@Test
	public void floatsRoundTripThroughOpenCv() {
		float[] in = {1, 2, 3, 4, 5, 6};
		try (Mat m = Mats.fromFloats(in, 3, 2)) {
			assertEquals(2, m.rows());
			assertEquals(3, m.cols());
			assertArrayEquals(in, Mats.toFloats(m, null), 0f);
		}
	}

	@Test
	public void bytesRoundTripThroughOpenCv() {
		byte[] in = {0, 1, (byte) 255, 7};
		try (Mat m = Mats.fromBytes(in, 2, 2)) {
			assertArrayEquals(in, Mats.toBytes(m, null));
		}
	}

	@Test(expected = IllegalArgumentException.class)
	public void rejectsMismatchedSize() {
		Mats.fromFloats(new float[5], 3, 2);
	}
}
