package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;

/**
 * The fused block's max pooling lever ({@code ./convkit --bench ROUNDS block-pooling}): training images/s of ConvKit's
 * Trainer with the block's max pooling on oneDNN's kernels ({@code -Dconvkit.blockPooling=oneDNN}) and in Java
 * ({@code java}), as {@link TrainingContenders} compares. By default the block takes Java's on Intel processors where
 * oneDNN's pooling kernel is not AVX-512's (narrow a machine with AVX-512 as docs/benchmarks.md says); this lever
 * forces either on any processor. Threads as the Trainer chooses them (set {@code OMP_NUM_THREADS} to fix them).
 */
final class BlockPoolingLever {
	private BlockPoolingLever() {
	}

	static void run(int rounds) throws ModelFileException {
		TrainingContenders.table(rounds, "The block's max pooling", "convkit.blockPooling", "oneDNN", "oneDNN's",
				"java", "Java");
	}
}
