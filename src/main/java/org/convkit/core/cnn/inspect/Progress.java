package org.convkit.core.cnn.inspect;

/**
 * How a long inspection reports progress and learns that the user wants it stopped (the menu commands connect it to
 * ImageJ's progress bar and Esc; scripts may pass {@link #NONE}).
 */
public interface Progress {
	Progress NONE = (done, total) -> true;

	/**
	 * {@code done} of {@code total} steps are finished.
	 *
	 * @return false to stop: the computation then throws {@link Cancelled}
	 */
	boolean update(int done, int total);

	/** Thrown when {@link #update} answered false; nothing was produced. */
	final class Cancelled extends RuntimeException {
		private static final long serialVersionUID = 1L;

		public Cancelled() {
			super("stopped");
		}
	}

	/** Calls {@link #update} and throws {@link Cancelled} when it answers false. */
	static void step(Progress p, int done, int total) {
		if (p != null && !p.update(done, total)) throw new Cancelled();
	}
}
