package org.convkit.core.cnn.data;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.convkit.core.cnn.data.FolderDatasetTest.assertMessage;
import static org.junit.Assert.*;

/**
 * The kept inputs: each file read once for the normalisation pass and every epoch when the budget allows, read again
 * every epoch without a budget, exactly the same values either way, in parallel on several threads.
 */
public class InputCacheTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/** Counts the reads per file and the threads they ran on. */
	private static final class CountingReader implements FolderDataset.ImageReader {
		final AtomicInteger reads = new AtomicInteger();
		final Set<String> threads = ConcurrentHashMap.newKeySet();

		@Override
		public ImagePlus read(Path file) throws Exception {
			reads.incrementAndGet();
			threads.add(Thread.currentThread().getName());
			return FolderDataset.IMAGEJ.read(file);
		}
	}

	private static int[] all(Dataset d) {
		int[] a = new int[d.size()];
		for (int i = 0; i < a.length; i++) a[i] = i;
		return a;
	}

	/** Every batch of an epoch: the features and the dataset indices, in order. */
	private static List<float[]> epoch(Batches b, int epoch, List<int[]> indices) {
		List<float[]> out = new ArrayList<>();
		try (Batches.Epoch e = b.epoch(epoch)) {
			while (e.hasNext()) {
				DataSet ds = e.next();
				out.add(ds.getFeatures().dup().data().asFloat());
				indices.add(e.currentIndices());
			}
		}
		return out;
	}

	@Test
	public void trainingReadsEachFileOnceForTheNormalisationAndAllEpochs() throws Exception {
		CountingReader reader = new CountingReader();
		FolderDataset d = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), 20, 12, 3), 1, reader);
		int probed = reader.reads.get();
		TrainingResult r = new Trainer(d, NetworkSpec.parse("conv 3x3x4; maxpool 2; dense 8"),
				TrainingSettings.DEFAULTS.withBatchSize(8).withEpochs(3)).validation(0.2).train(null);
		assertEquals(3, r.epochs.size());
		assertEquals(60, reader.reads.get() - probed); // 48 training + 12 validation images, each once
		if (Runtime.getRuntime().availableProcessors() > 1)
			assertTrue("read on several threads: " + reader.threads, reader.threads.size() > 1);
	}

	@Test
	public void withoutABudgetEveryEpochReadsAgainAndGivesTheSameBatches() throws Exception {
		CountingReader reader = new CountingReader();
		FolderDataset d = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), 10, 12, 4), 1, reader);
		InputFormat f = new InputFormat(10, 10, 1, Resize.SCALE); // resized: kept as floats
		Normalisation norm = new Normalisation(new double[] { 50 }, new double[] { 30 });
		InputCache kept = new InputCache(d, f, Long.MAX_VALUE, true), none = new InputCache(d, f, 0, true);
		Batches a = new Batches(kept, all(d), norm, 7, true, 5, null), b = new Batches(none, all(d), norm, 7, true, 5,
				null), plain = new Batches(d, all(d), f, norm, 7, true, 5, null);
		for (int epoch = 1; epoch <= 3; epoch++) {
			List<int[]> ia = new ArrayList<>(), ib = new ArrayList<>(), ip = new ArrayList<>();
			List<float[]> xa = epoch(a, epoch, ia), xb = epoch(b, epoch, ib), xp = epoch(plain, epoch, ip);
			assertEquals(xp.size(), xa.size());
			for (int k = 0; k < xp.size(); k++) {
				assertArrayEquals(ip.get(k), ia.get(k));
				assertArrayEquals(ip.get(k), ib.get(k));
				assertArrayEquals(xp.get(k), xa.get(k), 0f); // the same conversion, bit for bit
				assertArrayEquals(xp.get(k), xb.get(k), 0f);
			}
		}
		assertEquals(30, kept.reads());
		assertEquals(90, none.reads());
		assertEquals(0, none.keptBytes());
		assertEquals(0, none.keptCount());
		assertEquals(30, kept.keptCount());
	}

	@Test
	public void theBudgetBoundsWhatIsKeptAndTheRestIsStreamed() throws Exception {
		FolderDataset d = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), 10, 12, 4));
		InputFormat f = new InputFormat(12, 12, 1, Resize.SCALE); // the images' size: kept as bytes
		long perImage = 144 + 24;
		InputCache c = new InputCache(d, f, 7 * perImage, false);
		float[] out = new float[d.size() * f.size()];
		int[] used = new int[d.size()];
		for (int pass = 1; pass <= 2; pass++) {
			assertEquals(30, c.load(all(d), 0, d.size(), out, used));
			assertEquals(7 * perImage, c.keptBytes());
			assertEquals(7, c.keptCount()); // what the training Log reports, with the budget
		}
		assertEquals(7 * perImage, c.budget());
		assertEquals(30 + 23, c.reads()); // the first 7 kept, the other 23 read again
		for (int i = 0; i < d.size(); i++) {
			float[] fresh = ImageTensor.convert(d.open(i), f);
			assertArrayEquals(fresh, java.util.Arrays.copyOfRange(out, i * f.size(), (i + 1) * f.size()), 0f);
		}
	}

	@Test
	public void keptValuesAreExactInTheSmallestType() {
		assertTrue(InputCache.compact(new float[] { 0, 17, 255 }) instanceof byte[]);
		assertTrue(InputCache.compact(new float[] { 0, 256 }) instanceof char[]);
		assertTrue(InputCache.compact(new float[] { 0, 65535 }) instanceof char[]);
		float[][] asFloats = { { 0, 65536 }, { 0, 1.5f }, { -1, 3 }, { 0, Float.NaN }, { -0f, 1 },
				{ 0, Float.POSITIVE_INFINITY } };
		for (float[] v : asFloats) assertSame(v, InputCache.compact(v));
		for (float[] v : new float[][] { { 0, 17, 255 }, { 256, 1 }, { 300, 65535, 0 }, { 65536, 1 }, { -0f, 2.5f, Float.NaN } }) {
			float[] back = new float[v.length + 1];
			InputCache.copy(InputCache.compact(v), back, 1);
			for (int i = 0; i < v.length; i++)
				assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i + 1]));
		}
	}

	@Test
	public void everyImageTypeComesBackAsAFreshReadGivesIt() {
		java.util.Random r = new java.util.Random(2);
		String[] kinds = { "8", "16", "32", "rgb" };
		for (String kind : kinds) {
			ij.ImageStack one = new ij.ImageStack(4, 3);
			for (int i = 0; i < 4; i++) {
				ij.process.ImageProcessor ip = kind.equals("8") ? new ByteProcessor(4, 3)
						: kind.equals("16") ? new ShortProcessor(4, 3) : kind.equals("32") ? new FloatProcessor(4, 3)
								: new ColorProcessor(4, 3);
				for (int p = 0; p < 12; p++)
					ip.setf(p, kind.equals("32") ? (float) r.nextGaussian() : r.nextInt(kind.equals("16") ? 65536
							: kind.equals("8") ? 256 : 1 << 24));
				one.addSlice(i % 2 == 0 ? "a" : "b", ip);
			}
			StackDataset d = new StackDataset(one);
			assertEquals(kind.equals("rgb") ? 3 : 1, d.channels());
			for (InputFormat f : new InputFormat[] { new InputFormat(3, 4, d.channels(), Resize.SCALE),
					new InputFormat(5, 5, d.channels(), Resize.PAD) }) {
				InputCache c = new InputCache(d, f, Long.MAX_VALUE, true);
				float[] out = new float[4 * f.size()];
				c.load(all(d), 0, 4, out, new int[4]);
				java.util.Arrays.fill(out, -7); // kept: the second load comes from memory
				assertEquals(4, c.load(all(d), 0, 4, out, new int[4]));
				assertEquals(4, c.reads());
				for (int i = 0; i < 4; i++)
					assertArrayEquals(kind + " " + f, ImageTensor.convert(d.open(i), f),
							java.util.Arrays.copyOfRange(out, i * f.size(), (i + 1) * f.size()), 0f);
			}
		}
	}

	@Test
	public void normalisationFromTheCacheEqualsTheStreamingFit() throws Exception {
		FolderDataset d = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), 200, 12, 9));
		InputFormat f = new InputFormat(9, 9, 1, Resize.SCALE);
		Normalisation streamed = NormalisationFitter.fit(d, all(d), f);
		InputCache c = new InputCache(d, f, Long.MAX_VALUE, true);
		// read in parallel, added up in order
		assertEquals(streamed, NormalisationFitter.fit(c, all(d), NormalisationRule.MEAN_STD));
		assertEquals(600, c.reads());
		assertEquals(streamed, NormalisationFitter.fit(c, all(d), NormalisationRule.MEAN_STD));
		assertEquals(600, c.reads());
	}

	@Test
	public void unreadableFilesAreLeftOutAndErrorsKeepTheirMessage() throws Exception {
		Path r = Synthetic.folder(tmp.getRoot().toPath(), 12, 8, 1);
		Files.write(r.resolve("disk/broken.tif"), "II*\0garbage".getBytes("ISO-8859-1"));
		FolderDataset d = new FolderDataset(r, 2, FolderDataset.IMAGEJ);
		InputCache c = new InputCache(d, new InputFormat(8, 8, 1, Resize.SCALE), Long.MAX_VALUE, true);
		int[] used = new int[d.size()];
		assertEquals(36, c.load(all(d), 0, d.size(), new float[d.size() * 64], used));
		Set<Integer> seen = new HashSet<>();
		for (int k = 0; k < 36; k++) seen.add(used[k]);
		assertFalse(seen.contains(0)); // "disk/broken.tif" sorts first
		assertEquals(Collections.singletonList("disk/broken.tif"), names(d.skipped()));

		// an RGB file among gray ones: the dataset's message, from whichever thread read it
		ColorProcessor rgb = new ColorProcessor(8, 8);
		Synthetic.save(rgb, r.resolve("vbar/zz-colour"), true);
		FolderDataset mixed = new FolderDataset(r, 2, FolderDataset.IMAGEJ);
		InputCache m = new InputCache(mixed, new InputFormat(8, 8, 1, Resize.SCALE), Long.MAX_VALUE, true);
		assertMessage(() -> m.load(all(mixed), 0, mixed.size(), new float[mixed.size() * 64], new int[mixed.size()]),
				"'vbar/zz-colour.png' is RGB");
		// an RGB model input for gray images: the file is named
		InputCache wrong = new InputCache(d, new InputFormat(8, 8, 3, Resize.SCALE), Long.MAX_VALUE, true);
		assertMessage(() -> wrong.load(all(d), 1, 3, new float[2 * 192], new int[2]), "'disk/img0000.tif': ");
	}

	private static List<String> names(List<Dataset.Skipped> s) {
		List<String> out = new ArrayList<>();
		for (Dataset.Skipped k : s) out.add(k.name);
		return out;
	}
}
