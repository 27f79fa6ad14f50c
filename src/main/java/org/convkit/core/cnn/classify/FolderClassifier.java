package org.convkit.core.cnn.classify;

import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.io.AtomicFiles;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Classifies every image file of a folder into one CSV file, streaming: images are read and predicted in batches
 * of {@link #batchSize} ({@link BatchClassifier}) and each batch's rows are written before the next batch is read,
 * so memory holds at most one batch of images however large the folder (only the list of file names is kept).
 * <p>
 * Files ({@link FolderListing}): sorted by name, hidden files and folders (name starting with '.') skipped, subfolders
 * entered only when {@link #recursive}, depth first in name order (symbolic links to folders are not followed: no
 * cycles). Each file is read with {@link FolderDataset#IMAGEJ} (ImageJ's Opener, silent); of a multi-slice file only the FIRST slice is
 * classified (counted in {@link Result#multiSlice}). A file that cannot be read, or whose channels do not match the
 * model, is skipped and listed with the reason.
 * <p>
 * CSV: UTF-8, '\n' line ends, header {@code file,class,probability,<label 1>,...,<label n>}; one row per classified
 * file: its path relative to the folder with '/' separators, the predicted class, its probability, then the
 * probability of each class in label order. Probabilities are {@link Float#toString(float)}, which reads back to
 * the identical float. Fields with a comma, quote or line break are quoted (RFC 4180).
 * <p>
 * Writing: to a hidden temporary file in the output's folder, renamed to the output at the end; an existing output
 * is replaced only with {@link #overwrite}. On cancel or any error the temporary file is removed and the output is
 * untouched.
 */
public final class FolderClassifier {
	/**
	 * Called after each file; {@code done} counts the files handled (read and skipped, or held for the batch in
	 * progress, or classified and written).
	 */
	public interface Progress {
		void update(int done, int total);
	}

	/** A file that was not classified, and why. */
	public static final class Skipped implements Serializable {
		private static final long serialVersionUID = 1L;
		public final String file, reason;

		public Skipped(String file, String reason) {
			this.file = file;
			this.reason = reason;
		}

		@Override
		public String toString() {
			return file + ": " + reason;
		}
	}

	/** What a run did. */
	public static final class Result {
		/** The CSV written, or null when cancelled. */
		public final Path output;
		public final int classified, multiSlice;
		public final List<Skipped> skipped;
		public final boolean cancelled;

		Result(Path output, int classified, int multiSlice, List<Skipped> skipped, boolean cancelled) {
			this.output = output;
			this.classified = classified;
			this.multiSlice = multiSlice;
			this.skipped = Collections.unmodifiableList(skipped);
			this.cancelled = cancelled;
		}
	}

	private final Predictor predictor;
	private boolean recursive, overwrite;
	private int batchSize = Predictor.DEFAULT_BATCH;
	private FolderDataset.ImageReader reader = FolderDataset.IMAGEJ;
	private Progress progress = (d, t) -> {};
	private volatile boolean cancelled;

	public FolderClassifier(Predictor predictor) {
		if (predictor == null) throw new IllegalArgumentException("model missing");
		this.predictor = predictor;
	}

	/** Also classify the files of subfolders (paths in the CSV then contain '/'). */
	public FolderClassifier recursive(boolean v) {
		recursive = v;
		return this;
	}

	/** Replace an existing output file (default: an existing file is an error and stays as it is). */
	public FolderClassifier overwrite(boolean v) {
		overwrite = v;
		return this;
	}

	/** Images read and predicted together (default {@link Predictor#DEFAULT_BATCH}); bounds the memory used. */
	public FolderClassifier batchSize(int n) {
		if (n < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + n);
		batchSize = n;
		return this;
	}

	/** How files are opened (tests count reads with it). */
	public FolderClassifier reader(FolderDataset.ImageReader r) {
		reader = r == null ? FolderDataset.IMAGEJ : r;
		return this;
	}

	public FolderClassifier progress(Progress p) {
		progress = p == null ? (d, t) -> {} : p;
		return this;
	}

	/** Stops after the current file (any thread, e.g. on Esc); nothing is written. */
	public void cancel() {
		cancelled = true;
	}

	/**
	 * Classifies the folder into {@code output}.
	 *
	 * @throws IllegalArgumentException with a user-readable message for a missing folder, an existing output (without
	 *                                  overwrite), an output folder that does not exist or is not writable, or a
	 *                                  folder with no image that could be classified; nothing is written then
	 * @throws IOException              when writing fails (the output is left as it was)
	 */
	public Result classify(Path folder, Path output) throws IOException {
		if (folder == null || !Files.isDirectory(folder))
			throw new IllegalArgumentException("The folder " + folder + " does not exist");
		if (output == null) throw new IllegalArgumentException("output file missing");
		Path root = folder.toAbsolutePath().normalize();
		Path target = output.toAbsolutePath().normalize();
		checkOutput(target, overwrite);
		List<Skipped> skipped = new ArrayList<>();
		List<String> files = FolderListing.list(root, recursive, target, skipped);
		if (files.isEmpty()) throw noFiles(root, recursive, skipped);

		Path tmp;
		try {
			tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
		} catch (IOException | SecurityException e) {
			throw new IllegalArgumentException("Cannot write " + target + ": the folder " + target.getParent()
					+ " is not writable (" + e.getMessage() + ")");
		}
		boolean moved = false;
		try {
			BatchClassifier batches;
			try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
					Writer w = new BufferedWriter(new OutputStreamWriter(fos, StandardCharsets.UTF_8))) {
				w.write(header(predictor.labels()));
				batches = new BatchClassifier(predictor, reader, batchSize, w);
				for (int i = 0; i < files.size() && !cancelled; i++) {
					String name = files.get(i);
					batches.add(name, root.resolve(name));
					if (i == files.size() - 1) batches.flush();
					progress.update(i + 1, files.size());
				}
				w.flush();
				fos.getFD().sync(); // on disk before the rename makes it visible under the real name
			}
			skipped.addAll(batches.skipped());
			int classified = batches.classified(), multi = batches.multiSlice();
			if (cancelled) return new Result(null, classified, multi, skipped, true);
			if (classified == 0) throw noneClassified(root, files.size(), skipped);
			moveIntoPlace(tmp, target, overwrite);
			moved = true;
			return new Result(target, classified, multi, skipped, false);
		} finally {
			if (!moved) {
				try {
					Files.deleteIfExists(tmp);
				} catch (IOException ignored) {
					// the real error (or the cancel) is already on its way
				}
			}
		}
	}

	/** The error for a folder without files to classify. */
	public static IllegalArgumentException noFiles(Path root, boolean recursive, List<Skipped> skipped) {
		return new IllegalArgumentException("The folder " + root + " has no files to classify (hidden files are "
				+ "ignored" + (recursive ? ")" : "; add recursive to include subfolders)")
				+ (skipped.isEmpty() ? "" : "; " + skipped.get(0)));
	}

	/** The error for a folder none of whose files could be classified. */
	public static IllegalArgumentException noneClassified(Path root, int files, List<Skipped> skipped) {
		return new IllegalArgumentException("None of the " + files + " files in " + root + " could be classified "
				+ "(first: " + skipped.get(0) + ")");
	}

	/**
	 * Checks that {@code target} (absolute) can be written: its folder exists and is writable, it is not a folder,
	 * and it does not exist unless {@code overwrite}.
	 *
	 * @throws IllegalArgumentException naming the problem
	 */
	public static void checkOutput(Path target, boolean overwrite) {
		Path dir = target.getParent();
		if (dir == null || !Files.isDirectory(dir))
			throw new IllegalArgumentException("Cannot write " + target + ": the folder " + dir + " does not exist");
		if (Files.isDirectory(target))
			throw new IllegalArgumentException("Cannot write " + target + ": it is a folder");
		if (!overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw alreadyExists(target);
		if (!Files.isWritable(dir))
			throw new IllegalArgumentException("Cannot write " + target + ": the folder " + dir + " is not writable");
	}

	private static IllegalArgumentException alreadyExists(Path target) {
		return new IllegalArgumentException("The file " + target + " already exists (add overwrite to replace it)");
	}

	/** Renames the finished temporary file to the output; never replaces an existing file unless overwrite. */
	public static void moveIntoPlace(Path tmp, Path target, boolean overwrite) throws IOException {
		try {
			AtomicFiles.moveIntoPlace(tmp, target, overwrite); // never replaces unasked
		} catch (FileAlreadyExistsException e) {
			throw alreadyExists(target);
		}
	}

	/** The CSV header line: file,class,probability, then the labels. */
	public static String header(List<String> labels) {
		StringBuilder sb = new StringBuilder("file,class,probability");
		for (String l : labels) sb.append(',').append(csv(l));
		return sb.append('\n').toString();
	}

	/** A CSV field: quoted (inner quotes doubled) when it holds a comma, quote or line break. */
	public static String csv(String field) {
		if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0)
			return field;
		return '"' + field.replace("\"", "\"\"") + '"';
	}
}
