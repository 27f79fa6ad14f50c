package org.convkit.app;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Passes console output through unchanged and remembers the first Java stack trace in it. ImageJ's Executer
 * catches a plugin's exception and only logs its stack trace (to stdout when there is no ImageJ window), so
 * reading the output is the only way a headless run learns that a command crashed.
 */
final class StackTraceWatcher {
	/** A stack frame line as Throwable.printStackTrace writes it. */
	private static final Pattern FRAME = Pattern.compile("^\\s+at [\\w$.<>/@-]+\\(.*\\)\\s*$");

	/** How ImageJ's macro interpreter prints an error: "Macro Error: MESSAGE in line N". */
	private static final Pattern MACRO_ERROR = Pattern.compile("^Macro Error: (.*?)(?: in line \\d+)?$");

	private String previousLine;
	private String firstException, firstMacroError;
	private boolean usage;

	/** Returns a stream that writes to {@code target} and watches the lines. */
	OutputStream watch(OutputStream target) {
		return new OutputStream() {
			private final StringBuilder line = new StringBuilder();

			@Override
			public void write(int b) throws IOException {
				target.write(b);
				if (b == '\n') {
					accept(line.toString());
					line.setLength(0);
				} else if (line.length() < 2000) {
					line.append((char) (b & 0xff));
				}
			}

			@Override
			public void write(byte[] b, int off, int len) throws IOException {
				for (int i = off; i < off + len; i++)
					write(b[i]);
			}

			@Override
			public void flush() throws IOException {
				target.flush();
			}
		};
	}

	private synchronized void accept(String raw) {
		String text = new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).stripTrailing();
		java.util.regex.Matcher m = MACRO_ERROR.matcher(text);
		if (firstMacroError == null && m.matches()) firstMacroError = m.group(1);
		if (text.regionMatches(true, 0, "usage:", 0, 6)) usage = true;
		if (firstException == null && FRAME.matcher(text).matches() && previousLine != null
				&& !FRAME.matcher(previousLine).matches())
			firstException = previousLine.trim();
		previousLine = text;
	}

	/**
	 * The message of the first macro error ImageJ printed. The interpreter's own error message can be a later,
	 * secondary one: after an error inside a loop or function it reports the parse state where it stopped
	 * ("';' expected") instead of what went wrong ("Unrecognized command: ...").
	 */
	synchronized String firstMacroError() {
		return firstMacroError;
	}

	/** Whether a line starting with "usage:" was printed (a macro explaining its argument before exit()). */
	synchronized boolean sawUsage() {
		return usage;
	}

	/** The line naming the first exception seen (e.g. "java.lang.IllegalStateException: boom"), or null. */
	synchronized String firstException() {
		return firstException;
	}
}
