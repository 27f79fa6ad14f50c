package org.convkit.core.cnn.classify;

import ij.ImagePlus;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns image files into CSV rows, a batch at a time: {@link #add} reads one file (ImageJ, first slice) and holds
 * it; when {@code batchSize} images are held they are predicted together and their rows written, in the order the
 * files were added. A file that cannot be read, or whose channels do not match the model, is skipped with the
 * reason. The one implementation of "file → row" behind Classify Folder with CNN... ({@link FolderClassifier}) and
 * the Spark classify job (each partition of files through one instance), so both give the same rows.
 * <p>
 * Rows: {@code file,class,probability,<p of each label>} (see {@link FolderClassifier}); probabilities as
 * {@link Float#toString(float)}. Not thread-safe (one Predictor).
 */
public final class BatchClassifier {
	private final Predictor predictor;
	private final FolderDataset.ImageReader reader;
	private final int batchSize;
	private final Writer out;
	private final List<String> names;
	private final List<ImageProcessor> images;
	private final List<FolderClassifier.Skipped> skipped = new ArrayList<>();
	private final StringBuilder row = new StringBuilder();
	private int classified, multiSlice;

	/** Rows go to {@code out} (the header is the caller's: {@link FolderClassifier#header}). */
	public BatchClassifier(Predictor predictor, FolderDataset.ImageReader reader, int batchSize, Writer out) {
		if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
		this.predictor = predictor;
		this.reader = reader == null ? FolderDataset.IMAGEJ : reader;
		this.batchSize = batchSize;
		this.out = out;
		names = new ArrayList<>(batchSize);
		images = new ArrayList<>(batchSize);
	}

	/** Reads {@code file} (named {@code name} in rows and messages); a full batch is classified and written. */
	public void add(String name, Path file) throws IOException {
		ImagePlus imp = read(file, name);
		if (imp != null) {
			ImageProcessor ip = imp.getStack().getProcessor(1);
			int channels = predictor.bundle().inputChannels();
			if (ImageTensor.channels(ip) != channels) {
				skipped.add(new FolderClassifier.Skipped(name, "is " + ImageTensor.kind(ip) + " but the model expects "
						+ (channels == 3 ? "RGB" : "grayscale") + " images"));
			} else {
				if (imp.getStackSize() > 1) multiSlice++;
				names.add(name);
				images.add(ip);
			}
		}
		if (images.size() == batchSize) flush();
	}

	/** Classifies and writes the images held (a partial batch); the writer is flushed. */
	public void flush() throws IOException {
		if (images.isEmpty()) return;
		float[][] p = predictor.predict(images);
		List<String> labels = predictor.labels();
		for (int i = 0; i < p.length; i++) {
			int best = Evaluation.argMax(p[i]);
			row.setLength(0);
			row.append(FolderClassifier.csv(names.get(i))).append(',').append(FolderClassifier.csv(labels.get(best)))
					.append(',').append(Float.toString(p[i][best]));
			for (float v : p[i]) row.append(',').append(Float.toString(v));
			out.write(row.append('\n').toString());
		}
		out.flush(); // each batch's rows reach the file before the next batch is read
		classified += p.length;
		names.clear();
		images.clear();
	}

	/** Rows written so far. */
	public int classified() {
		return classified;
	}

	/** Classified files that had more than one slice (only the first was classified). */
	public int multiSlice() {
		return multiSlice;
	}

	/** Files skipped so far, in the order they were added. */
	public List<FolderClassifier.Skipped> skipped() {
		return skipped;
	}

	private ImagePlus read(Path file, String name) {
		try {
			ImagePlus imp = reader.read(file);
			if (imp == null) {
				skipped.add(new FolderClassifier.Skipped(name, "not an image ImageJ can read"));
				return null;
			}
			if (imp.getStackSize() < 1 || imp.getWidth() < 1 || imp.getHeight() < 1
					|| imp.getStack().getPixels(1) == null) { // e.g. a text file ImageJ read as an empty text image
				skipped.add(new FolderClassifier.Skipped(name, "not an image ImageJ can read (no pixels)"));
				return null;
			}
			return imp;
		} catch (Exception | LinkageError e) {
			skipped.add(new FolderClassifier.Skipped(name, "cannot be read (" + e + ")"));
			return null;
		}
	}
}
