package org.convkit.core.cnn.net;

import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

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

	@Test
	public void arrayHoldsTheValuesInCOrder() {
		float[] v = new float[24];
		for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 3;
		INDArray a = NdArrays.array(v, 2, 3, 4);
		assertArrayEquals(new long[] { 2, 3, 4 }, a.shape());
		assertEquals('c', a.ordering());
		assertEquals(DataType.FLOAT, a.dataType());
		assertEquals(Nd4j.create(v, new long[] { 2, 3, 4 }, 'c'), a);
		assertEquals(v[1 * 12 + 2 * 4 + 3], a.getFloat(1, 2, 3), 0f);
	}

	/** A copy kept beyond a workspace's scope is made outside it; an array already contiguous is taken as it is. */
	@Test
	public void detachedCopiesLiveOutsideWorkspaces() {
		WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
		try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "NdArraysTest")) {
			INDArray a = Nd4j.rand(DataType.FLOAT, 4, 6);
			assertTrue(a.isAttached());
			INDArray columns = a.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4)); // not contiguous
			INDArray kept = NdArrays.contiguousDetached(columns), local = NdArrays.contiguous(columns);
			assertFalse("the kept copy is outside the workspace", kept.isAttached());
			assertTrue("the per-call copy stays in it", local.isAttached());
			assertEquals(columns, kept);
			assertSame(a, NdArrays.contiguousDetached(a));
		}
	}

	@Test(expected = IllegalArgumentException.class)
	public void arrayRejectsAShapeOfAnotherSize() {
		NdArrays.array(new float[5], 2, 3);
	}
}
