package org.convkit.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * Console progress of one Spark job, from the driver: items done / total and the rate, at most every
 * {@link #INTERVAL_NANOS} and at the end. An item count per partition is known up front; a partition counts when its
 * first successful attempt ends (a retried or speculative copy is not counted twice).
 */
final class JobProgress extends SparkListener {
	static final long INTERVAL_NANOS = 2_000_000_000L;

	private final String what, unit, group;
	private final long[] sizes;
	private final PrintStream out;
	private final Set<Integer> stages = new HashSet<>(), done = new HashSet<>();
	private final long total, start = System.nanoTime();
	private long items, printed = -1, lastPrint = System.nanoTime();

	JobProgress(String what, String unit, String group, long[] partitionSizes, PrintStream out) {
		this.what = what;
		this.unit = unit;
		this.group = group;
		this.sizes = partitionSizes;
		this.out = out;
		long t = 0;
		for (long s : partitionSizes) t += s;
		total = t;
	}

	@Override
	public synchronized void onJobStart(SparkListenerJobStart jobStart) {
		Properties p = jobStart.properties();
		if (p != null && group.equals(p.getProperty("spark.jobGroup.id")))
			for (Object id : scala.collection.JavaConverters.seqAsJavaList(jobStart.stageIds())) stages.add((Integer) id);
	}

	@Override
	public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
		if (!stages.contains(taskEnd.stageId()) || !taskEnd.taskInfo().successful()) return;
		int partition = taskEnd.taskInfo().index();
		if (partition < 0 || partition >= sizes.length || !done.add(partition)) return;
		items += sizes[partition];
		long now = System.nanoTime();
		if (now - lastPrint >= INTERVAL_NANOS) {
			lastPrint = now;
			print(now);
		}
	}

	/**
	 * The job ended and returned every partition's result: prints the final line with all items (unless it is printed
	 * already). Spark's listener bus is asynchronous, so the last tasks' ends may not have arrived here yet.
	 */
	synchronized void finish() {
		for (int p = 0; p < sizes.length; p++)
			if (done.add(p)) items += sizes[p];
		if (printed != items) print(System.nanoTime());
	}

	synchronized long done() {
		return items;
	}

	private void print(long now) {
		printed = items;
		double seconds = (now - start) / 1e9;
		out.println(String.format(Locale.ROOT, "%s: %d/%d %s (%.0f%%), %.1f %s/s, %.0f s", what, items, total, unit,
				total == 0 ? 100.0 : 100.0 * items / total, seconds > 0 ? items / seconds : 0.0, unit, seconds));
	}
}
