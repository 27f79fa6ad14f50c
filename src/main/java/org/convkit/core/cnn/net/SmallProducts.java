package org.convkit.core.cnn.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;

import static org.bytedeco.dnnl.global.dnnl.dnnl_sgemm;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

/**
 * The products of classification's small calls (one image's dense layers, {@link SmallBatchForward}'s layers) as
 * oneDNN's {@code dnnl_sgemm}. {@code Nd4j.gemm} costs 15–30 µs a call beyond the product: for LeNet's layers on one
 * to four images oneDNN's sgemm took 0.05–0.9 of its time (the hotspots lever). OpenBLAS's {@code sgemm} called
 * directly was no faster than {@code Nd4j.gemm} there, and its {@code sgemv}, faster for one row on one thread, made
 * one image of Small VGG 64×64 1.6–4× slower on two threads (its own threads against OpenMP's; docs/benchmarks.md).
 * {@value #PROPERTY}{@code =nd4j} (any case) sends them all to {@code Nd4j.gemm}, as until 2026-12-05 (for the
 * small-products lever).
 */
final class SmallProducts {
	static final String PROPERTY = "convkit.smallProducts";

	private SmallProducts() {
	}

	/** Whether ConvKit computes these products itself: unless the switch says {@code nd4j} (read per call). */
	static boolean wanted() {
		return !"nd4j".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim());
	}

	/**
	 * {@code c = a · b}, all three row-major contiguous float arrays from their starts ({@code a} {@code m × k},
	 * {@code b} {@code k × n}, {@code c} {@code m × n}): oneDNN's sgemm where its library loads, else (and when not
	 * {@link #wanted}) {@code Nd4j.gemm}.
	 */
	static void multiply(INDArray a, INDArray b, INDArray c, int m, int n, int k) {
		if (!wanted() || !oneDnn(a, b, false, c, m, n, k)) Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
	}

	/**
	 * oneDNN's {@code dnnl_sgemm} on row-major operands, {@code b} stored {@code n × k} when {@code transB}; false
	 * where oneDNN's library does not load here.
	 */
	static boolean oneDnn(INDArray a, INDArray b, boolean transB, INDArray c, int m, int n, int k) {
		if (Dnnl.get() == null) return false;
		OpenBlasProduct.check(a, 0, m, k, k);
		OpenBlasProduct.check(b, 0, transB ? n : k, transB ? k : n, transB ? k : n);
		OpenBlasProduct.check(c, 0, m, n, n);
		int status = dnnl_sgemm((byte) 'N', (byte) (transB ? 'T' : 'N'), m, n, k, 1f, OpenBlasProduct.at(a, 0), k,
				OpenBlasProduct.at(b, 0), transB ? k : n, 0f, OpenBlasProduct.at(c, 0), n);
		Reference.reachabilityFence(a);
		Reference.reachabilityFence(b);
		Reference.reachabilityFence(c);
		if (status != dnnl_success) throw new IllegalStateException("oneDNN's sgemm failed (status " + status + ")");
		return true;
	}
}
