package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.FreshPageCost;
import org.convkit.core.cnn.spec.Activation;
import org.convkit.core.cnn.spec.LayerShape;
import org.convkit.core.cnn.spec.LayerSpec;
import org.convkit.core.cnn.spec.NetworkSpec;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether an inner convolution ({@link ColumnConvolutionLayer} after the first layer) trains as column products or on
 * oneDNN, where the fused block does not take it ({@link FusedLayers}: the block trains its layers on oneDNN in buffers
 * it keeps from step to step, so what a fresh page costs does not decide there). oneDNN's kernels are the faster ones
 * when the process keeps the memory its calls allocate (Small VGG 96×96 RGB: a training step 0.69 s on oneDNN against
 * 1.34 s as products, with {@code CONVKIT_MALLOC=keep}); with glibc's defaults every block above its mmap threshold
 * (at most 32 MB) is mapped afresh and faulted in at each call. What a fault costs decides it ({@link FreshPageCost}).
 * On the virtual machines measured here, 11–12 µs a page, that step (with oneDNN's log on) took 3.2 s on oneDNN, with
 * 213,000 faults, and 1.08 s as products, whose buffers live from step to step (4,000 faults); without the faults'
 * cost about 0.78 s and 1.03 s, so oneDNN is the faster path wherever a page costs less than about 1.2 µs on one
 * thread (2.4 µs narrowed to AVX2: 1.35 against 1.83 s), and more with more threads (its kernels use them all, the
 * products' Java loops one) — bare metal, where a minor fault typically costs about 1 µs, but not measured on one.
 * Small layers (LeNet's second convolution: 8 MB of columns per batch of 64) stay below the mmap threshold and are as
 * fast or faster on oneDNN. Hence: products when a batch's columns exceed 32 MB, the memory is not kept, and a fresh
 * page costs at least {@value #EXPENSIVE_PAGE_MICROS} µs (or its cost is unknown). Measured on an AMD EPYC with
 * AVX-512, 1 thread (docs/benchmarks.md). {@code -Dconvkit.innerColumns=true|false} forces the choice, for
 * benchmarks.
 */
public final class ColumnRule {
	static final String PROPERTY = "convkit.innerColumns";
	/** glibc's largest dynamic mmap threshold on 64-bit systems: larger blocks are always mapped afresh. */
	static final long LARGE_BYTES = 32L << 20;
	/**
	 * Microseconds per fresh page from which oneDNN's per-call memory costs more than the products' longer arithmetic:
	 * a round figure between the break-evens (about 1.2 µs with AVX-512 and 2.4 µs narrowed to AVX2 on one thread,
	 * higher with more threads; see above), far below the 11–12 µs of the virtual machines measured here.
	 */
	static final double EXPENSIVE_PAGE_MICROS = 2;

	private ColumnRule() {
	}

	/** Whether an inner layer's call, whose batch unfolds into {@code columnFloats} floats, takes the products. */
	static boolean inner(long columnFloats) {
		String v = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
		if (v.equals("true")) return true;
		if (v.equals("false")) return false;
		// the probe last: it runs once per JVM, and only when the answer depends on it
		return columnFloats * Float.BYTES > LARGE_BYTES && !memoryKept(System.getenv())
				&& expensive(FreshPageCost.micros());
	}

	/** Whether fresh pages costing {@code micros} each (NaN: unknown) make the products the faster path. */
	static boolean expensive(double micros) {
		return Double.isNaN(micros) || micros >= EXPENSIVE_PAGE_MICROS;
	}

	/**
	 * Whether training {@code spec} on batches of {@code batch} images takes the products for at least one inner
	 * convolution (a ReLU or identity one after the first layer, as {@link ConvKitLayers} installs them, and not in
	 * the fused block, which trains its layers on oneDNN with buffers it keeps: {@link FusedLayers}); false with
	 * ConvKit's layer replacements switched off ({@link FastTraining#enabled()}). For choosing the thread count.
	 */
	public static boolean anyInner(NetworkSpec spec, int height, int width, int channels, int classes, int batch) {
		if (!FastTraining.enabled()) return false;
		List<LayerShape> shapes = spec.shapes(height, width, channels, classes);
		int fused = FusedLayers.coverage(
				NetworkBuilder.configuration(spec, height, width, channels, classes, TrainingSettings.DEFAULTS));
		int in = channels;
		for (int i = 0; i < shapes.size(); i++) {
			LayerShape s = shapes.get(i);
			LayerSpec l = s.layer;
			if (i >= fused && i > 0 && l != null && l.kind() == LayerSpec.Kind.CONV
					&& (l.activation() == Activation.RELU || l.activation() == Activation.IDENTITY)
					&& inner(((long) l.kernelHeight() * l.kernelWidth() * in + 1) * s.height * s.width * batch))
				return true;
			in = s.channels;
		}
		return false;
	}

	/**
	 * Whether glibc keeps large blocks in this process: both its mmap and its trim threshold set to at least 1 GB in the
	 * environment it started with (what {@code CONVKIT_MALLOC=keep} makes the launcher export).
	 */
	static boolean memoryKept(Map<String, String> env) {
		return atLeast(env.get("MALLOC_MMAP_THRESHOLD_"), 1L << 30) && atLeast(env.get("MALLOC_TRIM_THRESHOLD_"), 1L << 30);
	}

	private static boolean atLeast(String value, long bound) {
		if (value == null) return false;
		try {
			return Long.parseLong(value.trim()) >= bound;
		} catch (NumberFormatException e) {
			return false;
		}
	}
}
