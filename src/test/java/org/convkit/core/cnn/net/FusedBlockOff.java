package org.convkit.core.cnn.net;

/**
 * A class rule that keeps the fused convolution block out ({@link FusedLayers#PROPERTY} {@code false}) for a test class
 * of the per-layer replacements it would otherwise stand in for during training (they still train networks the block
 * does not take, and every network with the block switched off), and restores the property afterwards.
 */
final class FusedBlockOff extends SystemPropertyRule {
	FusedBlockOff() {
		super(FusedLayers.PROPERTY, "false");
	}
}
