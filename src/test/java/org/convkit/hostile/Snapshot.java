package org.convkit.hostile;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import ij.process.FloatPolygon;

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

/**
 * What a case must not change: files below a folder (content, size, permissions), images (pixels, selection) and the
 * ROI Manager's ROI set.
 */
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

	/**
	 * The ROI set of a ROI Manager as text: the count, then per ROI its list name and name, type, bounds and a hash
	 * of its outline, position (stack position and channel, slice, frame), selected or not and, when {@code full},
	 * its group with the group's name and its stroke and fill colours.
	 */
	static String rois(RoiManager rm, boolean full) {
		if (rm == null) return "no ROI Manager";
		StringBuilder sb = new StringBuilder().append(rm.getCount()).append(" ROIs");
		for (int i = 0; i < rm.getCount(); i++) {
			Roi r = rm.getRoi(i);
			FloatPolygon p = r.getFloatPolygon();
			sb.append('\n').append(rm.getName(i)).append(": ").append(r.getName()).append(' ')
					.append(r.getTypeAsString()).append(' ').append(r.getFloatBounds()).append(" outline=")
					.append(Integer.toHexString(31 * Arrays.hashCode(p.xpoints) + Arrays.hashCode(p.ypoints)))
					.append(" position=").append(r.getPosition()).append(" czt=").append(r.getCPosition()).append(',')
					.append(r.getZPosition()).append(',').append(r.getTPosition())
					.append(rm.isSelected(i) ? " selected" : "");
			if (full)
				sb.append(" group=").append(r.getGroup()).append(" '").append(r.getGroup() > 0
						? Roi.getGroupName(r.getGroup()) : "").append("' stroke=").append(r.getStrokeColor())
						.append(" fill=").append(r.getFillColor());
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
