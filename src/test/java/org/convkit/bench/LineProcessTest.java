package org.convkit.bench;

import org.junit.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

/** The benchmarks' child-process protocol, against a shell script that plays a worker. */
public class LineProcessTest {
	/** Answers "ready v1"; for "work": two log lines, then "work 1.5"; for "fail": a traceback's line, then ends. */
	private static final String WORKER = "echo 'ready v1'; while read c; do case $c in "
			+ "work) echo 'log one'; echo 'log two'; echo 'work 1.5';; "
			+ "fail) echo 'Traceback (most recent call last):'; echo 'ValueError: no torch'; exit 3;; "
			+ "quit) exit 0;; esac; done";

	@Test
	public void repliesKeepWhatWasPrintedBeforeThemAndAnEndedProcessSaysItsLastLine() throws IOException {
		try (LineProcess p = new LineProcess(new ProcessBuilder("sh", "-c", WORKER))) {
			assertEquals("ready v1", p.reply("ready"));
			assertEquals("work 1.5", p.send("work"));
			assertEquals(List.of("log one", "log two"), p.printed());
			assertEquals("work 1.5", p.send("work"));
			assertEquals("only the last command's lines", List.of("log one", "log two"), p.printed());
			try {
				p.send("fail");
				fail("the process ended without a reply");
			} catch (IOException e) {
				assertEquals("ValueError: no torch", e.getMessage());
			}
		}
	}
}
