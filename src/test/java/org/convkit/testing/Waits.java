package org.convkit.testing;

/**
 * Waiting for a condition instead of sleeping for a guessed time: a fixed sleep before an assertion either wastes
 * time or, on a loaded machine, asserts before the thing happened. Every wait has a limit, so nothing can hang
 * the build.
 */
public final class Waits {
	private static final long POLL_MS = 10;

	private Waits() {}

	public interface Condition {
		boolean holds() throws Exception;
	}

	/**
	 * Polls {@code c} until it holds (true) or {@code limitMs} has passed (false). An exception from the
	 * condition counts as "not yet" (e.g. a window that is not built yet).
	 */
	public static boolean until(long limitMs, Condition c) throws InterruptedException {
		long end = System.nanoTime() + limitMs * 1_000_000;
		while (true) {
			try {
				if (c.holds()) return true;
			} catch (Exception e) {
				// not ready yet
			}
			if (System.nanoTime() - end > 0) return false;
			Thread.sleep(POLL_MS);
		}
	}
}
