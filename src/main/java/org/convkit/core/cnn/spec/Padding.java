package org.convkit.core.cnn.spec;

/**
 * How a conv or pooling window treats the image border. VALID keeps only whole windows (output
 * {@code floor((in - k) / stride) + 1}, DL4J's Truncate mode); SAME pads so that the output is
 * {@code ceil(in / stride)} (DL4J's Same mode).
 */
public enum Padding {
	VALID, SAME
}
