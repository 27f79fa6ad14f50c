package org.convkit.core.cnn.data;

import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import org.convkit.testing.Waits;
import ij.ImageStack;
import ij.io.Opener;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.Assert.*;

/** Folder and stack datasets: layout, lazy reading, skipped files and every bad input with its message. */
public class FolderDatasetTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private Path root() {
		return tmp.getRoot().toPath();
	}

	private static void gray(Path stem, int w, int h, int value) {
		ByteProcessor ip = new ByteProcessor(w, h);
		ip.setValue(value);
		ip.fill();
		Synthetic.save(ip, stem, false);
	}

	@Test
	public void listsClassesAndFilesSortedAndFindsTheMostCommonSize() throws Exception {
		Path r = root();
		Files.createDirectories(r.resolve("b"));
		Files.createDirectories(r.resolve("a"));
		Files.createDirectories(r.resolve(".hidden"));
		gray(r.resolve("b/z"), 8, 6, 1);
		gray(r.resolve("b/y"), 8, 6, 2);
		gray(r.resolve("a/x"), 5, 5, 3);
		gray(r.resolve("b/w"), 5, 5, 4);
		gray(r.resolve("a/v"), 8, 6, 5);
		gray(r, 3, 3, 0); // a file in the root: ignored
		Files.write(r.resolve("a/.DS_Store"), new byte[] { 1, 2 });
		FolderDataset d = new FolderDataset(r);
		assertEquals(Arrays.asList("a", "b"), d.classes());
		assertEquals(5, d.size());
		List<String> names = new ArrayList<>();
		for (int i = 0; i < d.size(); i++) names.add(d.name(i) + ":" + d.label(i));
		assertEquals(Arrays.asList("a/v.tif:0", "a/x.tif:0", "b/w.tif:1", "b/y.tif:1", "b/z.tif:1"), names);
		assertArrayEquals(new int[] { 8, 6 }, d.commonSize());
		assertEquals(1, d.channels());
		assertEquals("8-bit", d.kind());
		assertEquals(4, (int) d.open(2).getf(0));
		assertTrue(d.skipped().isEmpty());
	}

	/** split=By image: a file's source image is its name up to the last '_', across class folders. */
	@Test
	public void aFilesSourceImageIsItsNameUpToTheLastUnderscore() throws Exception {
		Path r = root();
		Files.createDirectories(r.resolve("a"));
		Files.createDirectories(r.resolve("b"));
		gray(r.resolve("a/field3_017"), 4, 4, 1);
		gray(r.resolve("b/field3_018"), 4, 4, 1);
		gray(r.resolve("a/2024-03-01_field_7_001"), 4, 4, 1);
		gray(r.resolve("b/plain"), 4, 4, 1);
		gray(r.resolve("a/plain"), 4, 4, 1);
		gray(r.resolve("b/_9"), 4, 4, 1);
		Files.write(r.resolve("b/noext_1"), Files.readAllBytes(r.resolve("b/plain.tif")));
		FolderDataset d = new FolderDataset(r);
		List<String> sources = new ArrayList<>();
		for (int i = 0; i < d.size(); i++) sources.add(d.name(i) + ">" + d.source(i));
		assertEquals(Arrays.asList("a/2024-03-01_field_7_001.tif>2024-03-01_field_7", "a/field3_017.tif>field3",
				"a/plain.tif>a/plain.tif", "b/_9.tif>b/_9.tif", "b/field3_018.tif>field3", "b/noext_1>noext",
				"b/plain.tif>b/plain.tif"), sources);
	}

	@Test
	public void badFolders() throws Exception {
		Path r = root();
		assertMessage(() -> new FolderDataset(r.resolve("missing")), "does not exist");
		gray(r.resolve("loose"), 4, 4, 1);
		assertMessage(() -> new FolderDataset(r), "no class subfolders");
		Files.createDirectories(r.resolve("cells"));
		gray(r.resolve("cells/a"), 4, 4, 1);
		assertMessage(() -> new FolderDataset(r), "only one class subfolder ('cells')");
		Files.createDirectories(r.resolve("debris"));
		assertMessage(() -> new FolderDataset(r), "class folder 'debris'");
		assertMessage(() -> new FolderDataset(r), "has no image files");
	}

	@Test
	public void mixedBitDepthsAreRejectedNamingTwoFiles() throws Exception {
		Path r = root();
		Files.createDirectories(r.resolve("a"));
		Files.createDirectories(r.resolve("b"));
		gray(r.resolve("a/one"), 4, 4, 1);
		Synthetic.save(new ShortProcessor(4, 4), r.resolve("b/two"), false);
		assertMessage(() -> new FolderDataset(r), "'a/one.tif' is 8-bit but 'b/two.tif' is 16-bit");
	}

	@Test
	public void rgbMixedWithGrayIsRejected() throws Exception {
		Path r = root();
		Files.createDirectories(r.resolve("a"));
		Files.createDirectories(r.resolve("b"));
		Synthetic.save(new ColorProcessor(4, 4), r.resolve("a/one"), true);
		gray(r.resolve("b/two"), 4, 4, 1);
		assertMessage(() -> new FolderDataset(r), "'a/one.png' is RGB but 'b/two.tif' is 8-bit");
		// found lazily too: the probe saw only the first file
		assertMessage(() -> {
			FolderDataset d = new FolderDataset(r, 1, FolderDataset.IMAGEJ);
			d.open(1);
		}, "'a/one.png' is RGB but 'b/two.tif' is 8-bit");
	}

	@Test
	public void rgbFolderHasThreeChannels() throws Exception {
		Path r = root();
		for (String c : new String[] { "a", "b" }) {
			Files.createDirectories(r.resolve(c));
			ColorProcessor cp = new ColorProcessor(3, 2);
			cp.set(0, 0, (10 << 16) | (20 << 8) | 30);
			Synthetic.save(cp, r.resolve(c + "/x"), true);
		}
		FolderDataset d = new FolderDataset(r);
		assertEquals(3, d.channels());
		float[] t = ImageTensor.convert(d.open(0), new InputFormat(2, 3, 3, Resize.SCALE));
		assertEquals(10, t[0], 0);
		assertEquals(20, t[6], 0);
		assertEquals(30, t[12], 0);
	}

	@Test
	public void textFilesInClassFoldersAreSkippedNotTrainedOn() throws Exception {
		Path r = Synthetic.folder(root(), 3, 8, 1);
		Files.write(r.resolve("vbar/empty.txt"), new byte[0]);
		Files.write(r.resolve("vbar/blank.csv"), "file,class,probability\nx.tif,disk,0.5\n".getBytes("UTF-8"));
		FolderDataset d = new FolderDataset(r);
		assertEquals(11, d.size());
		for (int i = 0; i < d.size(); i++) d.open(i); // must not throw
		List<String> names = new java.util.ArrayList<>();
		for (Dataset.Skipped s : d.skipped()) names.add(s.name);
		assertEquals(List.of("vbar/blank.csv", "vbar/empty.txt"), names);
	}

	@Test
	public void corruptFilesAreSkippedCountedAndNotReadAgain() throws Exception {
		Path r = Synthetic.folder(root(), 4, 8, 1);
		Files.write(r.resolve("disk/broken.tif"), "II*\0garbage".getBytes("ISO-8859-1"));
		Files.write(r.resolve("hbar/notes.txt"), "not an image".getBytes("UTF-8"));
		AtomicInteger opens = new AtomicInteger();
		java.io.PrintStream out = System.out, err = System.err;
		java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
		FolderDataset d;
		try { // ImageJ must stay silent: no dialog, log line or stack trace for a bad file
			System.setOut(new java.io.PrintStream(captured, true));
			System.setErr(new java.io.PrintStream(captured, true));
			d = new FolderDataset(r, 100, f -> {
				opens.incrementAndGet();
				return FolderDataset.IMAGEJ.read(f);
			});
		} finally {
			System.setOut(out);
			System.setErr(err);
		}
		assertEquals("", captured.toString());
		assertTrue(ij.IJ.getLog() == null || ij.IJ.getLog().isEmpty());
		assertEquals(null, ij.IJ.getErrorMessage());
		assertEquals(14, d.size());
		assertEquals(14, opens.get());
		List<Dataset.Skipped> s = d.skipped();
		assertEquals(2, s.size());
		assertEquals("disk/broken.tif", s.get(0).name);
		assertEquals("hbar/notes.txt", s.get(1).name);
		for (Dataset.Skipped k : s) assertFalse(k.reason.isEmpty());
		assertNull(d.open(s.get(0).index));
		assertEquals(14, opens.get()); // known bad: not opened again

		int[] all = new int[d.size()];
		for (int i = 0; i < all.length; i++) all[i] = i;
		Batches b = new Batches(d, all, new InputFormat(8, 8, 1, Resize.SCALE),
				org.convkit.core.cnn.input.Normalisation.none(1), 5, true, 3, null);
		int seen = 0;
		try (Batches.Epoch e = b.epoch(1)) {
			while (e.hasNext()) seen += e.next().numExamples();
		}
		assertEquals(12, seen); // training continues without the 2 bad files
	}

	@Test
	public void aFolderOfUnreadableFilesIsRejected() throws Exception {
		Path r = root();
		for (String c : new String[] { "a", "b" }) {
			Files.createDirectories(r.resolve(c));
			Files.write(r.resolve(c + "/x.tif"), "II*\0junk".getBytes("ISO-8859-1"));
		}
		assertMessage(() -> new FolderDataset(r), "None of the 2 images checked");
		assertMessage(() -> new FolderDataset(r), "a/x.tif: ");
	}

	@Test
	public void readsLazilyOnlyTheProbeAndTheRequestedBatches() throws Exception {
		Path r = root();
		Random rnd = new Random(5);
		for (String c : new String[] { "a", "b", "c" }) {
			Files.createDirectories(r.resolve(c));
			for (int i = 0; i < 200; i++) gray(r.resolve(c + "/f" + i), 4, 4, rnd.nextInt(256));
		}
		Set<Path> opened = new HashSet<>();
		List<Path> order = new ArrayList<>();
		FolderDataset d = new FolderDataset(r, 10, f -> {
			synchronized (opened) {
				opened.add(f);
				order.add(f);
			}
			return new Opener().openImage(f.toString());
		});
		assertEquals(600, d.size());
		assertEquals(10, order.size()); // the probe only
		Set<Path> probe = new HashSet<>(opened);
		int[] all = new int[600];
		for (int i = 0; i < 600; i++) all[i] = i;
		Batches b = new Batches(d, all, new InputFormat(4, 4, 1, Resize.SCALE),
				org.convkit.core.cnn.input.Normalisation.none(1), 16, true, 9, null);
		int[] epochOrder = b.order(1);
		Set<Path> batch1And2 = new HashSet<>(probe);
		for (int j = 0; j < 32; j++) batch1And2.add(d.file(epochOrder[j]));
		try (Batches.Epoch e = b.epoch(1)) {
			assertEquals(16, e.next().numExamples());
			// batch 2 is read in the background while batch 1 is used: wait for it, then nothing else was read
			assertTrue("batch 2 was not prefetched", Waits.until(60_000, () -> {
				synchronized (opened) {
					return opened.containsAll(batch1And2);
				}
			}));
		}
		synchronized (opened) {
			assertEquals("only the probe and batches 1 and 2 were read", batch1And2, opened);
			assertEquals("the probe's 10 reads and one per image of batches 1 and 2", 10 + 32, order.size());
		}
	}

	@Test
	public void stackDatasetUsesSliceLabelsAsClasses() {
		ImageStack s = new ImageStack(4, 4);
		String[] labels = { "nucleus", "debris\nextra info", " nucleus ", "debris" };
		for (int i = 0; i < labels.length; i++) {
			FloatProcessor fp = new FloatProcessor(4, 4);
			fp.setf(0, i);
			s.addSlice(labels[i], fp);
		}
		StackDataset d = new StackDataset(s);
		assertEquals(Arrays.asList("debris", "nucleus"), d.classes());
		assertEquals(1, d.label(0));
		assertEquals(0, d.label(1));
		assertEquals(1, d.label(2));
		assertEquals(2, d.open(2).getf(0), 0);
		assertArrayEquals(new int[] { 4, 4 }, d.commonSize());
		assertEquals("slice 2 (debris)", d.name(1));

		ImageStack noLabels = new ImageStack(4, 4);
		noLabels.addSlice("a", new FloatProcessor(4, 4));
		noLabels.addSlice(null, new FloatProcessor(4, 4));
		noLabels.addSlice("  ", new FloatProcessor(4, 4));
		assertMessage(() -> new StackDataset(noLabels), "2 of 3 slices have no label (slice [2, 3])");
		ImageStack one = new ImageStack(4, 4);
		one.addSlice("a", new FloatProcessor(4, 4));
		one.addSlice("a", new FloatProcessor(4, 4));
		assertMessage(() -> new StackDataset(one), "at least 2 classes");
	}

	static void assertMessage(Runnable r, String part) {
		try {
			r.run();
		} catch (IllegalArgumentException e) {
			assertTrue("message '" + e.getMessage() + "' should contain '" + part + "'",
					e.getMessage().contains(part));
			return;
		}
		fail("expected an IllegalArgumentException containing '" + part + "'");
	}
}
