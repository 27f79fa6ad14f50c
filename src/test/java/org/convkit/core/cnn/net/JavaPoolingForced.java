package org.convkit.core.cnn.net;

import org.junit.rules.ExternalResource;

/**
 * A class rule that forces Java max pooling ({@link MaxPoolingLayer#PROPERTY} {@code true}) for a test class, so that
 * every processor tests it, and restores the property afterwards.
 */
final class JavaPoolingForced extends ExternalResource {
	private String before;

	@Override
	protected void before() {
		before = System.setProperty(MaxPoolingLayer.PROPERTY, "true");
	}

	@Override
	protected void after() {
		if (before == null) System.clearProperty(MaxPoolingLayer.PROPERTY);
		else System.setProperty(MaxPoolingLayer.PROPERTY, before);
	}
}
