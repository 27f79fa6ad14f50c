package org.convkit.spark;

import ij.ImagePlus;
import ij.io.FileSaver;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.classify.FolderListing;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.plugins.filters.FilterCommands;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Apply Kernel, High-pass Filter or Edge Detection over a folder as a Spark job, driven by the command's macro
 * options ({@link FilterCommands}: the same pixels as the menu command). Each image ImageJ reads (first the folder's
 * own files; with {@link Options#recursive} also its subfolders) is filtered as the macro line would filter it once
 * opened, and its result is written as a TIFF at the same relative path under the output folder, with the extension
 * {@code .tif} ({@code a/b.png} → {@code a/b.tif}; a {@code .tif}/{@code .tiff} name is kept). An image the command
 * rejects (e.g. a kernel larger than it) or that cannot be read is skipped and listed.
 * <p>
 * Inputs are never overwritten: the output folder may not be the input folder, inside it, or contain it. Files go to
 * a hidden staging folder beside the output, each written whole (a retried task rewrites a file, never half of it);
 * at the end a new output folder is renamed into place, or, with {@link Options#overwrite} into an existing one, each
 * file is moved in (replacing what has its name, leaving the rest). A failed job leaves the output as it was.
 */
public final class FilterJob {
	/** What to filter, how, and where to. */
	public static final class Options {
		/** "Apply Kernel...", "High-pass Filter..." or "Edge Detection...". */
		public String command;
		/** The command's macro options, e.g. {@code "preset=[Sobel X] border=Reflect output=32-bit"}. */
		public String options = "";
		public Path input, output;
		public boolean recursive, overwrite;
		/** Images per Spark task; 0 = chosen from the folder size and the cluster's cores. */
		public int imagesPerTask;
	}

	/** What a run did. */
	public static final class Result {
		public final Path output;
		public final int files, written, tasks;
		public final List<FolderClassifier.Skipped> skipped;
		/** Wall time of the Spark job, writing included (not the start of Spark). */
		public final double seconds;

		Result(Path output, int files, int written, int tasks, List<FolderClassifier.Skipped> skipped, double seconds) {
			this.output = output;
			this.files = files;
			this.written = written;
			this.tasks = tasks;
			this.skipped = Collections.unmodifiableList(skipped);
			this.seconds = seconds;
		}
	}

	private FilterJob() {
	}

	/** spark-submit entry: {@code filter --command "Apply Kernel..." --options "..." --input DIR --output DIR}. */
	public static void main(String[] args) {
		SparkJobs.exit(SparkJobs.run(SparkJobs.prepend(SparkJobs.FILTER, args), System.out, System.err));
	}

	/**
	 * Filters on the context's cluster (or embedded), with progress on {@code console}.
	 *
	 * @throws IllegalArgumentException with the command's message for bad options, or for a missing input, an output
	 *                                  that would overwrite inputs or exists without overwrite, nothing to filter
	 * @throws IOException              when writing fails (the output is left as it was)
	 */
	public static Result run(JavaSparkContext sc, Options o, PrintStream console) throws IOException {
		return execute(sc, prepare(o), console);
	}

	/** The checked job: everything decided before Spark is needed (bad input fails here, before a cluster starts). */
	static final class Plan {
		final String command, options;
		final Path root, target;
		final int files, imagesPerTask;
		final List<String[]> work;
		final List<FolderClassifier.Skipped> skipped;

		Plan(String command, String options, Path root, Path target, int files, List<String[]> work,
				List<FolderClassifier.Skipped> skipped, int imagesPerTask) {
			this.command = command;
			this.options = options;
			this.root = root;
			this.target = target;
			this.files = files;
			this.work = work;
			this.skipped = skipped;
			this.imagesPerTask = imagesPerTask;
		}
	}

	static Plan prepare(Options o) throws IOException {
		String command = FilterCommands.canonical(o.command);
		String options = o.options == null ? "" : o.options.trim();
		FilterCommands.check(command, options);
		if (o.input == null || !Files.isDirectory(o.input))
			throw new IllegalArgumentException("The folder " + o.input + " does not exist");
		if (o.output == null) throw new IllegalArgumentException("No output folder given");
		Path root = o.input.toAbsolutePath().normalize(), target = o.output.toAbsolutePath().normalize();
		checkOutput(root, target, o.overwrite);
		List<FolderClassifier.Skipped> skipped = new ArrayList<>();
		List<String> files = FolderListing.list(root, o.recursive, null, skipped);
		if (files.isEmpty())
			throw new IllegalArgumentException("The folder " + root + " has no files to filter (hidden files are "
					+ "ignored" + (o.recursive ? ")" : "; add --recursive to include subfolders)"));
		List<String[]> work = new ArrayList<>(); // {input name, output name}
		Map<String, String> taken = new HashMap<>();
		for (String f : files) {
			String out = outputName(f), first = taken.putIfAbsent(out.toLowerCase(Locale.ROOT), f);
			if (first == null) work.add(new String[] { f, out });
			else skipped.add(new FolderClassifier.Skipped(f, "its output " + out + " is already the output of " + first));
		}
		return new Plan(command, options, root, target, files.size(), work, skipped, o.imagesPerTask);
	}

	static Result execute(JavaSparkContext sc, Plan plan, PrintStream console) throws IOException {
		long started = System.nanoTime();
		String command = plan.command, options = plan.options;
		Path root = plan.root, target = plan.target;
		List<String[]> work = plan.work;
		List<FolderClassifier.Skipped> skipped = new ArrayList<>(plan.skipped);
		int per = plan.imagesPerTask > 0 ? plan.imagesPerTask
				: Math.max(1, Math.min(256, (int) Math.ceil(work.size() / (4.0 * sc.defaultParallelism()))));
		List<List<String[]>> chunks = new ArrayList<>();
		for (int i = 0; i < work.size(); i += per) chunks.add(new ArrayList<>(work.subList(i, Math.min(work.size(), i + per))));
		Path staging = Staging.create(target);
		String group = "convkit-filter-" + UUID.randomUUID();
		JobProgress progress = new JobProgress("filter", "files", group,
				chunks.stream().mapToLong(List::size).toArray(), console);
		sc.sc().addSparkListener(progress);
		try {
			sc.setJobGroup(group, "ConvKit " + command + " " + root, false);
			List<Outcome> outcomes = sc.parallelize(chunks, chunks.size())
					.flatMap(new Task(command, options, root.toString(), staging.toString())).collect();
			progress.finish();
			int written = 0;
			for (Outcome x : outcomes) {
				if (x.skipped == null) written++;
				else skipped.add(x.skipped);
			}
			if (written == 0)
				throw new IllegalArgumentException("None of the " + plan.files + " files in " + root + " could be "
						+ "filtered (first: " + skipped.get(0) + ")");
			publish(staging, target);
			return new Result(target, plan.files, written, chunks.size(), skipped,
					(System.nanoTime() - started) / 1e9);
		} finally {
			sc.sc().removeSparkListener(progress);
			sc.clearJobGroup();
			Staging.delete(staging);
		}
	}

	/** {@code a/b.png} → {@code a/b.tif}; TIFF names are kept. */
	static String outputName(String input) {
		String lower = input.toLowerCase(Locale.ROOT);
		if (lower.endsWith(".tif") || lower.endsWith(".tiff")) return input;
		int slash = input.lastIndexOf('/'), dot = input.lastIndexOf('.');
		return (dot > slash + 1 ? input.substring(0, dot) : input) + ".tif";
	}

	private static void checkOutput(Path root, Path target, boolean overwrite) throws IOException {
		if (target.equals(root) || target.startsWith(root) || root.startsWith(target))
			throw new IllegalArgumentException("The output folder " + target + " " + (target.equals(root) ? "is"
					: target.startsWith(root) ? "is inside" : "contains") + " the input folder " + root
					+ ": choose a folder apart from it (input files are never overwritten)");
		Path dir = target.getParent();
		if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir))
			throw new IllegalArgumentException("Cannot write " + target + ": the folder " + dir + " does not exist or "
					+ "is not writable");
		if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			if (!Files.isDirectory(target))
				throw new IllegalArgumentException("Cannot write the folder " + target + ": a file has that name");
			boolean empty;
			try (Stream<Path> s = Files.list(target)) {
				empty = !s.findAny().isPresent();
			}
			if (!empty && !overwrite)
				throw new IllegalArgumentException("The folder " + target + " already exists and is not empty (add "
						+ "--overwrite to write into it, replacing files of the same names)");
		}
	}

	/** A new output: the staging folder renamed; an existing one: each file moved in. */
	private static void publish(Path staging, Path target) throws IOException {
		if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			Files.move(staging, target);
			return;
		}
		List<Path> written = new ArrayList<>();
		try (Stream<Path> s = Files.walk(staging)) {
			s.filter(Files::isRegularFile).forEach(written::add);
		}
		for (Path p : written) {
			Path to = target.resolve(staging.relativize(p).toString());
			Files.createDirectories(to.getParent());
			Staging.move(p, to);
		}
	}

	/** One input's result: written (skipped == null) or skipped with the reason. */
	static final class Outcome implements Serializable {
		private static final long serialVersionUID = 1L;
		final FolderClassifier.Skipped skipped;

		Outcome(FolderClassifier.Skipped skipped) {
			this.skipped = skipped;
		}
	}

	/** Executor side: reads, filters and writes the images of one task. */
	static final class Task implements FlatMapFunction<List<String[]>, Outcome> {
		private static final long serialVersionUID = 1L;
		private final String command, options, root, staging;

		Task(String command, String options, String root, String staging) {
			this.command = command;
			this.options = options;
			this.root = root;
			this.staging = staging;
		}

		@Override
		public Iterator<Outcome> call(List<String[]> work) throws IOException {
			List<Outcome> out = new ArrayList<>();
			for (String[] w : work) out.add(filter(w[0], w[1]));
			return out.iterator();
		}

		private Outcome filter(String name, String outName) throws IOException {
			ImagePlus imp;
			try {
				imp = FolderDataset.IMAGEJ.read(Paths.get(root).resolve(name));
			} catch (Exception | LinkageError e) {
				return skip(name, "cannot be read (" + e + ")");
			}
			if (imp == null || imp.getStackSize() < 1 || imp.getStack().getPixels(1) == null)
				return skip(name, "not an image ImageJ can read");
			ImagePlus result;
			try {
				result = FilterCommands.apply(command, imp, options);
			} catch (IllegalArgumentException e) {
				return skip(name, e.getMessage());
			}
			Path file = Paths.get(staging).resolve(outName);
			Staging.writeWhole(file, tmp -> {
				if (!new FileSaver(result).saveAsTiff(tmp.toString())) throw new IOException("could not write " + tmp);
			});
			return new Outcome(null);
		}

		private static Outcome skip(String name, String reason) {
			return new Outcome(new FolderClassifier.Skipped(name, reason));
		}
	}
}
