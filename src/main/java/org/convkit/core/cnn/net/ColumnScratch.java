package org.convkit.core.cnn.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The chunk buffers of one network's {@link ColumnConvolutionLayer}s, shared by its layers: they run one after the
 * other on the network's training thread and need these only within one call, so the network holds one set the size
 * of its largest layer's chunk instead of one per layer (several times that chunk's columns per layer). Each kind of
 * buffer is a Java array and a native array that only grow; {@link #matrix} gives a C-order matrix over the start of
 * the native one, so no step allocates native memory once the largest chunk has been seen. The layout changes between
 * NCHW and the products' matrices live here too, each in its buffer.
 */
final class ColumnScratch {
	enum Use {
		IMAGES, COLUMNS, PRODUCT, ERROR, POSITION_MAJOR, CHANNEL_MAJOR, FOLD, ERROR_COLUMNS, INPUT_PRODUCT,
		INPUT_GRADIENT
	}

	/** Positions per block of {@link #positionMajor}'s transpose. */
	private static final int TRANSPOSE_BLOCK = 64;

	private final float[][] arrays = new float[Use.values().length][];
	private final INDArray[] natives = new INDArray[Use.values().length];
	/** The layer whose columns the {@link Use#COLUMNS} matrix holds (a forward pass in one chunk), or null. */
	Object columnsOwner;

	/** The Java buffer for {@code use}, at least {@code length} long. */
	float[] floats(Use use, int length) {
		return arrays[use.ordinal()] = sized(arrays[use.ordinal()], length);
	}

	/** {@code reuse} when it holds at least {@code length} values, else a new array. */
	static float[] sized(float[] reuse, int length) {
		return reuse != null && reuse.length >= length ? reuse : new float[length];
	}

	/** A {@code rows × cols} C-order matrix over the start of the native buffer for {@code use}. */
	INDArray matrix(Use use, long rows, long cols) {
		return matrix(use, rows, cols, 0);
	}

	/**
	 * A {@code rows × cols} C-order matrix over the native buffer for {@code use} from float {@code at} on. A buffer
	 * too short for it is replaced by a new one (what the old one held is lost).
	 */
	INDArray matrix(Use use, long rows, long cols, long at) {
		INDArray b = natives[use.ordinal()];
		if (b == null || b.length() < at + rows * cols)
			b = natives[use.ordinal()] = NdArrays.detached(null, at + rows * cols);
		if (use == Use.COLUMNS) columnsOwner = null;
		return Nd4j.create(b.data(), new long[] { rows, cols }, new long[] { cols, 1 }, at, 'c');
	}

	/**
	 * {@code count} images {@code [count][channels][positions]} (NCHW) as a {@code [count·positions][channels]} matrix,
	 * in the {@link Use#POSITION_MAJOR} buffers.
	 */
	INDArray positionMajor(float[] nchw, int count, int channels, int positions) {
		int size = count * positions * channels, blocks = (positions + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK;
		float[] t = floats(Use.POSITION_MAJOR, size);
		// a block of positions at a time, so that the strided writes stay in the first-level cache
		for (int b = 0; b < count * blocks; b++) {
			int i = b / blocks, p0 = b % blocks * TRANSPOSE_BLOCK, p1 = Math.min(positions, p0 + TRANSPOSE_BLOCK);
			for (int c = 0; c < channels; c++) {
				int src = (i * channels + c) * positions, dst = i * positions * channels + c;
				for (int p = p0; p < p1; p++) t[dst + p * channels] = nchw[src + p];
			}
		}
		return written(Use.POSITION_MAJOR, t, (long) count * positions, channels);
	}

	/** {@code values} as a {@code rows × cols} matrix in the native buffer for {@code use}. */
	INDArray written(Use use, float[] values, long rows, long cols) {
		INDArray m = matrix(use, rows, cols);
		NdArrays.write(m, 0, values, Math.toIntExact(rows * cols));
		return m;
	}

	/**
	 * {@code count} images {@code [count][channels][positions]} (NCHW) as a {@code [channels][count·positions]} matrix,
	 * in the {@link Use#CHANNEL_MAJOR} buffers.
	 */
	INDArray channelMajor(float[] nchw, int count, int channels, int positions) {
		int size = count * positions * channels;
		float[] t = floats(Use.CHANNEL_MAJOR, size);
		for (int i = 0; i < count; i++)
			for (int c = 0; c < channels; c++)
				System.arraycopy(nchw, (i * channels + c) * positions, t, (c * count + i) * positions, positions);
		INDArray m = matrix(Use.CHANNEL_MAJOR, channels, (long) count * positions);
		NdArrays.write(m, 0, t, size);
		return m;
	}

	/**
	 * The reverse of {@link #channelMajor}: {@code [channels][count][positions]} into NCHW at {@code dst[at]}; with
	 * {@code relu}, {@code max(v, 0)} applied to each run as it lands, still in the cache (one pass over memory, and a
	 * loop Java 17 vectorizes: see {@link Relu#apply}).
	 */
	static void nchw(float[] channelMajor, int count, int channels, int positions, float[] dst, int at, boolean relu) {
		for (int i = 0; i < count; i++)
			for (int c = 0; c < channels; c++) {
				int to = at + (i * channels + c) * positions;
				System.arraycopy(channelMajor, (c * count + i) * positions, dst, to, positions);
				if (relu) Relu.apply(dst, to, to + positions);
			}
	}

	/** Frees the buffers (they come back at the next use). */
	void release() {
		Arrays.fill(arrays, null);
		Arrays.fill(natives, null);
		columnsOwner = null;
	}
}
