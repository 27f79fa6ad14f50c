package org.convkit.core.cnn.net;

import org.junit.rules.ExternalResource;

/** A rule that sets a system property for a test class (or test) and restores what it was afterwards. */
class SystemPropertyRule extends ExternalResource {
	private final String name, value;
	private String before;

	SystemPropertyRule(String name, String value) {
		this.name = name;
		this.value = value;
	}

	@Override
	protected void before() {
		before = System.setProperty(name, value);
	}

	@Override
	protected void after() {
		if (before == null) System.clearProperty(name);
		else System.setProperty(name, before);
	}
}
