package org.convkit.core.cnn.data;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A dataset's examples as network input (read, checked and brought to the input format by {@link ImageTensor}, not
 * normalised), kept in memory up to a byte budget so that the normalisation pass and every epoch after it do not
 * read the files again. Values are kept exactly, in the smallest type that holds them: whole values 0–255 (8-bit and
 * RGB images at the input size) as bytes, whole values 0–65535 as chars, anything else as floats; a kept example
 * gives the very floats a fresh read gives. Examples beyond the budget are read again whenever they are needed
 * (streaming), as without a cache; which ones are kept does not change any result.
 * <p>
 * {@link #load} reads the examples that are not kept yet on several threads at once when the dataset allows it
 * ({@link Dataset#concurrentReads()}): the normalisation pass reads the whole training set on every core before the
 * first epoch, and a batch that must be streamed is read in parallel one batch ahead (see {@link Batches}).
 * Thread-safe.
 */
public final class InputCache {
	/** Most bytes {@link #defaultBudget()} gives, whatever the heap. */
	public static final long MAX_DEFAULT_BUDGET = 1L << 30;
	/** Per kept example: the array's header and the reference to it, roughly. */
	private static final int OVERHEAD = 24;
	/** Examples per parallel task: small enough to spread a batch over the threads, large enough to be cheap. */
	private static final int TASK = 8;
	private static final Object UNREADABLE = new Object();
	private static final int THREADS = Runtime.getRuntime().availableProcessors();
	/** Shared by all caches; idle threads end after a few seconds, and none keeps the JVM alive. */
	private static final ThreadPoolExecutor POOL = pool();

	private final Dataset data;
	private final InputFormat format;
	private final long budget;
	private final boolean parallel;
	private final AtomicReferenceArray<Object> kept;
	private final AtomicLong bytes = new AtomicLong(), reads = new AtomicLong(), keptCount = new AtomicLong();

	/**
	 * @param budgetBytes how many bytes of examples to keep (0 = none: every example is read whenever needed)
	 * @param parallel    read on several threads when the dataset allows it
	 */
	public InputCache(Dataset data, InputFormat format, long budgetBytes, boolean parallel) {
		if (budgetBytes < 0) throw new IllegalArgumentException("budget must be >= 0, got " + budgetBytes);
		this.data = data;
		this.format = format;
		this.budget = budgetBytes;
		this.parallel = parallel && data.concurrentReads() && THREADS > 1;
		kept = new AtomicReferenceArray<>(data.size());
	}

	/**
	 * A quarter of the JVM's maximum heap, at most {@value #MAX_DEFAULT_BUDGET} bytes: 28×28 8-bit images take
	 * about 800 bytes each (100,000 of them 80 MB), 96×96 RGB ones about 28 KB (a gigabyte holds 38,000).
	 */
	public static long defaultBudget() {
		return Math.min(MAX_DEFAULT_BUDGET, Runtime.getRuntime().maxMemory() / 4);
	}

	public Dataset dataset() {
		return data;
	}

	/**
	 * Whether a cache can stand in for {@link Dataset#read} on this dataset: whole images (no {@link Dataset#patchInput}),
	 * read by the default, which opens and converts exactly as {@link #load} does. Patch datasets cut their examples
	 * themselves and are read through {@link Dataset#read}.
	 */
	public static boolean covers(Dataset data) {
		return data.patchInput() == null;
	}

	/** {@link #covers(Dataset)} for this cache's dataset. */
	public boolean covers() {
		return covers(data);
	}

	public InputFormat format() {
		return format;
	}

	/** How many times an example was read from the dataset so far (for tests and benchmarks). */
	public long reads() {
		return reads.get();
	}

	/** The byte budget given to the constructor. */
	public long budget() {
		return budget;
	}

	/** How many examples are kept now. */
	public long keptCount() {
		return keptCount.get();
	}

	/** Bytes of examples kept now. */
	public long keptBytes() {
		return bytes.get();
	}

	/**
	 * Writes the inputs of the readable examples among {@code indices[from..to)}, in that order, one after another
	 * into {@code out} (from 0, {@link InputFormat#size()} values each) and their indices into {@code used};
	 * returns how many there were. Examples not kept are read first, in parallel where allowed.
	 *
	 * @throws IllegalArgumentException naming the image when an image does not fit the format (channels), or from
	 *                                  the dataset (images of mixed kinds)
	 */
	public int load(int[] indices, int from, int to, float[] out, int[] used) {
		Object[] entries = new Object[to - from];
		List<Integer> missing = new ArrayList<>();
		for (int j = from; j < to; j++) {
			entries[j - from] = kept.get(indices[j]);
			if (entries[j - from] == null) missing.add(j - from);
		}
		if (!parallel || missing.size() <= 1) {
			for (int k : missing) entries[k] = read(indices[from + k]);
		} else {
			readInParallel(indices, from, missing, entries);
		}
		int n = 0, size = format.size();
		for (int k = 0; k < entries.length; k++) {
			if (entries[k] == UNREADABLE) continue;
			copy(entries[k], out, n * size);
			used[n++] = indices[from + k];
		}
		return n;
	}

	private void readInParallel(int[] indices, int from, List<Integer> missing, Object[] entries) {
		List<Future<?>> tasks = new ArrayList<>();
		for (int t = 0; t < missing.size(); t += TASK) {
			List<Integer> part = missing.subList(t, Math.min(missing.size(), t + TASK));
			tasks.add(POOL.submit(() -> {
				for (int k : part) entries[k] = read(indices[from + k]);
			}));
		}
		RuntimeException failure = null;
		for (Future<?> f : tasks) {
			try {
				f.get();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				tasks.forEach(x -> x.cancel(true));
				throw new IllegalStateException("interrupted while reading images", e);
			} catch (ExecutionException e) {
				// the first failure in example order, as a sequential read would report it (with its own message)
				Throwable c = e.getCause();
				if (failure == null) failure = c instanceof RuntimeException ? (RuntimeException) c
						: new IllegalStateException(c);
			}
		}
		if (failure != null) throw failure;
	}

	/** Reads one example; keeps it when the budget allows. Returns the entry (UNREADABLE for none). */
	private Object read(int index) {
		reads.incrementAndGet();
		ImageProcessor ip = data.open(index);
		if (ip == null) {
			kept.set(index, UNREADABLE);
			return UNREADABLE;
		}
		float[] values = new float[format.size()];
		try {
			ImageTensor.convert(ip, format, values, 0);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("'" + data.name(index) + "': " + e.getMessage(), e);
		}
		Object entry = compact(values);
		long size = OVERHEAD + bytesOf(entry);
		if (bytes.addAndGet(size) <= budget) {
			if (kept.compareAndSet(index, null, entry)) keptCount.incrementAndGet();
			else bytes.addAndGet(-size); // read twice at once: keep one
		} else {
			bytes.addAndGet(-size);
		}
		return entry;
	}

	/** The values as bytes or chars when they are all whole numbers in range, else the floats themselves. */
	static Object compact(float[] v) {
		float max = 0;
		for (float x : v) {
			if (!(x >= 0) || x != (int) x || 1 / x < 0) return v; // negative, NaN, fractional or -0
			max = Math.max(max, x);
		}
		if (max <= 255) {
			byte[] b = new byte[v.length];
			for (int i = 0; i < v.length; i++) b[i] = (byte) (int) v[i];
			return b;
		}
		if (max <= 65535) {
			char[] c = new char[v.length];
			for (int i = 0; i < v.length; i++) c[i] = (char) (int) v[i];
			return c;
		}
		return v;
	}

	private static long bytesOf(Object entry) {
		if (entry instanceof byte[]) return ((byte[]) entry).length;
		if (entry instanceof char[]) return 2L * ((char[]) entry).length;
		return 4L * ((float[]) entry).length;
	}

	static void copy(Object entry, float[] out, int offset) {
		if (entry instanceof byte[]) {
			byte[] b = (byte[]) entry;
			for (int i = 0; i < b.length; i++) out[offset + i] = b[i] & 0xff;
		} else if (entry instanceof char[]) {
			char[] c = (char[]) entry;
			for (int i = 0; i < c.length; i++) out[offset + i] = c[i];
		} else {
			float[] f = (float[]) entry;
			System.arraycopy(f, 0, out, offset, f.length);
		}
	}

	private static ThreadPoolExecutor pool() {
		ThreadPoolExecutor p = new ThreadPoolExecutor(THREADS, THREADS, 5, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), r -> {
					Thread t = new Thread(r, "ConvKit image reader");
					t.setDaemon(true);
					return t;
				});
		p.allowCoreThreadTimeOut(true);
		return p;
	}
}
