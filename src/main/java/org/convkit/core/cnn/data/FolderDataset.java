package org.convkit.core.cnn.data;

import org.convkit.core.cnn.input.ImageTensor;
import ij.ImagePlus;
import org.convkit.core.io.ImageFileReader;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A folder with one subfolder per class (the Keras/PyTorch layout): {@code root/cells/a.tif, root/debris/b.png}.
 * Class names are the subfolder names, sorted; each class folder's files (not its subfolders) are the examples,
 * sorted by name. Hidden files and folders (name starting with '.') and files directly in the root are ignored.
 * <p>
 * Reading is lazy: the constructor lists the files and opens only a PROBE of them (all when there are at most
 * {@code probeLimit}, else {@code probeLimit} evenly spaced ones) to find the most common size, the image kind
 * (8/16/32-bit or RGB) and unreadable files. Later files are opened only when a batch needs them, with ImageJ's
 * Opener (first slice of a multi-slice file). A file ImageJ cannot read is skipped and listed with the
 * reason (see {@link ImageFileReader}); an image of another kind than the others is an error naming both files (convert
 * them to one type first).
 */
public final class FolderDataset implements Dataset {
	/** Default number of files opened up front. */
	public static final int DEFAULT_PROBE = 500;

	/** Opens one file; the hook lets tests count reads. Returns null or throws when the file is unreadable. */
	public interface ImageReader {
		ImagePlus read(Path file) throws Exception;
	}

	/**
	 * ImageJ's Opener after {@link ImageFileReader}'s checks: a broken file throws an IOException with the reason instead
	 * of raising an ImageJ error (which would abort a running macro).
	 */
	public static final ImageReader IMAGEJ = file -> new ImageFileReader().read(file);

	private final Path root;
	private final ImageReader reader;
	private final List<String> classes;
	private final List<Path> files = new ArrayList<>();
	private final int[] labels;
	/** Unreadable examples by index (sorted, so the list does not depend on the order of parallel reads). */
	private final Map<Integer, String> bad = new TreeMap<>();
	private int[] commonSize;
	private String kind, kindExample;
	private int channels;

	/** The folder, read with ImageJ and the default probe (each file is checked once, see {@link ImageFileReader}). */
	public FolderDataset(Path root) {
		this(root, DEFAULT_PROBE, new ImageFileReader()::read);
	}

	/**
	 * @param probeLimit how many files to open up front (at least 1)
	 * @throws IllegalArgumentException when the folder does not exist, has fewer than 2 class subfolders, a class
	 *                                  folder has no files, no probed file is readable, or the probed images mix kinds
	 */
	public FolderDataset(Path root, int probeLimit, ImageReader reader) {
		if (root == null || !Files.isDirectory(root))
			throw new IllegalArgumentException("The folder " + root + " does not exist");
		this.root = root;
		this.reader = reader;
		List<Path> dirs = new ArrayList<>();
		for (Path p : list(root))
			if (Files.isDirectory(p)) dirs.add(p);
		if (dirs.isEmpty())
			throw new IllegalArgumentException("The folder " + root + " has no class subfolders: put the images of each"
					+ " class in a subfolder named after the class (e.g. " + root.resolve("cells") + ", "
					+ root.resolve("debris") + ")");
		if (dirs.size() < 2)
			throw new IllegalArgumentException("The folder " + root + " has only one class subfolder ('"
					+ dirs.get(0).getFileName() + "'): training needs at least 2 classes");
		List<String> names = new ArrayList<>();
		List<Integer> lab = new ArrayList<>();
		for (Path d : dirs) {
			int before = files.size();
			for (Path f : list(d))
				if (Files.isRegularFile(f)) {
					files.add(f);
					lab.add(names.size());
				}
			if (files.size() == before)
				throw new IllegalArgumentException("The class folder '" + d.getFileName() + "' (" + d
						+ ") has no image files");
			names.add(d.getFileName().toString());
		}
		classes = Collections.unmodifiableList(names);
		labels = lab.stream().mapToInt(Integer::intValue).toArray();
		probe(Math.max(1, probeLimit));
	}

	/** Non-hidden entries, sorted by name. */
	private static List<Path> list(Path dir) {
		List<Path> out = new ArrayList<>();
		try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
			for (Path p : ds)
				if (!p.getFileName().toString().startsWith(".")) out.add(p);
		} catch (IOException e) {
			throw new IllegalArgumentException("Cannot list the folder " + dir + ": " + e.getMessage());
		}
		out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
		return out;
	}

	private void probe(int limit) {
		int n = files.size(), count = Math.min(n, limit);
		Map<Long, Integer> sizes = new HashMap<>();
		long best = -1;
		int bestCount = 0;
		for (int k = 0; k < count; k++) {
			int i = (int) ((long) k * n / count);
			ImageProcessor ip = open(i);
			if (ip == null) continue;
			long key = ((long) ip.getWidth() << 32) | ip.getHeight();
			int c = sizes.merge(key, 1, Integer::sum);
			if (c > bestCount) { // ties: the size seen first wins
				bestCount = c;
				best = key;
			}
		}
		if (best < 0)
			throw new IllegalArgumentException("None of the " + count + " images checked in " + root
					+ " could be read (first: " + skippedText() + ")");
		commonSize = new int[] { (int) (best >>> 32), (int) best };
	}

	private String skippedText() {
		return bad.isEmpty() ? "" : name(bad.keySet().iterator().next()) + ": " + bad.values().iterator().next();
	}

	@Override
	public List<String> classes() {
		return classes;
	}

	@Override
	public int size() {
		return files.size();
	}

	@Override
	public int label(int index) {
		return labels[index];
	}

	/** The path relative to the root folder, with '/' separators. */
	@Override
	public String name(int index) {
		return root.relativize(files.get(index)).toString().replace('\\', '/');
	}

	/**
	 * The file name, without its extension, up to its last '_' ({@code field3_017.tif} → {@code field3}): patches
	 * cut from one image and saved as {@code IMAGE_NUMBER.ext}, in any class folder, come from one source image. A
	 * file whose name has no '_' (or only a leading one) is its own image: its {@link #name}, so that
	 * {@code cells/a.tif} and {@code debris/a.tif} are two.
	 */
	@Override
	public String source(int index) {
		String name = files.get(index).getFileName().toString();
		int dot = name.lastIndexOf('.');
		String stem = dot > 0 ? name.substring(0, dot) : name;
		int cut = stem.lastIndexOf('_');
		return cut > 0 ? stem.substring(0, cut) : name(index);
	}

	/** Whether {@code file} lies in one of the class folders (where a new file would become an example). */
	public boolean holds(Path file) {
		Path p = file.toAbsolutePath().normalize();
		for (String c : classes)
			if (p.startsWith(root.toAbsolutePath().normalize().resolve(c))) return true;
		return false;
	}

	/** The folder holding the class subfolders. */
	public Path root() {
		return root;
	}

	/** The file of example i. */
	public Path file(int index) {
		return files.get(index);
	}

	@Override
	public int channels() {
		return channels;
	}

	/** The kind of the images: "8-bit", "16-bit", "32-bit" or "RGB". */
	public String kind() {
		return kind;
	}

	@Override
	public int[] commonSize() {
		return commonSize.clone();
	}

	@Override
	public ImageProcessor open(int index) {
		synchronized (bad) {
			if (bad.containsKey(index)) return null;
		}
		ImagePlus imp;
		String reason = null;
		try {
			imp = reader.read(files.get(index));
			if (imp == null) reason = "not an image ImageJ can read";
		} catch (IOException e) {
			imp = null;
			reason = e.getMessage();
		} catch (Exception | LinkageError e) {
			imp = null;
			reason = "cannot be read (" + e + ")";
		}
		ImageProcessor ip = imp == null ? null : imp.getStack().getProcessor(1);
		// ImageJ opens some non-image files (e.g. text) as an image of 0 pixels: unreadable as well
		if (ip == null || ip.getPixels() == null || ip.getWidth() < 1 || ip.getHeight() < 1) {
			synchronized (bad) {
				bad.put(index, reason == null ? "has no pixels" : reason);
			}
			return null;
		}
		checkKind(index, ip);
		return ip;
	}

	/** Files are read with a new reader each; the shared state is synchronised. */
	@Override
	public boolean concurrentReads() {
		return true;
	}

	private synchronized void checkKind(int index, ImageProcessor ip) {
		String k = ImageTensor.kind(ip);
		if (kind == null) {
			kind = k;
			kindExample = name(index);
			channels = ImageTensor.channels(ip);
		} else if (!kind.equals(k)) {
			throw new IllegalArgumentException("The images are of mixed types: '" + kindExample + "' is " + kind
					+ " but '" + name(index) + "' is " + k + "; convert all images to one type first");
		}
	}

	@Override
	public List<Skipped> skipped() {
		List<Skipped> out = new ArrayList<>();
		synchronized (bad) {
			for (Map.Entry<Integer, String> e : bad.entrySet())
				out.add(new Skipped(e.getKey(), name(e.getKey()), e.getValue()));
		}
		return out;
	}
}
