package org.convkit.app;

import ij.plugin.PlugIn;

/** A plugin that crashes, so HeadlessRunnerTest can check that a swallowed plugin exception fails the run. */
public class ThrowingTestPlugin implements PlugIn {
	public static final String MESSAGE = "boom from ThrowingTestPlugin";

	@Override
	public void run(String arg) {
		throw new IllegalStateException(MESSAGE);
	}
}
