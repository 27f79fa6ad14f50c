package org.convkit.plugins.support;

import ij.measure.ResultsTable;

import java.awt.GraphicsEnvironment;
import java.util.HashMap;
import java.util.Map;

/**
 * Results tables found by title, also without a display. With a display the table is the one in the window of that
 * title (ImageJ's own lookup); headless, ImageJ shows no table windows, so the last table shown under each title is
 * kept here, and a command appending rows (a macro loop) finds it again.
 */
public final class NamedTables {
	private static final Map<String, ResultsTable> headless = new HashMap<>();

	private NamedTables() {}

	/** The open table with this title, or null. */
	public static synchronized ResultsTable get(String title) {
		if (GraphicsEnvironment.isHeadless()) return headless.get(title);
		return ResultsTable.getResultsTable(title);
	}

	/** The open table with this title, or a new empty one. */
	public static ResultsTable getOrCreate(String title) {
		ResultsTable rt = get(title);
		return rt != null ? rt : new ResultsTable();
	}

	/**
	 * Headless: forgets every table kept here, as closing their windows does with a display (a test JVM that runs
	 * class after class starts each class with none: testing.ResetBetweenClasses).
	 */
	public static synchronized void closeAllHeadless() {
		headless.clear();
	}

	/** Shows the table under the title (a window with a display; kept for {@link #get} headless). */
	public static synchronized void show(String title, ResultsTable rt) {
		if (GraphicsEnvironment.isHeadless()) headless.put(title, rt);
		else rt.show(title);
	}
}
