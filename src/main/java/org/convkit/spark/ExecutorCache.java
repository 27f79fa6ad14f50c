package org.convkit.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * What an executor JVM keeps between the tasks of one job: models read once per executor (not per task) from the
 * broadcast, one per task thread at a time (DL4J networks are not thread-safe), and datasets listed once. Keyed by
 * job; a new job of the same kind drops the previous job's objects, so a long-lived JVM (embedded mode in Fiji) does
 * not collect them.
 */
final class ExecutorCache {
	private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();

	private static final class Entry {
		final String job;
		final ConcurrentLinkedQueue<Object> idle = new ConcurrentLinkedQueue<>();
		volatile Object single;

		Entry(String job) {
			this.job = job;
		}
	}

	private ExecutorCache() {
	}

	private static Entry entry(String kind, String job) {
		return ENTRIES.compute(kind, (k, e) -> e != null && e.job.equals(job) ? e : new Entry(job));
	}

	/** An object of the job for this task's exclusive use: an idle one, or a new one; give it back with {@link #release}. */
	@SuppressWarnings("unchecked")
	static <T> T borrow(String kind, String job, Supplier<T> make) {
		Object o = entry(kind, job).idle.poll();
		return o != null ? (T) o : make.get();
	}

	static void release(String kind, String job, Object o) {
		Entry e = ENTRIES.get(kind);
		if (e != null && e.job.equals(job)) e.idle.add(o);
	}

	/** One object per job and executor, shared by its tasks (thread-safe objects only). */
	@SuppressWarnings("unchecked")
	static <T> T shared(String kind, String job, Supplier<T> make) {
		Entry e = entry(kind, job);
		synchronized (e) {
			if (e.single == null) e.single = make.get();
			return (T) e.single;
		}
	}
}
