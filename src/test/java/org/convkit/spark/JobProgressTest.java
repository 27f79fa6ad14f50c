package org.convkit.spark;

import org.junit.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The final progress line of a Spark job counts every item, whatever Spark's listener bus has delivered so far. */
public class JobProgressTest {
	@Test
	public void theFinalLineCountsEveryPartitionOnceTheJobHasReturned() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		JobProgress progress = new JobProgress("classify", "files", "group", new long[] {5, 3, 0},
				new PrintStream(bytes, true, StandardCharsets.UTF_8));
		progress.finish(); // no task end delivered yet, as when the bus lags behind collect()
		String log = bytes.toString(StandardCharsets.UTF_8);
		assertTrue(log, log.startsWith("classify: 8/8 files (100%)"));
		assertEquals(8, progress.done());
		progress.finish();
		assertEquals("printed once", 1, bytes.toString(StandardCharsets.UTF_8).split("\n").length);
	}
}
