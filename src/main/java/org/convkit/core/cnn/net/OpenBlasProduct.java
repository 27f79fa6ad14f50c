package org.convkit.core.cnn.net;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;

/**
 * A matrix product straight through OpenBLAS's {@code cblas_sgemm} on parts of ND4J arrays: row-major matrices that
 * start at any offset of an array and have any leading dimension. ND4J's {@code Nd4j.gemm} takes whole arrays, or
 * copies a view whose rows are not contiguous; {@link WidthUnfoldedConvolution} multiplies overlapping windows of one
 * array, which only a leading dimension larger than the row can express. The same OpenBLAS library as ND4J's (the
 * JavaCPP preset that ND4J's native library loads), so its kernels and thread count are ND4J's.
 */
final class OpenBlasProduct {
	private OpenBlasProduct() {
	}

	/**
	 * {@code c = alpha · op(a) · op(b) + beta · c} with {@code op(a)} {@code m × k}, {@code op(b)} {@code k × n}, each
	 * matrix row-major from its offset (in floats) with its leading dimension; {@code a}, {@code b}, {@code c} contiguous
	 * float arrays outside workspaces ({@link NdArrays#detached}). Offsets and dimensions are checked against the arrays'
	 * lengths, so no call reads or writes outside them.
	 */
	static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha, INDArray a, long aOffset,
			int lda, INDArray b, long bOffset, int ldb, float beta, INDArray c, long cOffset, int ldc) {
		check(a, aOffset, transA ? k : m, transA ? m : k, lda);
		check(b, bOffset, transB ? n : k, transB ? k : n, ldb);
		check(c, cOffset, m, n, ldc);
		openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
				transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
				transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, alpha, at(a, aOffset), lda,
				at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
		// the pointers do not hold the arrays: ND4J's deallocator could free one during the call without this
		Reference.reachabilityFence(a);
		Reference.reachabilityFence(b);
		Reference.reachabilityFence(c);
	}

	/** {@code a}'s element {@code offset}: ND4J's {@code addressPointer()} of a view already starts at the view. */
	static FloatPointer at(INDArray a, long offset) {
		return new FloatPointer(a.data().addressPointer()).position(offset);
	}

	/** A {@code rows × cols} row-major matrix with leading dimension {@code ld} from {@code offset} lies inside {@code a}. */
	static void check(INDArray a, long offset, int rows, int cols, int ld) {
		if (a.dataType() != DataType.FLOAT || a.elementWiseStride() != 1)
			throw new IllegalArgumentException("a contiguous float array is needed");
		if (rows < 1 || cols < 1 || ld < cols || offset < 0 || offset + (long) (rows - 1) * ld + cols > a.length())
			throw new IllegalArgumentException("a " + rows + " × " + cols + " matrix (leading dimension " + ld
					+ ") from " + offset + " does not fit an array of " + a.length());
	}
}
