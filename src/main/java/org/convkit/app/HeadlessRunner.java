package org.convkit.app;

import ij.IJ;
import ij.macro.Interpreter;
import org.convkit.core.cnn.net.Nd4jStartup;
import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.convkit.plugins.support.ClassColours;
import org.convkit.plugins.support.Failures;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one ImageJ macro with no display and turns its outcome into an exit code, so scripts and CI can trust it.
 * ImageJ itself exits 0 after a failed batch macro and only logs plugin exceptions; this runner fails when the
 * macro had an error or was aborted, when a ConvKit command reported a failure ({@link Failures}), or when any
 * plugin threw (ImageJ's exception handler, or a stack trace ImageJ's Executer logged).
 * <p>
 * Usage: {@code HeadlessRunner MACRO.ijm [ARGUMENT]}; {@code getArgument()} in the macro returns ARGUMENT. A macro
 * that stops after printing a line starting with "usage:" (e.g. {@code exit("usage: ...")}), or that opens a dialog
 * (which cannot be shown without a display), was used wrongly: exit code 2, like bad usage of the runner itself.
 * Needs ImageJ patched for headless use: the build's patched classes ({@code ij-headless.jar}, see
 * {@link HeadlessImageJ}) before ImageJ's jar on the class path, as {@code ./convkit --headless} starts it, or
 * ConvKit's agent, which makes the same patches at start-up ({@code -javaagent:ConvKit_.jar}, see
 * {@link HeadlessAgent}; {@code -javaagent:ij1-patcher.jar=init} works too, without the ROI Manager); and
 * {@code -Djava.awt.headless=true} and {@code --add-opens=java.base/java.lang=ALL-UNNAMED}.
 */
public final class HeadlessRunner {
	public static final int EXIT_OK = 0;
	public static final int EXIT_FAILED = 1;
	public static final int EXIT_USAGE = 2;

	private static final String USAGE = "usage: HeadlessRunner MACRO.ijm [ARGUMENT]";

	private HeadlessRunner() {}

	public static void main(String[] args) {
		int code;
		try {
			Nd4jNatives.select(); // before anything (an OpenCV filter, a CNN command) can load native code
			code = run(args);
		} catch (Throwable t) {
			System.err.println("convkit: the headless run crashed: " + t);
			t.printStackTrace();
			code = EXIT_FAILED;
		}
		System.out.flush();
		System.err.flush();
		// ImageJ may leave non-daemon threads behind; the exit code is the result.
		System.exit(code);
	}

	/**
	 * When the macro names a CNN command ("CNN" appears in its text), starts ND4J (its native libraries and backend,
	 * 0.2–0.5 s) on a daemon thread, so that it loads while ImageJ starts and the macro's first lines run instead of
	 * when the first CNN command begins: that command's own {@link Nd4jStartup#start()} waits for this one (it is
	 * synchronized and idempotent) and reports a failure as before. Returns the thread, or null.
	 */
	static Thread startNd4jEarly(String macroText) {
		if (!macroText.contains("CNN")) return null;
		Thread t = new Thread(() -> {
			try {
				Nd4jStartup.start();
			} catch (RuntimeException | LinkageError e) { // the CNN command starts it again and says why it failed
			}
		}, "convkit-nd4j-start");
		t.setDaemon(true);
		t.start();
		return t;
	}

	/** Runs the macro and returns the exit code; prints the reason for a failure to stderr. */
	public static int run(String[] args) throws IOException, InterruptedException {
		if (args.length < 1 || args.length > 2 || args[0].startsWith("-")) {
			System.err.println(USAGE);
			return EXIT_USAGE;
		}
		Path macro = Paths.get(args[0]).toAbsolutePath();
		if (!Files.isRegularFile(macro) || !Files.isReadable(macro)) {
			System.err.println("convkit: macro file not found or not readable: " + macro);
			return EXIT_USAGE;
		}
		if (java.awt.GraphicsEnvironment.isHeadless() && !patched()) {
			System.err.println("convkit: ImageJ is not patched for headless use: put ConvKit's ij-headless.jar "
					+ "before ImageJ's jar on the class path (./convkit --headless does this), or start the JVM with "
					+ "-javaagent:ConvKit_.jar (ij1-patcher's patches and ConvKit's) "
					+ "--add-opens=java.base/java.lang=ALL-UNNAMED.");
			return EXIT_USAGE;
		}
		String text = new String(Files.readAllBytes(macro), StandardCharsets.UTF_8);
		String argument = args.length > 1 ? args[1] : "";
		startNd4jEarly(text);

		List<String> problems = new ArrayList<>();
		ClassColours.quietGroupColours(); // no "LUT not found" line per ROI group read from a ROI set
		IJ.setExceptionHandler(t -> {
			synchronized (problems) {
				problems.add("a plugin threw " + rootCause(t));
			}
			t.printStackTrace();
		});
		Failures.drain();
		PrintStream out = System.out, err = System.err;
		StackTraceWatcher watcher = new StackTraceWatcher();
		System.setOut(new PrintStream(watcher.watch(out), true));
		System.setErr(new PrintStream(watcher.watch(err), true));
		MacroResult result;
		try {
			result = runMacro(text, argument);
		} finally {
			System.out.flush();
			System.err.flush();
			System.setOut(out);
			System.setErr(err);
		}

		synchronized (problems) {
			boolean aborted = "[aborted]".equals(result.value);
			if (askedInADialog(result.thrown) || aborted && watcher.sawUsage()) {
				err.println("convkit: " + macro.getFileName() + (watcher.sawUsage() ? " needs an argument: see its "
						+ "usage above" : " asked for input in a dialog, which a run without a display cannot show:"
						+ " give the macro its argument (see the comment at its top)"));
				return EXIT_USAGE;
			}
			if (result.thrown != null) problems.add("the macro crashed: " + result.thrown);
			String first = watcher.firstMacroError();
			if (result.error) problems.add("macro error" + (first != null ? ": " + first
					: result.message == null ? "" : ": " + result.message));
			else if (aborted)
				problems.add("the macro was aborted (see the message above; exit() also aborts)");
			for (String f : Failures.drain())
				problems.add("command failed: " + f);
			if (watcher.firstException() != null)
				problems.add("ImageJ logged an exception: " + watcher.firstException());
			if (problems.isEmpty()) return EXIT_OK;
			err.println("convkit: FAILED " + macro.getFileName() + " (" + problems.size() + " problem"
					+ (problems.size() == 1 ? "" : "s") + "):");
			for (String p : problems)
				err.println("  - " + p);
			return EXIT_FAILED;
		}
	}

	/**
	 * Whether the macro stopped because it asked for input in a dialog (ImageJ's, AWT's or Swing's): bad usage
	 * without a display. A HeadlessException from anything else (a window a command opens, such as an unpatched ROI
	 * Manager) is a crash, reported as a failure.
	 */
	static boolean askedInADialog(Throwable thrown) {
		if (!(thrown instanceof java.awt.HeadlessException)) return false;
		for (Throwable t = thrown; t != null; t = t.getCause())
			for (StackTraceElement frame : t.getStackTrace()) {
				String name = frame.getClassName();
				if (name.endsWith("Dialog") || name.equals("ij.io.DirectoryChooser")
						|| name.equals("javax.swing.JOptionPane") || name.equals("javax.swing.JFileChooser"))
					return true;
			}
		return false;
	}

	/** ij1-patcher adds this field to ij.IJ; without it every dialog throws HeadlessException. */
	private static boolean patched() {
		try {
			IJ.class.getDeclaredField("_hooks");
			return true;
		} catch (NoSuchFieldException e) {
			return false;
		}
	}

	private static Throwable rootCause(Throwable t) {
		while (t.getCause() != null && t.getCause() != t)
			t = t.getCause();
		return t;
	}

	private static final class MacroResult {
		String value, message;
		boolean error;
		Throwable thrown;
	}

	/** Runs on a thread named like ImageJ's macro threads, so Macro.abort() stops the macro as in the GUI. */
	private static MacroResult runMacro(String text, String argument) throws InterruptedException {
		MacroResult r = new MacroResult();
		Thread t = new Thread(() -> {
			String source = text.contains("#include") ? ij.plugin.frame.Editor.doInclude(text) : text;
			Interpreter interpreter = new Interpreter();
			try {
				r.value = interpreter.run(source, argument);
			} catch (RuntimeException e) {
				// "Macro canceled": an error message was already shown (printed) by ImageJ.
				if (!ij.Macro.MACRO_CANCELED.equals(e.getMessage())) r.thrown = e;
				else r.value = "[aborted]";
			} catch (Throwable e) {
				r.thrown = e;
			}
			r.error = interpreter.wasError();
			r.message = interpreter.getErrorMessage();
		}, "convkit-headless_Macro$");
		t.start();
		t.join();
		return r;
	}
}
