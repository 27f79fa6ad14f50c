package org.convkit.core.cnn.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The chunk buffers of one network's {@link ColumnConvolutionLayer}s, shared by its layers: they run one after the
 * other on the network's training thread and need these only within one call, so the network holds one set the size
 * of its largest layer's chunk instead of one per layer (several times that chunk's columns per layer). Each kind of
 * buffer is a Java array and a native array that only grow; {@link #matrix} gives a C-order matrix over the start of
 * the native one, so no step allocates native memory once the largest chunk has been seen.
 */
final class ColumnScratch {
	enum Use {
		IMAGES, COLUMNS, PRODUCT, ACTIVATION, ERROR, POSITION_MAJOR, CHANNEL_MAJOR, FOLD, ERROR_COLUMNS, INPUT_PRODUCT,
		INPUT_GRADIENT
	}

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
		INDArray b = natives[use.ordinal()];
		if (b == null || b.length() < rows * cols) b = natives[use.ordinal()] = NdArrays.detached(null, rows * cols);
		if (use == Use.COLUMNS) columnsOwner = null;
		return Nd4j.create(b.data(), new long[] { rows, cols }, new long[] { cols, 1 }, 0, 'c');
	}

	/** Frees the buffers (they come back at the next use). */
	void release() {
		Arrays.fill(arrays, null);
		Arrays.fill(natives, null);
		columnsOwner = null;
	}
}
