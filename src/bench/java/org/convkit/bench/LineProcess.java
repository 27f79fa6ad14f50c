package org.convkit.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark's child process (a worker JVM, the PyTorch script) driven by one command per line on its stdin; it
 * answers each with a line that starts with the command's word, and may print other lines before (a log, a
 * traceback), which {@link #printed()} keeps. {@code quit} ends it.
 */
final class LineProcess implements AutoCloseable {
	private final Process process;
	private final BufferedReader out;
	private final BufferedWriter in;
	private final List<String> printed = new ArrayList<>();

	LineProcess(ProcessBuilder builder) throws IOException {
		process = builder.start();
		out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
	}

	/** Sends {@code command} and returns its reply (see {@link #reply(String)}). */
	String send(String command) throws IOException {
		printed.clear();
		in.write(command + "\n");
		in.flush();
		return reply(command);
	}

	/**
	 * The next line that is {@code word} or starts with it and a space; the lines before it go to {@link #printed()}.
	 * When the process ends first: an IOException with the last line it printed (a traceback's last line says what
	 * went wrong).
	 */
	String reply(String word) throws IOException {
		for (String line; (line = out.readLine()) != null;) {
			if (line.startsWith(word + " ") || line.equals(word)) return line;
			printed.add(line);
		}
		for (int i = printed.size() - 1; i >= 0; i--)
			if (!printed.get(i).trim().isEmpty()) throw new IOException(printed.get(i).trim());
		throw new IOException("the process ended");
	}

	/** The lines printed besides the reply since the last {@link #send(String)}. */
	List<String> printed() {
		return new ArrayList<>(printed);
	}

	/** Sends {@code quit} and waits up to 10 s for the process to end; then ends it. */
	@Override
	public void close() {
		try {
			in.write("quit\n");
			in.flush();
		} catch (IOException ignored) { // already gone
		}
		try {
			if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
		} catch (InterruptedException e) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}
}
