package org.convkit.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.convkit.core.cnn.classify.BatchClassifier;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.classify.FolderListing;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.train.Predictor;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

/**
 * Classify Folder with CNN... as a Spark job: every image under a folder (with {@link Options#recursive}, also in
 * subfolders) through a ConvKit model into one CSV, the same rows as the menu command writes ({@link FolderListing}
 * picks and orders the files, {@link BatchClassifier} turns them into rows).
 * <ul>
 * <li>The model file's bytes are broadcast once; each executor reads them once with ConvKit's safe model reader
 * and keeps one network per task slot.</li>
 * <li>The sorted file list is cut into tasks of whole batches; each task classifies its files in batches and
 * writes its rows to a part file of its own attempt. The driver takes exactly one part per task (the attempt that
 * Spark reports as successful), so a task retried after an executor died gives no duplicate or missing rows.</li>
 * <li>Default output: one CSV, the parts concatenated in file order into a temporary file beside the output and
 * renamed to it at the end (streamed: the driver holds no rows). {@link Options#partitioned}: a folder of part
 * files, each a CSV with the header, renamed into place at the end.</li>
 * <li>Files that are not images, damaged, or of the wrong type for the model are skipped, counted and listed.</li>
 * </ul>
 * Every machine must see the input, the model and the output's folder under the same path (one machine, or a
 * shared file system).
 */
public final class ClassifyJob {
	/** What to classify and where to. */
	public static final class Options {
		public Path model, input, output;
		public boolean recursive, overwrite;
		/** Output a folder of part files instead of one CSV. */
		public boolean partitioned;
		/** Images predicted together. */
		public int batch = Predictor.DEFAULT_BATCH;
		/** Images per Spark task; 0 = chosen from the folder size and the cluster's cores. */
		public int imagesPerTask;
		/** How executors open files (tests fail or count reads with it); null = ImageJ. */
		Reader reader;
	}

	/** A file reader that can travel to executors. */
	interface Reader extends FolderDataset.ImageReader, Serializable {
	}

	/** What a run did. */
	public static final class Result {
		/** The CSV, or the folder of part files. */
		public final Path output;
		public final int files, classified, multiSlice, tasks;
		public final List<FolderClassifier.Skipped> skipped;
		/** Wall time of the Spark job, writing included (not the start of Spark). */
		public final double seconds;

		Result(Path output, int files, int classified, int multiSlice, int tasks, List<FolderClassifier.Skipped> skipped,
				double seconds) {
			this.output = output;
			this.files = files;
			this.classified = classified;
			this.multiSlice = multiSlice;
			this.tasks = tasks;
			this.skipped = Collections.unmodifiableList(skipped);
			this.seconds = seconds;
		}
	}

	private ClassifyJob() {
	}

	/** spark-submit entry: {@code classify --model M.zip --input DIR --output OUT.csv [...]}, see SparkJobs. */
	public static void main(String[] args) {
		SparkJobs.exit(SparkJobs.run(SparkJobs.prepend(SparkJobs.CLASSIFY, args), System.out, System.err));
	}

	/**
	 * Classifies on the context's cluster (or embedded), with progress on {@code console}.
	 *
	 * @throws IllegalArgumentException with a user-readable message for a missing folder, a bad model, an existing
	 *                                  output without overwrite, an output folder that is missing or not writable,
	 *                                  or nothing to classify; nothing is written then
	 * @throws IOException              when writing fails (the output is left as it was)
	 */
	public static Result run(JavaSparkContext sc, Options o, PrintStream console) throws IOException {
		return execute(sc, prepare(o), console);
	}

	/** The checked job: everything decided before Spark is needed (bad input fails here, before a cluster starts). */
	static final class Plan {
		final Options options;
		final Path root, target;
		final List<String> labels, files;
		final List<FolderClassifier.Skipped> skipped;

		Plan(Options options, Path root, Path target, List<String> labels, List<String> files,
				List<FolderClassifier.Skipped> skipped) {
			this.options = options;
			this.root = root;
			this.target = target;
			this.labels = labels;
			this.files = files;
			this.skipped = skipped;
		}
	}

	static Plan prepare(Options o) {
		if (o.input == null || !Files.isDirectory(o.input))
			throw new IllegalArgumentException("The folder " + o.input + " does not exist");
		if (o.batch < 1) throw new IllegalArgumentException("The batch size must be at least 1, got " + o.batch);
		Path root = o.input.toAbsolutePath().normalize();
		Path target = o.output.toAbsolutePath().normalize();
		checkOutput(target, root, o);
		List<String> labels = readModel(o.model).labels();
		List<FolderClassifier.Skipped> skipped = new ArrayList<>();
		List<String> files = FolderListing.list(root, o.recursive, o.partitioned ? null : target, skipped);
		if (files.isEmpty())
			throw new IllegalArgumentException("The folder " + root + " has no files to classify (hidden files are "
					+ "ignored" + (o.recursive ? ")" : "; add --recursive to include subfolders)"));
		return new Plan(o, root, target, labels, files, skipped);
	}

	static Result execute(JavaSparkContext sc, Plan plan, PrintStream console) throws IOException {
		long started = System.nanoTime();
		Options o = plan.options;
		Path root = plan.root, target = plan.target;
		List<String> labels = plan.labels, files = plan.files;
		List<FolderClassifier.Skipped> skipped = new ArrayList<>(plan.skipped);
		List<Chunk> chunks = chunks(files, imagesPerTask(o, files.size(), sc.defaultParallelism()));
		Path staging = Staging.create(target);
		Broadcast<byte[]> model = sc.broadcast(Files.readAllBytes(o.model.toAbsolutePath()));
		String group = "convkit-classify-" + UUID.randomUUID();
		long[] sizes = chunks.stream().mapToLong(c -> c.names.size()).toArray();
		JobProgress progress = new JobProgress("classify", "files", group, sizes, console);
		sc.sc().addSparkListener(progress);
		try {
			sc.setJobGroup(group, "ConvKit classify " + root, false);
			List<Part> parts = new ArrayList<>(sc.parallelize(chunks, chunks.size()).mapPartitionsWithIndex(
					new Task(model, group, root.toString(), staging.toString(), labels, o.batch, o.reader), false)
					.collect());
			progress.finish();
			parts.sort(Comparator.comparingInt(p -> p.index));
			int classified = 0, multi = 0;
			for (Part p : parts) {
				classified += p.classified;
				multi += p.multiSlice;
				skipped.addAll(p.skipped);
			}
			if (classified == 0)
				throw new IllegalArgumentException("None of the " + files.size() + " files in " + root + " could be "
						+ "classified (first: " + skipped.get(0) + ")");
			if (o.partitioned) publishParts(parts, staging, target, o.overwrite);
			else merge(parts, staging, target, labels, o.overwrite);
			return new Result(target, files.size(), classified, multi, chunks.size(), skipped,
					(System.nanoTime() - started) / 1e9);
		} finally {
			sc.sc().removeSparkListener(progress);
			sc.clearJobGroup();
			model.destroy();
			Staging.delete(staging);
		}
	}

	private static void checkOutput(Path target, Path root, Options o) {
		if (o.output == null) throw new IllegalArgumentException("No output given");
		if (!o.overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS))
			throw new IllegalArgumentException("The " + (o.partitioned ? "folder " : "file ") + target + " already "
					+ "exists (add --overwrite to replace it)");
		if (o.partitioned) {
			Path dir = target.getParent();
			if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir))
				throw new IllegalArgumentException("Cannot write " + target + ": the folder " + dir
						+ " does not exist or is not writable");
			if (target.startsWith(root))
				throw new IllegalArgumentException("The output folder " + target + " is inside the input folder "
						+ root + ": choose another place");
			if (Files.exists(target) && !Files.isDirectory(target))
				throw new IllegalArgumentException("Cannot write the folder " + target + ": a file has that name");
		} else {
			FolderClassifier.checkOutput(target, true);
		}
	}

	private static ModelBundle readModel(Path model) {
		if (model == null) throw new IllegalArgumentException("No model given");
		try {
			return ModelBundleIO.read(model.toAbsolutePath());
		} catch (ModelFileException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	/**
	 * Whole batches per task: about four tasks per core (load balance, a lost task costs little, progress moves),
	 * from 1 to 16 batches.
	 */
	static int imagesPerTask(Options o, int files, int cores) {
		if (o.imagesPerTask > 0) return o.imagesPerTask;
		int target = (int) Math.ceil(files / (4.0 * Math.max(1, cores)));
		int batches = Math.max(1, Math.min(16, (target + o.batch - 1) / o.batch));
		return batches * o.batch;
	}

	/** Consecutive runs of the sorted file list, so parts in task order are rows in file order. */
	static List<Chunk> chunks(List<String> files, int size) {
		List<Chunk> out = new ArrayList<>();
		for (int from = 0, i = 0; from < files.size(); from += size, i++)
			out.add(new Chunk(i, new ArrayList<>(files.subList(from, Math.min(files.size(), from + size)))));
		return out;
	}

	/** Concatenates the parts (without their headers) into one CSV beside the target, then renames it. */
	private static void merge(List<Part> parts, Path staging, Path target, List<String> labels, boolean overwrite)
			throws IOException {
		byte[] header = FolderClassifier.header(labels).getBytes(StandardCharsets.UTF_8);
		Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
		try {
			try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
				out.write(java.nio.ByteBuffer.wrap(header));
				for (Part p : parts)
					try (FileChannel in = FileChannel.open(staging.resolve(p.file), StandardOpenOption.READ)) {
						long pos = header.length, size = in.size();
						while (pos < size) pos += in.transferTo(pos, size - pos, out);
					}
				out.force(true);
			}
			FolderClassifier.moveIntoPlace(tmp, target, overwrite);
		} catch (IllegalArgumentException e) { // appeared meanwhile
			throw new IllegalArgumentException(e.getMessage().replace("add overwrite", "add --overwrite"), e);
		} finally {
			Files.deleteIfExists(tmp);
		}
	}

	/** Names the successful attempts part-NNNNN.csv, drops the others, and renames the folder into place. */
	private static void publishParts(List<Part> parts, Path staging, Path target, boolean overwrite) throws IOException {
		List<String> keep = new ArrayList<>();
		for (Part p : parts) {
			String name = String.format("part-%05d.csv", p.index);
			Files.move(staging.resolve(p.file), staging.resolve(name));
			keep.add(name);
		}
		try (java.util.stream.Stream<Path> s = Files.list(staging)) {
			for (Path p : (Iterable<Path>) s::iterator)
				if (!keep.contains(p.getFileName().toString())) Files.deleteIfExists(p);
		}
		Path old = null;
		if (Files.exists(target)) {
			if (!overwrite) throw new IllegalArgumentException("The folder " + target + " already exists (add "
					+ "--overwrite to replace it)");
			old = target.resolveSibling("." + target.getFileName() + ".convkit-old-" + UUID.randomUUID());
			Files.move(target, old);
		}
		Files.move(staging, target);
		Staging.delete(old);
	}

	/** A run of consecutive files of the list: one task. */
	static final class Chunk implements Serializable {
		private static final long serialVersionUID = 1L;
		final int index;
		final List<String> names;

		Chunk(int index, List<String> names) {
			this.index = index;
			this.names = names;
		}
	}

	/** What one task attempt wrote. */
	static final class Part implements Serializable {
		private static final long serialVersionUID = 1L;
		final int index, classified, multiSlice;
		final String file;
		final List<FolderClassifier.Skipped> skipped;

		Part(int index, String file, int classified, int multiSlice, List<FolderClassifier.Skipped> skipped) {
			this.index = index;
			this.file = file;
			this.classified = classified;
			this.multiSlice = multiSlice;
			this.skipped = new ArrayList<>(skipped);
		}
	}

	/** Executor side: one chunk of files into one part file of this attempt. */
	static final class Task implements Function2<Integer, Iterator<Chunk>, Iterator<Part>> {
		private static final long serialVersionUID = 1L;
		private static final String MODELS = "classify-model";
		private final Broadcast<byte[]> model;
		private final String job, root, staging;
		private final List<String> labels;
		private final int batch;
		private final Reader reader;

		Task(Broadcast<byte[]> model, String job, String root, String staging, List<String> labels, int batch,
				Reader reader) {
			this.reader = reader;
			this.model = model;
			this.job = job;
			this.root = root;
			this.staging = staging;
			this.labels = new ArrayList<>(labels);
			this.batch = batch;
		}

		@Override
		public Iterator<Part> call(Integer partition, Iterator<Chunk> chunks) throws IOException {
			List<Part> out = new ArrayList<>();
			TaskContext tc = TaskContext.get();
			String attempt = tc == null ? "0-0" : tc.stageAttemptNumber() + "-" + tc.attemptNumber();
			ModelBundle bundle = ExecutorCache.borrow(MODELS, job, () -> readBroadcastModel(model.value()));
			try {
				while (chunks.hasNext()) {
					Chunk c = chunks.next();
					String file = String.format("part-%05d.attempt-%s.csv", c.index, attempt);
					Path dir = Paths.get(staging), base = Paths.get(root);
					BatchClassifier bc;
					try (FileOutputStream fos = new FileOutputStream(dir.resolve(file).toFile());
							Writer w = new BufferedWriter(new OutputStreamWriter(fos, StandardCharsets.UTF_8))) {
						w.write(FolderClassifier.header(labels));
						bc = new BatchClassifier(new Predictor(bundle, batch), reader, batch, w);
						for (String name : c.names) bc.add(name, base.resolve(name));
						bc.flush();
						w.flush();
						fos.getFD().sync();
					}
					out.add(new Part(c.index, file, bc.classified(), bc.multiSlice(), bc.skipped()));
				}
			} finally {
				ExecutorCache.release(MODELS, job, bundle);
			}
			return out.iterator();
		}
	}

	/** The broadcast model file, read with ConvKit's safe reader (one network per task slot). */
	static ModelBundle readBroadcastModel(byte[] bytes) {
		try {
			Path tmp = Files.createTempFile("convkit-model", ".zip");
			try {
				Files.write(tmp, bytes);
				return ModelBundleIO.read(tmp);
			} finally {
				Files.deleteIfExists(tmp);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
