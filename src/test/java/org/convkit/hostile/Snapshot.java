package org.convkit.hostile;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/** What a case must not change: files below a folder (content, size, permissions) and images (pixels, ROI). */
final class Snapshot {
	private Snapshot() {}

	/** Every entry below {@code root}: relative path → kind, size, permissions and a content hash. */
	static TreeMap<String, String> files(Path root) {
		TreeMap<String, String> out = new TreeMap<>();
		if (!Files.exists(root)) return out;
		try {
			Files.walkFileTree(root, new SimpleFileVisitor<Path>() {
				@Override
				public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
					out.put(root.relativize(dir) + "/", "dir " + permissions(dir));
					return FileVisitResult.CONTINUE;
				}

				@Override
				public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
					out.put(root.relativize(f).toString(), describe(f, a));
					return FileVisitResult.CONTINUE;
				}

				@Override
				public FileVisitResult visitFileFailed(Path f, IOException e) {
					out.put(root.relativize(f).toString(), "unvisitable " + permissions(f));
					return FileVisitResult.CONTINUE;
				}
			});
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return out;
	}

	private static String describe(Path f, BasicFileAttributes a) {
		if (Files.isSymbolicLink(f)) {
			try {
				return "link to " + Files.readSymbolicLink(f);
			} catch (IOException e) {
				return "link";
			}
		}
		if (!a.isRegularFile()) return "other";
		String hash;
		try (InputStream in = Files.newInputStream(f)) {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			byte[] buf = new byte[1 << 16];
			for (int n; (n = in.read(buf)) > 0;) md.update(buf, 0, n);
			hash = Arrays.toString(Arrays.copyOf(md.digest(), 8));
		} catch (IOException e) {
			hash = "unreadable";
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		return "file " + a.size() + " " + permissions(f) + " " + hash;
	}

	private static String permissions(Path p) {
		try {
			return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
		} catch (IOException | UnsupportedOperationException e) {
			return "?";
		}
	}

	/** An image as text: title, type, dimensions, selection and a hash of every plane. */
	static String image(ImagePlus imp) {
		if (imp == null) return "none";
		StringBuilder sb = new StringBuilder();
		sb.append(imp.getTitle()).append(' ').append(imp.getBitDepth()).append("-bit ").append(imp.getWidth())
				.append('x').append(imp.getHeight()).append(" c").append(imp.getNChannels()).append(" z")
				.append(imp.getNSlices()).append(" t").append(imp.getNFrames());
		Roi roi = imp.getRoi();
		sb.append(" roi=").append(roi == null ? "none" : roi.getTypeAsString() + " " + roi.getBounds());
		ImageStack s = imp.getStack();
		for (int i = 1; i <= s.getSize(); i++) {
			Object px = s.getPixels(i);
			int h;
			if (px instanceof byte[]) h = Arrays.hashCode((byte[]) px);
			else if (px instanceof short[]) h = Arrays.hashCode((short[]) px);
			else if (px instanceof float[]) h = Arrays.hashCode((float[]) px);
			else h = Arrays.hashCode((int[]) px);
			sb.append(" p").append(i).append('=').append(Integer.toHexString(h));
		}
		return sb.toString();
	}

	/** The IDs of the open images. */
	static List<Integer> imageIds() {
		List<Integer> ids = new ArrayList<>();
		int[] list = WindowManager.getIDList();
		if (list != null) for (int id : list) ids.add(id);
		return ids;
	}
}
