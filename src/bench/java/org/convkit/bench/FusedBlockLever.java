package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.FastTraining;

import java.util.Locale;

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
		System.out.printf(Locale.ROOT, "%nFused convolution block lever: ConvKit's training, images/s, layer by layer "
				+ "vs the fused block, one epoch per round, medians of %d interleaved rounds after 1 warm-up; %s%n",
				rounds, CnnBenchmark.machine());
		System.out.println("| network | images | layer by layer | fused block | fused / layer by layer |");
		System.out.println("|---|---:|---:|---:|---:|");
		for (CnnCase c : CnnCase.ALL) {
			double[] v = TrainingContenders.speeds(c, rounds, FastTraining.FUSED_PROPERTY, "false", "true");
			System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2f |%n", c.title(), TrainingContenders.images(c),
					v[0], v[1], v[1] / v[0]);
		}
	}
}
