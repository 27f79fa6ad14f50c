package org.convkit.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.train.AveragingTrainer;
import org.convkit.core.cnn.train.EpochResult;
import org.convkit.core.cnn.train.TrainingListener;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.plugins.cnn.TrainingSetup;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Train CNN Classifier... on a folder (one subfolder per class) as a Spark job: data-parallel training by
 * synchronous parameter averaging ({@link AveragingTrainer}) with one model replica per worker task. The options are
 * the command's macro keys ({@code architecture=LeNet epochs=5 batch=32 ...}), checked as the command checks them;
 * the result is a normal ConvKit model file (best and last, with the history per epoch), usable by every command.
 * <p>
 * Why not DL4J's own Spark trainer ({@code dl4j-spark_2.12}, served only at 1.0.0-M2): it runs with ConvKit's M2.1
 * stack once its Spark, Kryo and ND4J dependencies are excluded or pinned, but with one worker averaging after every
 * batch it does not equal single-machine training (it restarts each worker's step count every round, so Adam's bias
 * correction restarts; measured difference 8e-3 in the weights after 10 steps), it trains DL4J's network without
 * ConvKit's batches, augmentation and fast layers, and it needs a Spark 3.1 build's dependencies. See
 * docs/spark.md.
 */
public final class TrainJob {
	/** Batches each worker fits between two averagings, unless given (see docs/spark.md for the measurements). */
	public static final int DEFAULT_AVERAGE_EVERY = 1;

	/** What to train on and where the model goes. */
	public static final class Options {
		public Path folder, model;
		/** The Train CNN Classifier... macro keys other than folder and model. */
		public String options = "";
		/** Model replicas (workers); 0 = the cluster's task slots (cores). */
		public int workers;
		public int averageEvery = DEFAULT_AVERAGE_EVERY;
		public boolean overwrite;
	}

	private TrainJob() {
	}

	/** spark-submit entry: {@code train --folder DIR --model M.zip [--options "..."] [--workers N]}. */
	public static void main(String[] args) {
		SparkJobs.exit(SparkJobs.run(SparkJobs.prepend(SparkJobs.TRAIN, args), System.out, System.err));
	}

	/**
	 * Trains on the context's cluster (or embedded), one line per epoch on {@code console}.
	 *
	 * @throws IllegalArgumentException with the command's message for bad options, data or model files
	 * @throws ModelFileException       when saving a model fails
	 */
	public static TrainingResult run(JavaSparkContext sc, Options o, PrintStream console) throws ModelFileException {
		Plan p = prepare(o);
		return execute(sc, p, console);
	}

	/** The checked run: data opened, options read (bad input fails here, before a cluster starts). */
	static final class Plan {
		final TrainingSetup setup;
		final Options options;

		Plan(TrainingSetup setup, Options options) {
			this.setup = setup;
			this.options = options;
		}
	}

	static Plan prepare(Options o) {
		if (o.workers < 0) throw new IllegalArgumentException("--workers must be at least 1, got " + o.workers);
		if (o.averageEvery < 1)
			throw new IllegalArgumentException("--average must be at least 1 batch, got " + o.averageEvery);
		String options = (o.options == null ? "" : o.options.trim()) + (o.overwrite ? " overwrite" : "");
		TrainingSetup s = TrainingSetup.forFolder(o.folder == null ? null : o.folder.toAbsolutePath(),
				o.model == null ? null : o.model.toAbsolutePath(), options);
		return new Plan(s, o);
	}

	static TrainingResult execute(JavaSparkContext sc, Plan p, PrintStream console) throws ModelFileException {
		TrainingSetup s = p.setup;
		int workers = p.options.workers > 0 ? p.options.workers : Math.max(1, sc.defaultParallelism());
		AveragingTrainer t = new AveragingTrainer(s.trainer()).replicas(workers).averageEvery(p.options.averageEvery);
		console.println(String.format(Locale.ROOT, "train: %d images in %d classes from %s; %d worker(s), averaging "
				+ "every %d batch(es) of %d", s.data.size(), s.data.classes().size(), s.from, workers,
				p.options.averageEvery, s.settings.batchSize()));
		TrainingResult r = t.train(new SparkReplicas(sc, (FolderDataset) s.data), new Console(console));
		if (r.confusion != null) console.println("train: validation images: " + r.validationIndices.length
				+ TrainingSetup.heldOutText(s.heldOutSources(r)));
		return r;
	}

	/** One line per epoch, and the progress within an epoch at most every few seconds. */
	private static final class Console implements TrainingListener {
		private final PrintStream out;
		private long last = System.nanoTime();

		Console(PrintStream out) {
			this.out = out;
		}

		@Override
		public void batchDone(int epoch, int batch, int batches, double progress) {
			long now = System.nanoTime();
			if (now - last < JobProgress.INTERVAL_NANOS || batch == batches) return;
			last = now;
			out.println(String.format(Locale.ROOT, "train: epoch %d, batch %d/%d (%.0f%% of the run)", epoch, batch,
					batches, 100 * progress));
		}

		@Override
		public void epochDone(EpochResult r) {
			last = System.nanoTime();
			out.println(String.format(Locale.ROOT, "train: %s, %.1f images/s", r, r.imagesPerSecond));
		}
	}
}
