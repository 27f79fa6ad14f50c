package org.convkit.plugins.support;

import ij.IJ;
import ij.Macro;
import ij.macro.Interpreter;

import java.awt.GraphicsEnvironment;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * How a ConvKit command tells the user that it cannot run: a dialog in the GUI, a macro error in a macro (which
 * stops the macro with the message), and always an entry in {@link Failures}. Never a stack trace in a dialog.
 * A macro run from the command line on a display ({@code imagej -b macro.ijm}, {@code ImageJ -batch}) has no
 * ImageJ window and nobody to close ImageJ's modal "Macro Error" dialog: there the message goes to the Log
 * (the console) and the macro stops, instead of waiting for ever.
 */
public final class CommandReporter {
	private CommandReporter() {}

	/** Bad input: a message the user can act on. The image has not been touched. */
	public static void badInput(String command, String message) {
		Failures.record(command, message);
		tell(command, message);
		abortMacro();
	}

	/** A bug or an environment problem: say what happened and keep the stack trace in the Log for a report. */
	public static void unexpected(String command, Throwable t) {
		String message = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
		Failures.record(command, message);
		StringWriter trace = new StringWriter();
		t.printStackTrace(new PrintWriter(trace));
		IJ.log(command + " failed unexpectedly. Please report this with the details below.\n" + trace);
		tell(command, command + " failed: " + message + "\nDetails are in the Log window.");
		abortMacro();
	}

	/** A warning that does not stop the command (e.g. a kernel that could not be normalized). */
	public static void note(String command, String message) {
		IJ.log(command + ": " + message);
	}

	private static void tell(String command, String message) {
		if (!unattended()) {
			IJ.error(command, message);
			return;
		}
		IJ.log(command + ": " + message);
		Interpreter.abort(); // what IJ.error does to a running macro, without its dialog
	}

	/** A macro started from the command line on a display: no ImageJ window, so no one to answer a dialog. */
	private static boolean unattended() {
		return IJ.getInstance() == null && !GraphicsEnvironment.isHeadless() && Interpreter.getInstance() != null;
	}

	private static void abortMacro() {
		// IJ.error already aborts a running macro interpreter; this stops a plain IJ.run(...) caller's batch too.
		if (Thread.currentThread().getName().endsWith("Macro$")) Macro.abort();
	}
}
