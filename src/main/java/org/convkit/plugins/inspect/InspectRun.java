package org.convkit.plugins.inspect;

import ij.IJ;
import org.convkit.core.cnn.inspect.Progress;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.MacroValues;

/**
 * How every Inspect command runs its work: ImageJ's progress bar and Esc as the core's {@link Progress}, and one
 * way of reporting what stops it (bad input and a too-large request as a clear message, Esc as a status line, a
 * bug with its stack trace in the Log).
 */
final class InspectRun implements Progress {
	/** The work after the dialog: read the model, compute, show. */
	interface Work {
		void run(InspectRun progress) throws ModelFileException;
	}

	private final String command;

	private InspectRun(String command) {
		this.command = command;
		IJ.resetEscape();
	}

	@Override
	public boolean update(int done, int total) {
		IJ.showProgress(done, total);
		if (done < total) IJ.showStatus(command + " " + done + "/" + total + " (Esc stops)");
		return !IJ.escapePressed();
	}

	/** In a macro, whether every numeric key's value is a number; reports the first that is not. */
	static boolean numbers(String command, String... keys) {
		try {
			MacroValues.requireNumbers(keys);
			return true;
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(command, e.getMessage());
			return false;
		}
	}

	/** Runs the work; {@code memoryAdvice} is the message when memory runs out. */
	static void guarded(String command, String memoryAdvice, Work work) {
		InspectRun run = new InspectRun(command);
		try {
			work.run(run);
		} catch (ModelFileException | IllegalArgumentException e) {
			CommandReporter.badInput(command, e.getMessage());
		} catch (Progress.Cancelled e) {
			IJ.showProgress(1.0);
			IJ.showStatus(command + ": stopped (Esc); nothing was created");
		} catch (OutOfMemoryError e) {
			CommandReporter.badInput(command, "Not enough memory: " + memoryAdvice
					+ " (Edit › Options › Memory & Threads raises the limit)");
		} catch (RuntimeException e) {
			CommandReporter.unexpected(command, e);
		}
	}
}
