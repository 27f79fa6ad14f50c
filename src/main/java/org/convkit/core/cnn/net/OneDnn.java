package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.CpuFeatures;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.lang.reflect.Field;
import java.util.Locale;

/**
 * DL4J's own oneDNN layer helpers ({@link MKLDNNConvHelper}, {@link MKLDNNSubsamplingHelper},
 * {@link MKLDNNBatchNormHelper}) for ConvKit's layers,
 * when ND4J can serve them. The helpers only call libnd4j's {@code conv2d}/{@code maxpool2d}/... ops, which run on
 * oneDNN in ND4J's {@code -onednn} native builds: LeNet trains about 2x faster than on DL4J's Java im2col path
 * (docs/benchmarks.md).
 * <p>
 * DL4J 1.0.0-M2.1 never attaches them itself: its switch {@code org.eclipse.deeplearning4j.helpers.disable} defaults
 * to true, and its support check ({@code BaseMKLDNNHelper.mklDnnEnabled()}) looks up a class
 * ({@code org.nd4j.nativeblas.Nd4jCpu$Environment}) that ND4J M2.1 no longer has. ConvKit therefore neither flips
 * that JVM-wide switch nor answers that lookup: its layer subclasses ({@link OneDnnConvolutionLayer},
 * {@link OneDnnSubsamplingLayer}, {@link OneDnnBatchNormalization}) set the helper themselves, after
 * {@link #available()} has made DL4J's check the way M2.1's ND4J needs it. Other DL4J code in the same JVM is
 * unaffected.
 */
final class OneDnn {
	/**
	 * Whether oneDNN runs its AVX-512 kernels here: the processor has AVX-512 ({@link CpuFeatures#level()}, which
	 * follows ConvKit's override) and oneDNN is not capped below it ({@code ONEDNN_MAX_CPU_ISA}/{@code DNNL_MAX_CPU_ISA}).
	 * Without them some of its kernels fall back to slow ones, and ConvKit's Java paths win (MaxPoolingLayer,
	 * SmallBatchForward; docs/benchmarks.md).
	 */
	static boolean usesAvx512() {
		return CpuFeatures.level() == CpuFeatures.Level.AVX512 && !narrowedBelowAvx512(System.getenv("ONEDNN_MAX_CPU_ISA"))
				&& !narrowedBelowAvx512(System.getenv("DNNL_MAX_CPU_ISA"));
	}

	/** Whether oneDNN's ISA cap (e.g. {@code AVX2}, {@code SSE41}) stops below AVX-512; unset or ALL do not. */
	static boolean narrowedBelowAvx512(String cap) {
		if (cap == null || cap.trim().isEmpty()) return false;
		String c = cap.trim().toUpperCase(Locale.ROOT);
		return !(c.equals("ALL") || c.startsWith("AVX512") || c.startsWith("AVX10") || c.startsWith("AMX"));
	}

	/** libnd4j's build info names HAVE_ONEDNN only in the -onednn builds; read once (it cannot change). */
	private static volatile Boolean built;

	private OneDnn() {
	}

	/**
	 * Whether the helpers may be attached: ConvKit's run-time replacements are on ({@link FastTraining#enabled()}),
	 * ND4J runs on the CPU backend with helpers allowed, libnd4j was built with oneDNN and has it switched on. The
	 * last check matters: without oneDNN the helpers would run libnd4j's generic kernels, which were slower than
	 * DL4J's own Java path (309–404 against 480–516 images/s for LeNet).
	 */
	static boolean available() {
		if (!FastTraining.enabled()) return false;
		try {
			if (!Nd4j.getEnvironment().isCPU() || !Nd4j.getEnvironment().helpersAllowed()) return false;
			if (built == null) {
				String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
				built = info != null && info.contains("HAVE_ONEDNN");
			}
			return built && org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
		} catch (RuntimeException | LinkageError e) { // another backend, or its natives failed to load
			return false;
		}
	}

	/** DL4J's oneDNN convolution helper, or null when {@link #available()} says no or the type is not float. */
	static ConvolutionHelper convolutionHelper(DataType type) {
		return type == DataType.FLOAT && available() ? new MKLDNNConvHelper(type) : null;
	}

	/** DL4J's oneDNN pooling helper, or null as {@link #convolutionHelper}. */
	static SubsamplingHelper subsamplingHelper(DataType type) {
		return type == DataType.FLOAT && available() ? new MKLDNNSubsamplingHelper(type) : null;
	}

	/**
	 * Attaches DL4J's oneDNN batch-norm helper to the layer when {@link #available()} (the caller checks the layer's
	 * own condition, as DL4J's {@code checkSupported}: gamma and beta not locked). DL4J keeps this layer's helper field
	 * package-private (the convolution and pooling layers' are protected), so it is set by reflection here, in this one
	 * place, on ConvKit's own layer object; it is worth it: measured on a small conv/batch-norm/pool network at
	 * 32×32, about 1.7x the training and 2x the classification speed of DL4J's Java batch norm
	 * ({@code ./convkit --bench 3 levers}). If a DL4J version renames the field, the layer keeps DL4J's Java path
	 * (the same results, slower) and {@code Dl4jRuntimeTest} fails.
	 */
	static void attachBatchNormHelper(BatchNormalization layer, DataType type) {
		if (type != DataType.FLOAT || !available()) return;
		try {
			Field helper = BatchNormalization.class.getDeclaredField("helper");
			helper.setAccessible(true);
			helper.set(layer, new MKLDNNBatchNormHelper(type));
		} catch (ReflectiveOperationException | RuntimeException e) { // renamed, or a security manager: DL4J's path
		}
	}
}
