package org.convkit.testing;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Assertions shared by the core tests. */
public final class Expect {
	private Expect() {}

	/** Asserts that {@code r} throws an IllegalArgumentException whose message contains every part. */
	public static void expectError(Runnable r, String... parts) {
		try {
			r.run();
		} catch (IllegalArgumentException e) {
			for (String p : parts)
				assertTrue("message '" + e.getMessage() + "' should contain '" + p + "'", e.getMessage().contains(p));
			return;
		}
		fail("expected an IllegalArgumentException containing " + String.join(", ", parts));
	}
}
