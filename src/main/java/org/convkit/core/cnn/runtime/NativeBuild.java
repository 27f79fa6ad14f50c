package org.convkit.core.cnn.runtime;

import org.convkit.core.cnn.runtime.CpuFeatures.Level;

/**
 * ND4J 1.0.0-M2.1's native builds for x86-64 (Maven classifiers {@code <platform><extension>}, e.g.
 * {@code linux-x86_64-onednn-avx2}), in ConvKit's order of preference: fastest first as measured with
 * {@code ./convkit --bench 3 natives} (docs/benchmarks.md). The oneDNN builds come first because only they have the
 * convolution and pooling kernels DL4J's layer helpers call (about 2x faster training than the builds without).
 */
public enum NativeBuild {
	ONEDNN_AVX512("-onednn-avx512", Level.AVX512, true),
	ONEDNN_AVX2("-onednn-avx2", Level.AVX2, true),
	ONEDNN("-onednn", Level.GENERIC, true),
	AVX512("-avx512", Level.AVX512, false),
	AVX2("-avx2", Level.AVX2, false),
	PLAIN("", Level.GENERIC, false);

	/** JavaCPP's platform extension: the suffix of the classifier and of the library folder inside the jar. */
	public final String extension;
	/** The instructions the build was compiled for; ND4J exits when the processor lacks them. */
	public final Level needs;
	/** Built with oneDNN (libnd4j's build info then names HAVE_ONEDNN). */
	public final boolean oneDnn;

	NativeBuild(String extension, Level needs, boolean oneDnn) {
		this.extension = extension;
		this.needs = needs;
		this.oneDnn = oneDnn;
	}

	/** Whether a processor of this level runs the build. */
	public boolean runsOn(Level cpu) {
		return needs.compareTo(cpu) <= 0;
	}

	/** The Maven classifier on a platform, e.g. "linux-x86_64-onednn-avx2". */
	public String classifier(String platform) {
		return platform + extension;
	}

	/** The build with this extension, or null. */
	public static NativeBuild ofExtension(String extension) {
		for (NativeBuild b : values())
			if (b.extension.equals(extension)) return b;
		return null;
	}
}
