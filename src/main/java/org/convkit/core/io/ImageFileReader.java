package org.convkit.core.io;

import ij.ImagePlus;
import ij.io.FileInfo;
import ij.io.Opener;
import ij.io.TiffDecoder;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Opens image files for data sets and folder classification so that a broken file is a reason, never an error
 * ImageJ raises. ImageJ's {@link Opener} reports a file it cannot read through {@code IJ.error}, which inside a
 * running macro aborts the whole macro ("Unsupported format or file not found", then "Macro canceled"), even when
 * the caller would skip the file and go on. So each file is checked first, without ImageJ's error paths: its format
 * from its first bytes (as ImageJ decides it), a TIFF's directory and strips with ImageJ's own {@link TiffDecoder}, a
 * PNG, JPEG, GIF or BMP fully decoded with {@link ImageIO}, a ZIP for a TIFF or DICOM inside. Only a file that
 * passes is opened with ImageJ's {@link Opener} (so pixels are exactly what File › Open gives). A plain grayscale or
 * RGB PNG, the usual file in a folder of training images, is decoded once by {@link PngDecoder} instead, with the
 * same result; any PNG it does not take goes the way above. Text, tables, ROIs, LUTs and unknown formats are refused
 * with the format named; with Bio-Formats installed (Fiji), unknown formats go to it.
 * <p>
 * An instance remembers the files it has checked (path, size and modification time), so a data set read every epoch
 * checks each file once. Per file it keeps the caller's {@link Path} (a data set's file list holds the same one) and
 * two numbers, about 70 bytes: a text key per file took over twice that (15 MB for 100,000 files).
 */
public final class ImageFileReader {
	/** How every reason for an unreadable file starts. */
	public static final String NOT_AN_IMAGE = "not an image ImageJ can read";
	/** Checked file → its size and modification time when checked: a file rewritten since is checked again. */
	private final Map<Path, long[]> checked = new ConcurrentHashMap<>();
	private final boolean pngDecoder;

	public ImageFileReader() {
		this(true);
	}

	/** For tests and benchmarks: {@code false} gives the reader as it was before {@link PngDecoder}, to compare. */
	ImageFileReader(boolean pngDecoder) {
		this.pngDecoder = pngDecoder;
	}

	/**
	 * The image in {@code file}.
	 *
	 * @throws IOException with the reason (a sentence for the user) when it is not an image ImageJ can read
	 */
	public ImagePlus read(Path file) throws IOException {
		String path = file.toString();
		BasicFileAttributes attributes;
		try {
			attributes = Files.readAttributes(file, BasicFileAttributes.class); // one stat for kind, size and time
		} catch (IOException e) {
			throw new IOException("not a file");
		}
		if (!attributes.isRegularFile()) throw new IOException("not a file");
		if (!Files.isReadable(file)) throw new IOException("not readable (permission denied)");
		long[] stamp = { attributes.size(), attributes.lastModifiedTime().toMillis() };
		Opener opener = new Opener();
		opener.setSilentMode(true);
		int type = opener.getFileType(path);
		// most PNGs in image folders are decoded once, here (PngDecoder); any other file takes ImageJ's path below
		if (pngDecoder && type == Opener.PNG) {
			ImagePlus fast = PngDecoder.open(file, attributes.size());
			if (fast != null) return fast;
		}
		if (!Arrays.equals(checked.get(file), stamp)) {
			check(file, type);
			checked.put(file, stamp);
		}
		ImagePlus imp;
		try {
			imp = type == Opener.UNKNOWN ? Opener.openUsingBioFormats(path) : opener.openImage(path);
		} catch (RuntimeException e) {
			throw new IOException("ImageJ could not read it (" + e + ")", e);
		}
		if (imp == null) throw new IOException(NOT_AN_IMAGE);
		return imp;
	}

	private static void check(Path file, int type) throws IOException {
		switch (type) {
			case Opener.TIFF:
			case Opener.TIFF_AND_DICOM:
				checkTiff(file);
				return;
			case Opener.PNG:
			case Opener.JPEG:
			case Opener.GIF:
			case Opener.BMP:
				checkDecodes(file, Opener.types[type].toUpperCase(Locale.ROOT));
				return;
			case Opener.ZIP:
				checkZip(file);
				return;
			case Opener.DICOM:
			case Opener.FITS:
			case Opener.PGM:
				return; // ImageJ's own readers, which report problems by returning nothing
			case Opener.UNKNOWN:
				if (bioFormats()) return;
				throw new IOException(NOT_AN_IMAGE + " (unknown format" + (hasImageExtension(file)
						? ", although its name ends like an image's: damaged?" : "") + ")");
			case Opener.JAVA_OR_TEXT:
			case Opener.TEXT:
				throw new IOException(NOT_AN_IMAGE + " (a text file)");
			case Opener.TABLE:
				throw new IOException(NOT_AN_IMAGE + " (a table)");
			default:
				throw new IOException(NOT_AN_IMAGE + " (ImageJ sees a " + Opener.types[type] + " file)");
		}
	}

	/** Whether the file would be read as an image: its first bytes or its name say an image format ImageJ reads. */
	public static boolean looksLikeImage(Path file) {
		switch (new Opener().getFileType(file.toString())) {
			case Opener.TIFF:
			case Opener.TIFF_AND_DICOM:
			case Opener.DICOM:
			case Opener.FITS:
			case Opener.PGM:
			case Opener.JPEG:
			case Opener.GIF:
			case Opener.PNG:
			case Opener.BMP:
				return true;
			default:
				return hasImageExtension(file);
		}
	}

	/** ImageJ's TIFF decoder reads the directory; every strip of the first image must lie inside the file. */
	private static void checkTiff(Path file) throws IOException {
		FileInfo[] info;
		try {
			String dir = file.getParent() == null ? "" : file.getParent().toString() + java.io.File.separator;
			info = new TiffDecoder(dir, file.getFileName().toString()).getTiffInfo();
		} catch (IOException | RuntimeException e) {
			throw new IOException("a damaged TIFF (" + message(e) + ")", e);
		}
		if (info == null || info.length == 0) throw new IOException("a damaged TIFF (no image directory)");
		FileInfo fi = info[0];
		if (fi.width < 1 || fi.height < 1) throw new IOException("a damaged TIFF (size " + fi.width + "x" + fi.height + ")");
		long size = Files.size(file), end;
		if (fi.stripOffsets != null && fi.stripLengths != null && fi.stripOffsets.length == fi.stripLengths.length) {
			end = 0;
			for (int i = 0; i < fi.stripOffsets.length; i++)
				end = Math.max(end, (fi.stripOffsets[i] & 0xffffffffL) + (fi.stripLengths[i] & 0xffffffffL));
		} else if (fi.compression == FileInfo.COMPRESSION_NONE) {
			end = fi.getOffset() + (long) fi.width * fi.height * Math.max(1, fi.getBytesPerPixel());
		} else {
			return;
		}
		if (end > size)
			throw new IOException("a truncated TIFF (its pixels need " + end + " bytes, the file has " + size + ")");
	}

	/**
	 * Decodes every pixel with the Java image reader ImageJ itself uses for these formats. {@code readAll} returns
	 * the decoded image without the core naming a java.awt class (the core stays GUI-free, see LayeringTest).
	 */
	private static void checkDecodes(Path file, String format) throws IOException {
		boolean decoded;
		try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
			Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
			decoded = readers != null && readers.hasNext() && decodes(readers.next(), in);
		} catch (IOException | RuntimeException e) {
			throw new IOException("a damaged " + format + " (" + message(e) + ")", e);
		}
		if (!decoded) throw new IOException("a " + format + " that cannot be decoded");
	}

	private static boolean decodes(ImageReader reader, ImageInputStream in) throws IOException {
		try {
			reader.setInput(in, true, true);
			return reader.readAll(0, null) != null;
		} finally {
			reader.dispose();
		}
	}

	private static void checkZip(Path file) throws IOException {
		try (ZipFile zip = new ZipFile(file.toFile())) {
			for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements();) {
				String n = e.nextElement().getName().toLowerCase(Locale.ROOT);
				if (n.endsWith(".tif") || n.endsWith(".tiff") || n.endsWith(".dcm")) return;
			}
		} catch (IOException | RuntimeException e) {
			throw new IOException("a damaged ZIP (" + message(e) + ")", e);
		}
		throw new IOException("a ZIP archive without a TIFF or DICOM image (a model file?)");
	}

	private static boolean hasImageExtension(Path file) {
		String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
		for (String e : new String[] { ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif", ".bmp" })
			if (n.endsWith(e)) return true;
		return false;
	}

	private static boolean bioFormats() {
		try {
			Class.forName("loci.plugins.LociImporter", false, ImageFileReader.class.getClassLoader());
			return true;
		} catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
	}

	private static String message(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}
}
