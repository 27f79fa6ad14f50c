package org.convkit.core.cnn.data;

import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.net.NdArrays;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Mini-batches of a dataset's examples as ND4J {@link DataSet}s: features NCHW float (resized, normalised, for
 * training also augmented), labels one-hot. Each {@link #epoch(int)} visits every example once, in an order
 * shuffled by {@code new Random(seed + epoch × constant)} (so a continued run repeats the order an uninterrupted
 * one would have had), in batches of the batch size (the last one may be smaller; unreadable images make a batch
 * smaller). The examples come from an {@link InputCache}: kept ones from memory, the others read when their batch
 * is built (in parallel where the dataset allows); the next batch is built on a background thread while the
 * current one is used.
 */
public final class Batches {
	private final Dataset data;
	private final InputCache inputs;
	private final int[] indices;
	private final InputFormat format;
	private final ExamplePipeline pipeline;
	private final int batchSize;
	private final boolean shuffle;
	private final long seed;
	private boolean balanced;

	/** Batches that read every example whenever it is needed, one at a time (no {@link InputCache} budget). */
	public Batches(Dataset data, int[] indices, InputFormat format, Normalisation normalisation, int batchSize,
			boolean shuffle, long seed, Augmenter augmenter) {
		this(new InputCache(data, format, 0, false), indices, normalisation, batchSize, shuffle, seed, augmenter);
	}

	/**
	 * @param inputs    the examples at the input format (kept in memory within its budget)
	 * @param shuffle   shuffle each epoch (training) or keep the index order (validation)
	 * @param augmenter applied to every example, or null for none
	 */
	public Batches(InputCache inputs, int[] indices, Normalisation normalisation, int batchSize, boolean shuffle,
			long seed, Augmenter augmenter) {
		InputFormat format = inputs.format();
		if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
		this.pipeline = new ExamplePipeline(format, normalisation, augmenter);
		this.data = inputs.dataset();
		this.inputs = inputs;
		this.indices = indices.clone();
		this.format = format;
		this.batchSize = batchSize;
		this.shuffle = shuffle;
		this.seed = seed;
	}

	/**
	 * The training batches as the trainer makes them: shuffled per epoch and augmented, the shuffle and the
	 * augmentation both seeded by {@code seed}; each example goes through {@link #trainingPipeline}.
	 */
	public static Batches forTraining(Dataset data, int[] indices, InputFormat format, Normalisation normalisation,
			int batchSize, long seed, Set<Augmenter.Op> augment) {
		return new Batches(data, indices, format, normalisation, batchSize, true, seed, new Augmenter(augment, seed));
	}

	/** What {@link #forTraining} batches do to each example (Augmentation Preview shows it). */
	public static ExamplePipeline trainingPipeline(InputFormat format, Normalisation normalisation, long seed,
			Set<Augmenter.Op> augment) {
		return new ExamplePipeline(format, normalisation, new Augmenter(augment, seed));
	}

	public int examples() {
		return indices.length;
	}

	/** Examples per batch (the last batch may hold fewer). */
	public int batchSize() {
		return batchSize;
	}

	public int batchCount() {
		return (indices.length + batchSize - 1) / batchSize;
	}

	public InputFormat format() {
		return format;
	}

	/** What is done to each example (resize, normalise, augment). */
	public ExamplePipeline pipeline() {
		return pipeline;
	}

	/**
	 * Training batches drawn so that every class is equally likely ({@link ClassSampling}) instead of each example
	 * once; call before the first epoch.
	 */
	public Batches balanceClasses() {
		balanced = true;
		return this;
	}

	/** The example order of an epoch (1-based epoch number). */
	public int[] order(int epoch) {
		if (balanced) return ClassSampling.order(indices, data::label, data.classes().size(), seed, epoch);
		int[] o = indices.clone();
		if (!shuffle) return o;
		Random r = new Random(seed + epoch * 0x9E3779B97F4A7C15L);
		for (int i = o.length - 1; i > 0; i--) {
			int j = r.nextInt(i + 1), t = o[i];
			o[i] = o[j];
			o[j] = t;
		}
		return o;
	}

	/** The batches of one epoch; close it (or read it to the end) to stop the prefetch thread. */
	public Epoch epoch(int epoch) {
		return new Epoch(epoch, order(epoch));
	}

	/** Features and labels of examples as plain arrays; unreadable ones are left out. */
	private Raw build(int epoch, int[] order, int from) {
		int to = Math.min(order.length, from + batchSize), size = format.size(), k = data.classes().size();
		float[] x = new float[(to - from) * size];
		int[] used = new int[to - from];
		int n = 0;
		if (inputs.covers()) { // whole images: read by the cache (or kept in it), then normalised and augmented
			n = inputs.load(order, from, to, x, used);
			for (int j = 0; j < n; j++) pipeline.normaliseAndAugment(x, j * size, epoch, used[j]);
		} else {
			for (int j = from; j < to; j++) {
				int i = order[j];
				try {
					if (!pipeline.fill(data, i, epoch, x, n * size)) continue;
				} catch (IllegalArgumentException e) {
					throw new IllegalArgumentException("'" + data.name(i) + "': " + e.getMessage(), e);
				}
				used[n++] = i;
			}
		}
		float[] y = new float[n * k];
		for (int j = 0; j < n; j++) y[j * k + data.label(used[j])] = 1;
		return new Raw(n == used.length ? x : Arrays.copyOf(x, n * size), y, Arrays.copyOf(used, n));
	}

	private static final class Raw {
		final float[] x, y;
		final int[] indices;

		Raw(float[] x, float[] y, int[] indices) {
			this.x = x;
			this.y = y;
			this.indices = indices;
		}
	}

	/** One pass over the examples. */
	public final class Epoch implements Iterator<DataSet>, AutoCloseable {
		private final int epoch;
		private final int[] order;
		private final ExecutorService worker;
		private int nextFrom;
		private Future<Raw> pending;
		private Raw ready;
		private int[] current = new int[0];

		private Epoch(int epoch, int[] order) {
			this.epoch = epoch;
			this.order = order;
			worker = Executors.newSingleThreadExecutor(r -> {
				Thread t = new Thread(r, "ConvKit batch prefetch");
				t.setDaemon(true);
				return t;
			});
			schedule();
		}

		private void schedule() {
			if (nextFrom >= order.length) {
				pending = null;
				return;
			}
			int from = nextFrom;
			nextFrom += batchSize;
			pending = worker.submit(() -> build(epoch, order, from));
		}

		/** Waits for the next non-empty batch; null at the end. */
		private Raw take() {
			while (pending != null) {
				Raw r;
				try {
					r = pending.get();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("interrupted while reading images", e);
				} catch (ExecutionException e) {
					close();
					Throwable c = e.getCause();
					if (c instanceof RuntimeException) throw (RuntimeException) c;
					throw new IllegalStateException(c);
				}
				schedule(); // the next batch is read while this one is used
				if (r.indices.length > 0) return r;
			}
			close();
			return null;
		}

		@Override
		public boolean hasNext() {
			if (ready == null) ready = take();
			return ready != null;
		}

		@Override
		public DataSet next() {
			if (!hasNext()) throw new NoSuchElementException();
			Raw r = ready;
			ready = null;
			current = r.indices;
			int n = r.indices.length, k = data.classes().size();
			return new DataSet(NdArrays.array(r.x, n, format.channels(), format.height(), format.width()),
					NdArrays.array(r.y, n, k));
		}

		/** The dataset indices of the examples in the batch last returned by {@link #next()}, in row order. */
		public int[] currentIndices() {
			return current.clone();
		}

		@Override
		public void close() {
			worker.shutdownNow();
		}
	}
}
