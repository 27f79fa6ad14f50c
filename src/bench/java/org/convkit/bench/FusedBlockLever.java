package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.FastTraining;

/**
 * The fused convolution block's lever ({@code ./convkit --bench ROUNDS fused}): training images/s of ConvKit's
 * Trainer with the block ({@code -Dconvkit.fusedConvolutions}, default) and without it (the layers one by one, as
 * before it), on the CNN cases' networks and synthetic images, one epoch per contender and round, interleaved in one
 * JVM (each goes first in turn), each continuing the same model; medians after one warm-up round. Threads as the
 * Trainer chooses them (set {@code OMP_NUM_THREADS} to fix them). Narrowed to AVX2 (src/bench/run-all.sh's
 * variables) it shows the block on the other processor kind.
 */
final class FusedBlockLever {
	private FusedBlockLever() {
	}

	static void run(int rounds) throws ModelFileException {
		TrainingContenders.table(rounds, "Fused convolution block", FastTraining.FUSED_PROPERTY, "false",
				"layer by layer", "true", "fused block");
	}
}
