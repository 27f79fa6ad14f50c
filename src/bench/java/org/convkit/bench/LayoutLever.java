package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;

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
		TrainingContenders.table(rounds, "Layout", "convkit.fusedLayout", "oneDNN", "oneDNN's layout", "channelsLast",
				"channels last");
	}
}
