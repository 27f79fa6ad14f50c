package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;

import java.util.Locale;

/**
 * The fused block's layout lever ({@code ./convkit --bench ROUNDS layouts}): training images/s of ConvKit's Trainer
 * with the block's activations laid out as oneDNN chooses ({@code -Dconvkit.fusedLayout=oneDNN}: blocks of 16 or 8
 * channels, padded) and channels last ({@code =channelsLast}), on the CNN cases' networks and synthetic images (the
 * default takes channels last where oneDNN's layout pads channels: LeNet's, not Small VGG's; FusedConvStackTest
 * checks it), as {@link TrainingContenders} compares. Threads as the Trainer chooses them (set
 * {@code OMP_NUM_THREADS} to fix them).
 */
final class LayoutLever {
	private LayoutLever() {
	}

	static void run(int rounds) throws ModelFileException {
		System.out.printf(Locale.ROOT, "%nLayout lever: ConvKit's training through the fused block, images/s, oneDNN's "
				+ "layout vs channels last, one epoch per round, medians of %d interleaved rounds after 1 warm-up; %s%n",
				rounds, CnnBenchmark.machine());
		System.out.println("| network | images | oneDNN's layout | channels last | channels last / oneDNN's |");
		System.out.println("|---|---:|---:|---:|---:|");
		for (CnnCase c : CnnCase.ALL) {
			double[] v = TrainingContenders.speeds(c, rounds, "convkit.fusedLayout", "oneDNN", "channelsLast");
			System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2f |%n", c.title(), TrainingContenders.images(c),
					v[0], v[1], v[1] / v[0]);
		}
	}
}
