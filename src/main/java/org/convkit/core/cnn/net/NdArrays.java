package org.convkit.core.cnn.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Copies between ND4J arrays and Java arrays in one bulk read or write. ND4J's own {@code toFloatMatrix()} reads row by row through
 * native calls: 1.65 ms for a 64 × 10 batch of probabilities here, against 0.05 ms in bulk, which was 7 % of a LeNet
 * training step when called twice per batch (measured, see docs/benchmarks.md).
 */
public final class NdArrays {
	private NdArrays() {
	}

	/** The values in C order as float, in {@code reuse} when it has the right length (else a new array). */
	public static float[] floats(INDArray a, float[] reuse) {
		// only an array laid out exactly in C order from its buffer's start can be read as is (a permuted array
		// shares its buffer and may still say 'c')
		INDArray c = contiguous(a);
		long length = c.length();
		if (length > Integer.MAX_VALUE) throw new IllegalArgumentException("array too large: " + length);
		float[] out = reuse != null && reuse.length == length ? reuse : new float[(int) length];
		read(c, 0, out, (int) length);
		return out;
	}

	/** {@code a} when it is a float array laid out in C order from its buffer's start, else such a copy. */
	static INDArray contiguous(INDArray a) {
		if (inOrder(a)) return a;
		INDArray c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
		return inOrder(c) ? c : c.dup('c');
	}

	private static boolean inOrder(INDArray a) {
		return a.dataType() == DataType.FLOAT && !a.isView() && a.offset() == 0
				&& Arrays.equals(a.stride(), Nd4j.getStrides(a.shape(), 'c'));
	}

	/**
	 * As {@link #contiguous}, with any copy made outside DL4J's workspaces: for an array kept beyond the workspace
	 * scope it is made in (a fused block's input, read again by its backward pass).
	 */
	static INDArray contiguousDetached(INDArray a) {
		if (inOrder(a)) return a; // the usual case, once per training step: no workspace scope to open
		try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
			return contiguous(a);
		}
	}

	/**
	 * Whether two arrays are the same elements of the same memory in the same order (possibly different views of it):
	 * one data type and length, both contiguous (element-wise stride 1), starting at the same address.
	 */
	static boolean sameMemory(INDArray a, INDArray b) {
		if (a == b) return true;
		if (a == null || b == null || a.dataType() != b.dataType() || a.length() != b.length()
				|| a.elementWiseStride() != 1 || b.elementWiseStride() != 1)
			return false;
		long size = a.data().getElementSize();
		return a.data().address() + a.offset() * size == b.data().address() + b.offset() * size;
	}

	/**
	 * Reads {@code length} values from C-order index {@code from} into {@code dst}, of an array laid out in C order from
	 * its buffer's start ({@link #contiguous}'s, or a {@link ColumnScratch} matrix).
	 */
	static void read(INDArray contiguous, long from, float[] dst, int length) {
		FloatBuffer fb = contiguous.data().asNioFloat();
		fb.position(Math.toIntExact(from));
		fb.get(dst, 0, length);
		// the NIO view does not hold the array: without this, a copy (dup, cast) could be collected and its native
		// memory freed by ND4J's deallocator while it is still being read
		Reference.reachabilityFence(contiguous);
	}

	/** Writes {@code length} values of {@code src} from C-order index {@code at}, into an array as {@link #read} takes. */
	public static void write(INDArray contiguous, long at, float[] src, int length) {
		write(contiguous, at, src, 0, length);
	}

	/** {@link #write} from {@code src[from]} on. */
	static void write(INDArray contiguous, long at, float[] src, int from, int length) {
		FloatBuffer fb = contiguous.data().asNioFloat();
		fb.position(Math.toIntExact(at));
		fb.put(src, from, length);
		Reference.reachabilityFence(contiguous);
	}

	/**
	 * A new C-order float array holding {@code values}, outside any workspace. A bulk write: ND4J's
	 * {@code Nd4j.create(float[], shape, 'c')} took about 10 ns per value here, ten times as long (measured for a
	 * 64 × 26 × 576 array: 9.7 ms against 1.0 ms).
	 */
	public static INDArray array(float[] values, long... shape) {
		long n = 1;
		for (long d : shape) n *= d;
		if (n != values.length)
			throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
		INDArray a;
		try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
			a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
		}
		a.data().asNioFloat().put(values, 0, values.length);
		return a;
	}

	/**
	 * {@code reuse} when it is a float array of exactly this shape, else a new C-order one outside any workspace: the
	 * layers' buffers that live from one training step to the next (a workspace array would be reclaimed).
	 */
	public static INDArray detached(INDArray reuse, long... shape) {
		if (reuse != null && reuse.dataType() == DataType.FLOAT && Arrays.equals(reuse.shape(), shape)) return reuse;
		try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
			return Nd4j.create(DataType.FLOAT, shape, 'c');
		}
	}

	/** A matrix's rows (rank 2; a batch × classes array). */
	public static float[][] rows(INDArray m) {
		if (m.rank() != 2) throw new IllegalArgumentException("expected a matrix, got rank " + m.rank());
		int r = (int) m.size(0), cols = (int) m.size(1);
		float[] flat = floats(m, null);
		float[][] out = new float[r][];
		for (int i = 0; i < r; i++) {
			out[i] = new float[cols];
			System.arraycopy(flat, i * cols, out[i], 0, cols);
		}
		return out;
	}
}
