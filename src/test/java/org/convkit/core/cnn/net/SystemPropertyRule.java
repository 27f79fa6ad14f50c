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
		restore(name, before);
	}

	/** Sets {@code name} back to {@code was}, or clears it when it had no value. */
	static void restore(String name, String was) {
		if (was == null) System.clearProperty(name);
		else System.setProperty(name, was);
	}
}
