package org.convkit.plugins.support;

import java.util.ArrayList;
import java.util.List;

/**
 * Every failure a ConvKit command reports, in order. ImageJ swallows plugin exceptions and macro errors do not
 * change a process's exit code, so the headless runner and the tests read this list instead.
 */
public final class Failures {
	private static final List<String> failures = new ArrayList<>();

	private Failures() {}

	public static synchronized void record(String command, String message) {
		failures.add(command + ": " + message);
	}

	/** Returns the failures recorded since the last call, and forgets them. */
	public static synchronized List<String> drain() {
		List<String> copy = new ArrayList<>(failures);
		failures.clear();
		return copy;
	}

	public static synchronized boolean isEmpty() {
		return failures.isEmpty();
	}
}
