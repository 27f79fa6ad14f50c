package org.convkit.core.cnn.net;

import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertSame;

/** The bulk copies equal ND4J's element-wise ones for plain arrays, views, transposes and other types. */
public class NdArraysTest {
	@Test
	public void rowsEqualToFloatMatrix() {
		Nd4j.getRandom().setSeed(5);
		INDArray m = Nd4j.rand(DataType.FLOAT, 7, 5);
		INDArray[] cases = { m, m.transpose(), m.get(NDArrayIndex.interval(2, 6), NDArrayIndex.interval(1, 4)),
				m.castTo(DataType.DOUBLE), m.dup('f') };
		for (INDArray a : cases) {
			float[][] expected = a.toFloatMatrix(), actual = NdArrays.rows(a);
			assertArrayEquals(expected, actual);
		}
	}

	@Test
	public void floatsReuseABufferOfTheRightLength() {
		INDArray a = Nd4j.rand(DataType.FLOAT, 2, 3, 4);
		float[] buffer = new float[24];
		assertSame(buffer, NdArrays.floats(a, buffer));
		assertArrayEquals(a.dup('c').data().asFloat(), buffer, 0f);
		float[] other = NdArrays.floats(a.permute(2, 0, 1), buffer);
		assertArrayEquals(a.permute(2, 0, 1).dup('c').data().asFloat(), other, 0f);
		assertArrayEquals(a.dup('c').data().asFloat(), NdArrays.floats(a, new float[3]), 0f);
	}
}
