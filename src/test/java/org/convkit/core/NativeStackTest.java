package org.convkit.core;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.convkit.core.cv.Mats;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** OpenCV and ND4J share one JavaCPP: both native stacks must load and compute in the same JVM. */
public class NativeStackTest {
	@Test
	public void javacppIsTheVersionNd4jWasBuiltOn() throws Exception {
		assertEquals("1.5.7", Loader.getVersion());
	}

	@Test
	public void openCvAndNd4jComputeInOneJvm() {
		try (Mat a = Mats.fromFloats(new float[] {1, 2, 3, 4}, 2, 2); Mat t = new Mat()) {
			opencv_core.transpose(a, t);
			assertArrayEquals(new float[] {1, 3, 2, 4}, Mats.toFloats(t, null), 0f);
		}
		INDArray m = Nd4j.create(new float[] {1, 2, 3, 4}, new long[] {2, 2});
		INDArray p = m.mmul(m);
		assertArrayEquals(new float[] {7, 10, 15, 22}, p.data().asFloat(), 0f);
		assertTrue("ND4J must run on the CPU backend",
				Nd4j.getBackend().getClass().getName().contains("CpuBackend"));
	}
}
