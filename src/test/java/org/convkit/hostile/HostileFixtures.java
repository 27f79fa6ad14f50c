package org.convkit.hostile;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.plugins.support.CommandKeys.PathRole;
import org.convkit.testing.IdxWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The files and images the hostile-input suite runs the commands on: for each {@link PathRole} a valid file and
 * broken ones, and images of every type. Everything below {@link #inputs} is an input of some case and must never
 * change; each case writes only into its own folder below {@link #outputs}.
 * <p>
 * A new {@link PathRole} needs a valid file here ({@link #valid}) and its broken variants ({@link #broken}).
 */
final class HostileFixtures {
	/** Image kinds every command that uses the current image is run on; "32-bit" is the one the key cases use. */
	static final String BASE_IMAGE = "32-bit";
	static final String[] IMAGE_KINDS = { "8-bit", "16-bit", "32-bit", "RGB", "8-bit stack", "16-bit composite",
			"32-bit with NaN and infinity", "1x1" };
	static final int SIZE = 12;
	/**
	 * The current image of a command that reads the ROI Manager but not the current image (Train CNN Classifier's
	 * source=ROIs): the ROIs lie on it, and it holds a patch of the default size.
	 */
	static final String ROI_IMAGE = "ROI field";

	/** A broken variant of a path, and whether the command must refuse it. */
	static final class Variant {
		final String name;
		final Path path;
		final boolean mustRefuse;

		Variant(String name, Path path, boolean mustRefuse) {
			this.name = name;
			this.path = path;
			this.mustRefuse = mustRefuse;
		}
	}

	private static HostileFixtures instance;

	final Path root, inputs, outputs;
	final Path kernelFile, model, classFolder, imageFolder, idxImages, idxLabels;
	/** The ROI set opened into the ROI Manager for commands that read it ({@link HostileRois}). */
	final Path roiSet;
	/** Running as root: permission bits do not stop reading, so "unreadable" uses a file that fails with EIO. */
	final boolean root_user;
	private final Map<PathRole, List<Variant>> broken = new LinkedHashMap<>();
	/** Folders without permissions, opened again before the fixtures are deleted. */
	private final List<Path> locked = new ArrayList<>();
	private int caseCount;

	static synchronized HostileFixtures get() {
		if (instance == null) {
			try {
				instance = new HostileFixtures();
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		}
		return instance;
	}

	private HostileFixtures() throws IOException {
		root = Files.createTempDirectory("convkit-hostile");
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			for (Path p : locked) p.toFile().setExecutable(true);
			for (Path p : locked) p.toFile().setReadable(true);
			deleteTree(root);
		}));
		inputs = Files.createDirectories(root.resolve("in"));
		outputs = Files.createDirectories(root.resolve("out"));
		root_user = "root".equals(System.getProperty("user.name"));

		kernelFile = write(inputs.resolve("kernel.txt"), "1 2 1\n");
		classFolder = Synthetic.folder(inputs.resolve("classes"), 8, SIZE, 3);
		imageFolder = Files.createDirectories(inputs.resolve("images"));
		Random r = new Random(4);
		for (int i = 0; i < 4; i++) Synthetic.save(Synthetic.image(i % 3, SIZE, r), imageFolder.resolve("img" + i), i == 3);
		Synthetic.save(Synthetic.image(1, SIZE, r), Files.createDirectories(imageFolder.resolve("sub")).resolve("img4"),
				false);
		idxImages = IdxWriter.write(inputs.resolve("images-idx3-ubyte"), IdxWriter.images(IdxWriter.randomStack(4, 8, 8, 6)));
		idxLabels = IdxWriter.write(inputs.resolve("labels-idx1-ubyte"), IdxWriter.labels(3, 0, 1, 2));
		roiSet = HostileRois.write(inputs.resolve("rois.zip"));
		model = inputs.resolve("model.zip");
		new Trainer(new FolderDataset(classFolder), NetworkSpec.parse("conv 3x3x2 pad=same; maxpool 2; dense 8"),
				TrainingSettings.DEFAULTS.withBatchSize(8).withEpochs(1).withSeed(1)).validation(0.25)
				.saveTo(model, false).train(null);
		Files.delete(inputs.resolve("model-last.zip"));

		Path bad = Files.createDirectories(inputs.resolve("bad"));
		byte[] noise = new byte[700];
		new Random(5).nextBytes(noise);
		for (PathRole role : PathRole.values()) {
			if (role.isOutput()) continue;
			Path d = Files.createDirectories(bad.resolve(role.name().toLowerCase()));
			List<Variant> v = new ArrayList<>();
			boolean folder = role == PathRole.CLASS_FOLDER || role == PathRole.IMAGE_FOLDER;
			String ext = role == PathRole.KERNEL_FILE ? ".txt"
					: role == PathRole.IDX_IMAGES || role == PathRole.IDX_LABELS ? "-idx-ubyte" : ".zip";
			v.add(new Variant("missing", d.resolve("missing" + (folder ? "" : ext)), true));
			if (folder) {
				v.add(new Variant("a file", write(d.resolve("a-file.txt"), "not a folder"), true));
				v.add(new Variant("empty folder", Files.createDirectories(d.resolve("empty")), true));
				if (!root_user) v.add(new Variant("unreadable folder", unreadableFolder(d.resolve("unreadable")), true));
				v.add(new Variant("only corrupt images", corruptImages(d.resolve("corrupt"), role, noise, false), true));
				v.add(new Variant("one corrupt image among good ones", corruptImages(d.resolve("one-corrupt"), role,
						noise, true), false));
			} else {
				v.add(new Variant("a folder", Files.createDirectories(d.resolve("a-folder" + ext)), true));
				v.add(new Variant("unreadable file", unreadableFile(d.resolve("unreadable" + ext)), true));
				v.add(new Variant("corrupt file", Files.write(d.resolve("corrupt" + ext), noise), true));
				v.add(new Variant("empty file", Files.write(d.resolve("empty" + ext), new byte[0]), true));
			}
			broken.put(role, v);
		}
	}

	/** The valid value of a role; outputs go to a fresh file in the case's folder. */
	Path valid(PathRole role, Path caseDir) {
		switch (role) {
			case KERNEL_FILE:
				return kernelFile;
			case MODEL:
				return model;
			case CLASS_FOLDER:
				return classFolder;
			case IMAGE_FOLDER:
				return imageFolder;
			case MODEL_OUTPUT:
				return caseDir.resolve("new-model.zip");
			case CSV_OUTPUT:
				return caseDir.resolve("results.csv");
			case IDX_IMAGES:
				return idxImages;
			case IDX_LABELS:
				return idxLabels;
			default:
				throw new IllegalStateException("no fixture for " + role + ": add one to HostileFixtures");
		}
	}

	/** Broken values of an input role (shared, never changed). */
	List<Variant> broken(PathRole role) {
		List<Variant> v = broken.get(role);
		if (v == null) throw new IllegalStateException("no broken variants for " + role + ": add them to HostileFixtures");
		return v;
	}

	/** Broken values of an output role, made in the case's folder (an existing file there must stay as it is). */
	List<Variant> brokenOutputs(PathRole role, Path caseDir) {
		String ext = role == PathRole.CSV_OUTPUT ? ".csv" : ".zip";
		List<Variant> v = new ArrayList<>();
		v.add(new Variant("in a missing folder", caseDir.resolve("missing-folder").resolve("out" + ext), true));
		v.add(new Variant("a folder", caseDir.resolve("a-folder" + ext), true));
		v.add(new Variant("an existing file without overwrite", caseDir.resolve("existing" + ext), true));
		return v;
	}

	/** Makes what a broken output variant needs before the run. */
	static void prepareOutput(Variant v) throws IOException {
		if (v.name.equals("a folder")) Files.createDirectories(v.path);
		if (v.name.startsWith("an existing file")) write(v.path, "a file of the user's that must stay");
	}

	Path newCaseDir() {
		try {
			return Files.createDirectories(outputs.resolve("case" + (++caseCount)));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * The image a command runs on: {@code usual} (a kind of {@link #IMAGE_KINDS}) when it uses the current image,
	 * {@link #ROI_IMAGE} when it only reads the ROI Manager (the ROIs need an image), none otherwise.
	 */
	static String imageFor(org.convkit.plugins.support.CommandKeys k, String usual) {
		return k.isUsingImage() ? usual : k.isUsingRois() ? ROI_IMAGE : null;
	}

	/**
	 * A new image of one of {@link #IMAGE_KINDS} or {@link #ROI_IMAGE}, with a rectangular selection on the 32-bit
	 * base image.
	 */
	static ImagePlus image(String kind) {
		int w = 24, h = 20;
		switch (kind) {
			case "8-bit":
				return new ImagePlus(kind, pattern(w, h, 1).convertToByteProcessor());
			case "16-bit": {
				ShortProcessor sp = new ShortProcessor(w, h);
				FloatProcessor f = pattern(w, h, 300);
				for (int i = 0; i < w * h; i++) sp.setf(i, f.getf(i));
				return new ImagePlus(kind, sp);
			}
			case "32-bit": {
				ImagePlus imp = new ImagePlus(kind, pattern(w, h, 1));
				imp.setRoi(new Roi(2, 3, 19, 14));
				return imp;
			}
			case "RGB": {
				ColorProcessor cp = new ColorProcessor(w, h);
				for (int i = 0; i < w * h; i++) cp.set(i, (i * 7 % 256) << 16 | (i * 3 % 256) << 8 | (i % 256));
				return new ImagePlus(kind, cp);
			}
			case "8-bit stack": {
				ImageStack s = new ImageStack(w, h);
				for (int z = 0; z < 3; z++) s.addSlice("z" + z, pattern(w, h, z + 1).convertToByteProcessor());
				return new ImagePlus(kind, s);
			}
			case "16-bit composite": {
				ImageStack s = new ImageStack(w, h);
				for (int i = 0; i < 4; i++) {
					ShortProcessor sp = new ShortProcessor(w, h);
					FloatProcessor f = pattern(w, h, 100 * (i + 1));
					for (int j = 0; j < w * h; j++) sp.setf(j, f.getf(j));
					s.addSlice("p" + i, sp);
				}
				ImagePlus imp = new ImagePlus(kind, s);
				imp.setDimensions(2, 2, 1);
				return new CompositeImage(imp, IJ.COMPOSITE);
			}
			case "32-bit with NaN and infinity": {
				// large enough that a filter's reach around the three pixels stays well below half the image
				FloatProcessor fp = pattern(160, 120, 1);
				fp.setf(5, 5, Float.NaN);
				fp.setf(150, 8, Float.POSITIVE_INFINITY);
				fp.setf(152, 110, Float.NEGATIVE_INFINITY);
				return new ImagePlus(kind, fp);
			}
			case "1x1":
				return new ImagePlus(kind, new FloatProcessor(1, 1, new float[] { 3 }));
			case ROI_IMAGE:
				return new ImagePlus(kind, pattern(40, 36, 1));
			default:
				throw new IllegalArgumentException(kind);
		}
	}

	/** A smooth pattern with an edge, values 0..255·scale. */
	private static FloatProcessor pattern(int w, int h, double scale) {
		FloatProcessor fp = new FloatProcessor(w, h);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				fp.setf(x, y, (float) (scale * ((x > w / 2 ? 160 : 40) + 30 * Math.sin(x * 0.7 + y * 0.4))));
		return fp;
	}

	private Path corruptImages(Path dir, PathRole role, byte[] noise, boolean withGood) throws IOException {
		if (role == PathRole.CLASS_FOLDER) {
			if (withGood) Synthetic.folder(dir, 8, SIZE, 6);
			for (String c : Synthetic.CLASSES) {
				Files.createDirectories(dir.resolve(c));
				Files.write(dir.resolve(c).resolve("random-bytes.png"), noise);
				Files.write(dir.resolve(c).resolve("random-bytes.tif"), noise);
			}
		} else {
			Files.createDirectories(dir);
			if (withGood) Files.copy(imageFolder.resolve("img0.tif"), dir.resolve("good.tif"));
			Files.write(dir.resolve("random-bytes.png"), noise);
			Files.write(dir.resolve("random-bytes.jpg"), noise);
			Files.write(dir.resolve("random-bytes.tif"), noise);
			Files.write(dir.resolve("truncated.png"), truncatedPng());
		}
		return dir;
	}

	/** The first half of a real PNG: its signature is right, its data ends early. */
	private byte[] truncatedPng() throws IOException {
		byte[] png = Files.readAllBytes(imageFolder.resolve("img3.png"));
		byte[] half = new byte[png.length / 2];
		System.arraycopy(png, 0, half, 0, half.length);
		return half;
	}

	/** A file that cannot be read: no permissions, or (as root, who ignores them) a link to a file giving EIO. */
	private Path unreadableFile(Path p) throws IOException {
		if (root_user) return Files.createSymbolicLink(p, Paths.get("/proc/self/mem"));
		write(p, "secret");
		Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
		return p;
	}

	private Path unreadableFolder(Path p) throws IOException {
		Files.createDirectories(p.resolve("a"));
		Files.createDirectories(p.resolve("b"));
		Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
		locked.add(p);
		return p;
	}

	static Path write(Path p, String text) throws IOException {
		return Files.write(p, text.getBytes(StandardCharsets.UTF_8));
	}

	private static void deleteTree(Path p) {
		try (Stream<Path> s = Files.walk(p)) {
			s.sorted(Comparator.reverseOrder()).forEach(f -> {
				try {
					if (!Files.isSymbolicLink(f)) f.toFile().setWritable(true);
					f.toFile().setReadable(true);
					f.toFile().setExecutable(true);
					Files.deleteIfExists(f);
				} catch (IOException ignored) {
					// best effort at exit
				}
			});
		} catch (IOException ignored) {
			// best effort at exit
		}
	}
}
