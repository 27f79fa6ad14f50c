package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;

/**
 * The first layer's weight gradient lever ({@code ./convkit --bench ROUNDS first-layer}): training images/s of
 * ConvKit's Trainer with a one-channel first layer's weight gradient on oneDNN's im2col kernel after reordering the
 * error to NCHW ({@code -Dconvkit.firstLayerProduct=false}, as before) and as ConvKit's product on the error in
 * oneDNN's layout (the default), as {@link TrainingContenders} compares. Only where oneDNN has nothing but its
 * reference kernel for that pass in its layout (AVX2 only; narrow a machine with AVX-512 as docs/benchmarks.md says)
 * and only Small VGG 64×64 (one channel, oneDNN's layout) changes; LeNet (channels last) and the RGB case are
 * controls. Threads as the Trainer chooses them (set {@code OMP_NUM_THREADS} to fix them).
 */
final class FirstLayerLever {
	private FirstLayerLever() {
	}

	static void run(int rounds) throws ModelFileException {
		TrainingContenders.table(rounds, "First layer's weight gradient", "convkit.firstLayerProduct", "false",
				"oneDNN's kernel on NCHW error", "true", "ConvKit's product");
	}
}
