package org.convkit.core.cnn.net;

/**
 * A class rule that forces Java max pooling ({@link MaxPoolingLayer#PROPERTY} {@code true}) for a test class, so that
 * every processor tests it, and restores the property afterwards.
 */
final class JavaPoolingForced extends SystemPropertyRule {
	JavaPoolingForced() {
		super(MaxPoolingLayer.PROPERTY, "true");
	}
}
