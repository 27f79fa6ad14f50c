package org.convkit.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.train.EpochResult;
import org.convkit.core.cnn.train.TrainingResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line of the Spark jobs ({@code ./convkit --spark JOB ...}, or spark-submit with this class or a job's
 * own class): parses the arguments, checks the input before any Spark starts, runs the job embedded ({@code
 * local[*]}) or on {@code --master}, and prints progress and a summary. Exit code 0 = done, 1 = the job failed or
 * its input was bad (the message says why), 2 = bad usage.
 */
public final class SparkJobs {
	static final String CLASSIFY = "classify", FILTER = "filter", TRAIN = "train";

	static final String USAGE = String.join("\n",
			"Usage:",
			"  convkit --spark classify --model M.zip --input DIR --output OUT.csv [--recursive] [--overwrite]",
			"                           [--partitioned] [--batch N] [--master URL]",
			"  convkit --spark filter --command \"Apply Kernel...\" --options \"preset=[Sobel X] output=32-bit\"",
			"                         --input DIR --output DIR [--recursive] [--overwrite] [--master URL]",
			"  convkit --spark train --folder DIR --model M.zip [--options \"architecture=LeNet epochs=5 batch=32\"]",
			"                        [--workers N] [--average N] [--overwrite] [--master URL]",
			"",
			"  classify  Classify Folder with CNN... over a cluster: the same CSV (one file, rows in file order;",
			"            --partitioned: a folder of part files). Files that are no images are skipped and listed.",
			"  filter    Apply Kernel..., High-pass Filter... or Edge Detection... with the menu command's macro",
			"            options; a TIFF per image at the same relative path under the output folder.",
			"  train     Train CNN Classifier... by data-parallel parameter averaging: --workers model replicas",
			"            (default: all task slots), averaging every --average batches (default " + TrainJob.DEFAULT_AVERAGE_EVERY + ").",
			"            --options: the command's macro keys; the best model goes to M.zip, the last beside it.",
			"",
			"  --master URL     a Spark master (spark://host:7077, yarn, k8s://..., local[N]); default: embedded",
			"                   local[*], all cores of this machine, no cluster needed",
			"  --conf KEY=VALUE any Spark setting (repeatable), e.g. --conf spark.executor.memory=4g",
			"  Paths must be the same on every machine of a cluster (a shared file system).",
			"  Exit code 0 = done, 1 = the job failed or its input was bad, 2 = bad usage.");

	private SparkJobs() {
	}

	public static void main(String[] args) {
		exit(run(args, System.out, System.err));
	}

	static void exit(int code) {
		System.out.flush();
		System.err.flush();
		System.exit(code);
	}

	static String[] prepend(String job, String[] args) {
		String[] a = new String[args.length + 1];
		a[0] = job;
		System.arraycopy(args, 0, a, 1, args.length);
		return a;
	}

	/** Bad usage: exit code 2. */
	static final class UsageException extends IllegalArgumentException {
		private static final long serialVersionUID = 1L;

		UsageException(String message) {
			super(message);
		}
	}

	/** The parsed arguments: --name value pairs and --flag switches. */
	static final class Arguments {
		final Map<String, String> values = new LinkedHashMap<>();
		final List<String> conf = new ArrayList<>();
		final List<String> flags = new ArrayList<>();

		Arguments(String[] args, int from, List<String> valueKeys, List<String> flagKeys) {
			for (int i = from; i < args.length; i++) {
				String a = args[i];
				if (flagKeys.contains(a)) flags.add(a);
				else if (valueKeys.contains(a) || a.equals("--conf")) {
					if (i + 1 >= args.length) throw new UsageException(a + " needs a value");
					String v = args[++i];
					if (a.equals("--conf")) conf.add(v);
					else if (values.put(a, v) != null) throw new UsageException(a + " is given twice");
				} else throw new UsageException("unknown argument: " + a);
			}
		}

		String required(String key) {
			String v = values.get(key);
			if (v == null || v.trim().isEmpty()) throw new UsageException(key + " is required");
			return v;
		}

		Path path(String key) {
			String v = required(key);
			try {
				return Paths.get(v).toAbsolutePath().normalize();
			} catch (InvalidPathException e) {
				throw new UsageException(key + " " + v + " is not a valid path");
			}
		}

		int number(String key, int dflt, int min) {
			String v = values.get(key);
			if (v == null) return dflt;
			try {
				int n = Integer.parseInt(v.trim());
				if (n >= min) return n;
			} catch (NumberFormatException ignored) {
				// below
			}
			throw new UsageException(key + " must be a whole number of at least " + min + ", got " + v);
		}

		boolean flag(String key) {
			return flags.contains(key);
		}

		Map<String, String> sparkConf() {
			Map<String, String> m = new LinkedHashMap<>();
			for (String c : conf) {
				int eq = c.indexOf('=');
				if (eq < 1) throw new UsageException("--conf takes KEY=VALUE, got " + c);
				m.put(c.substring(0, eq).trim(), c.substring(eq + 1).trim());
			}
			return m;
		}
	}

	/** Runs the command line; returns the exit code. */
	static int run(String[] args, PrintStream out, PrintStream err) {
		if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
			(args.length == 0 ? err : out).println(USAGE);
			return args.length == 0 ? 2 : 0;
		}
		try {
			switch (args[0]) {
				case CLASSIFY:
					return classify(args, out);
				case FILTER:
					return filter(args, out);
				case TRAIN:
					return train(args, out);
				default:
					throw new UsageException("unknown job '" + args[0] + "': classify, filter or train");
			}
		} catch (UsageException e) {
			err.println("convkit --spark: " + e.getMessage());
			err.println(USAGE);
			return 2;
		} catch (IllegalArgumentException | IOException e) {
			err.println("convkit --spark " + args[0] + ": " + e.getMessage());
			return 1;
		} catch (Exception e) { // also Spark's (checked) SparkException when a task failed on every attempt
			err.println("convkit --spark " + args[0] + " failed: " + rootMessage(e));
			if (Boolean.getBoolean("convkit.debug")) e.printStackTrace(err);
			return 1;
		}
	}

	private static final List<String> COMMON = Arrays.asList("--master");

	private static List<String> keys(String... k) {
		List<String> l = new ArrayList<>(COMMON);
		l.addAll(Arrays.asList(k));
		return l;
	}

	private static int classify(String[] args, PrintStream out) throws IOException {
		Arguments a = new Arguments(args, 1, keys("--model", "--input", "--output", "--batch", "--images-per-task"),
				Arrays.asList("--recursive", "--overwrite", "--partitioned"));
		ClassifyJob.Options o = new ClassifyJob.Options();
		o.model = a.path("--model");
		o.input = a.path("--input");
		o.output = a.path("--output");
		o.recursive = a.flag("--recursive");
		o.overwrite = a.flag("--overwrite");
		o.partitioned = a.flag("--partitioned");
		o.batch = a.number("--batch", o.batch, 1);
		o.imagesPerTask = a.number("--images-per-task", 0, 1);
		ClassifyJob.Plan plan = ClassifyJob.prepare(o);
		out.println("classify: " + plan.files.size() + " files in " + plan.root);
		ClassifyJob.Result r = withSpark("ConvKit classify", a, out, sc -> ClassifyJob.execute(sc, plan, out));
		out.println(String.format(Locale.ROOT, "classify: %d image(s) classified into %s in %.1f s (%.1f images/s, "
				+ "%d tasks); %d file(s) skipped%s", r.classified, r.output, r.seconds, r.classified / r.seconds,
				r.tasks, r.skipped.size(), r.skipped.isEmpty() ? "." : ":"));
		for (FolderClassifier.Skipped s : r.skipped) out.println("  skipped " + s);
		if (r.multiSlice > 0)
			out.println("  " + r.multiSlice + " file(s) have several slices: only the first slice of each was "
					+ "classified.");
		return 0;
	}

	private static int filter(String[] args, PrintStream out) throws IOException {
		Arguments a = new Arguments(args, 1, keys("--command", "--options", "--input", "--output",
				"--images-per-task"), Arrays.asList("--recursive", "--overwrite"));
		FilterJob.Options o = new FilterJob.Options();
		o.command = a.required("--command");
		o.options = a.values.getOrDefault("--options", "");
		o.input = a.path("--input");
		o.output = a.path("--output");
		o.recursive = a.flag("--recursive");
		o.overwrite = a.flag("--overwrite");
		o.imagesPerTask = a.number("--images-per-task", 0, 1);
		FilterJob.Plan plan = FilterJob.prepare(o);
		out.println("filter: " + plan.files + " files in " + plan.root + ", " + plan.command + " [" + plan.options
				+ "]");
		FilterJob.Result r = withSpark("ConvKit filter", a, out, sc -> FilterJob.execute(sc, plan, out));
		out.println(String.format(Locale.ROOT, "filter: %d image(s) written to %s in %.1f s (%.1f images/s, %d "
				+ "tasks); %d file(s) skipped%s", r.written, r.output, r.seconds, r.written / r.seconds, r.tasks,
				r.skipped.size(), r.skipped.isEmpty() ? "." : ":"));
		for (FolderClassifier.Skipped s : r.skipped) out.println("  skipped " + s);
		return 0;
	}

	private static int train(String[] args, PrintStream out) throws IOException {
		Arguments a = new Arguments(args, 1, keys("--folder", "--model", "--options", "--workers", "--average"),
				Arrays.asList("--overwrite"));
		TrainJob.Options o = new TrainJob.Options();
		o.folder = a.path("--folder");
		o.model = a.path("--model");
		o.options = a.values.getOrDefault("--options", "");
		o.workers = a.number("--workers", 0, 1);
		o.averageEvery = a.number("--average", TrainJob.DEFAULT_AVERAGE_EVERY, 1);
		o.overwrite = a.flag("--overwrite");
		TrainJob.Plan plan = TrainJob.prepare(o);
		TrainingResult r = withSpark("ConvKit train", a, out, sc -> TrainJob.execute(sc, plan, out));
		EpochResult best = null;
		for (EpochResult e : r.epochs)
			if (e.best) best = e;
		if (!r.skipped.isEmpty()) {
			out.println("train: " + r.skipped.size() + " image(s) skipped (unreadable):");
			r.skipped.forEach(s -> out.println("  skipped " + s));
		}
		if (best != null && r.bestFile != null)
			out.println(String.format(Locale.ROOT, "train: best model (epoch %d, %s) saved to %s", best.epoch,
					Double.isNaN(best.validationLoss) ? String.format(Locale.ROOT, "training loss %.4f", best.trainLoss)
							: String.format(Locale.ROOT, "validation loss %.4f, accuracy %.4f", best.validationLoss,
									best.validationAccuracy), r.bestFile));
		if (r.lastFile != null && !r.epochs.isEmpty())
			out.println("train: last model (epoch " + r.epochs.get(r.epochs.size() - 1).epoch + ") saved to "
					+ r.lastFile);
		out.println("train: " + r.message);
		return r.stop == TrainingResult.Stop.DIVERGED ? 1 : 0;
	}

	/** Runs the job on a context made for it, closed afterwards. */
	private static <T> T withSpark(String app, Arguments a, PrintStream out, SparkWork<T> work) throws IOException {
		SparkConf conf = SparkSetup.conf(app, a.values.get("--master"), a.sparkConf());
		shipJobJar(conf);
		long t0 = System.nanoTime();
		try (JavaSparkContext sc = SparkSetup.context(conf)) {
			out.println(String.format(Locale.ROOT, "spark: %s, %d task slot(s), started in %.1f s", sc.master(),
					sc.defaultParallelism(), (System.nanoTime() - t0) / 1e9));
			return work.run(sc);
		} catch (ModelFileException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	/**
	 * A cluster's executors need ConvKit's classes: spark-submit ships its job jar itself; from the launcher, the
	 * job jar (mvn -Pspark package; property convkit.spark.jar) is shipped, unless the user gave the executors a
	 * class path or jars.
	 */
	static void shipJobJar(SparkConf conf) {
		if (conf.get("spark.master").startsWith("local") || conf.contains("spark.jars")
				|| conf.contains("spark.executor.extraClassPath"))
			return;
		String jar = System.getProperty("convkit.spark.jar", "");
		if (jar.isEmpty() || !Files.isRegularFile(Paths.get(jar)))
			throw new IllegalArgumentException("The cluster's executors need ConvKit's classes: build the job jar "
					+ "with 'mvn -Pspark package' (target/ConvKit_-VERSION-spark.jar) and run again, or give "
					+ "--conf spark.executor.extraClassPath=... with ConvKit's jars on a file system every machine "
					+ "sees");
		conf.set("spark.jars", jar);
	}

	interface SparkWork<T> {
		T run(JavaSparkContext sc) throws IOException, ModelFileException;
	}

	/** The innermost message: Spark wraps task failures several times. */
	static String rootMessage(Throwable t) {
		Throwable c = t;
		while (c.getCause() != null && c.getCause() != c) c = c.getCause();
		String m = c.getMessage() == null ? c.toString() : c.getMessage();
		String first = t.getMessage() == null ? "" : t.getMessage().split("\n", 2)[0];
		return c == t || first.isEmpty() ? m : first + " (" + m + ")";
	}
}
