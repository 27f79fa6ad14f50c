package org.convkit.core.cnn.model;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Small trained bundles and zip surgery for the bundle tests. */
final class BundleFixtures {
	static final int H = 12, W = 10, C = 2;
	static final List<String> LABELS = Arrays.asList("cat", "dog", "Zelle ä/β");
	static final String SPEC = "conv 3x3x4 pad=same; batchnorm; maxpool 2; conv 3x3x6 stride=2 tanh; avgpool 1; "
			+ "dense 16; dropout 0.25";
	static final String DETERMINISTIC_SPEC = "conv 3x3x4 pad=same; batchnorm; maxpool 2; dense 8";

	private BundleFixtures() {
	}

	static INDArray batch(long seed, int n) {
		Random r = new Random(seed);
		float[] v = new float[n * C * H * W];
		for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
		return Nd4j.create(v, new long[] { n, C, H, W }, 'c');
	}

	static DataSet labelled(long seed, int n) {
		float[] y = new float[n * LABELS.size()];
		for (int i = 0; i < n; i++) y[i * LABELS.size() + i % LABELS.size()] = 1;
		return new DataSet(batch(seed, n), Nd4j.create(y, new long[] { n, LABELS.size() }, 'c'));
	}

	/** A network trained for a few steps, so weights, batch-norm statistics and Adam state are all non-trivial. */
	static ModelBundle trained(String spec, TrainingSettings settings, int steps) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), H, W, C, LABELS.size(), settings);
		DataSet d = labelled(3, 9);
		for (int i = 0; i < steps; i++) net.fit(d);
		TrainingHistory h = TrainingHistory.empty().plus(1.25, 0.5, Double.NaN, Double.NaN).plus(0.75, 2 / 3.0,
				0.8, 0.1 + 0.2);
		return new ModelBundle(net, NetworkSpec.parse(spec), LABELS, H, W, C,
				new Normalisation(new double[] { 0.1234567890123, -7 }, new double[] { 0.3, 1e-3 }), settings, h);
	}

	static float[] predict(ModelBundle b, INDArray x) {
		return b.network().output(x, false).ravel().toFloatVector();
	}

	/** All entries of a zip, in order. */
	static Map<String, byte[]> entries(Path zipFile) throws IOException {
		Map<String, byte[]> out = new LinkedHashMap<>();
		try (ZipFile z = new ZipFile(zipFile.toFile())) {
			for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements();) {
				ZipEntry e = en.nextElement();
				out.put(e.getName(), z.getInputStream(e).readAllBytes());
			}
		}
		return out;
	}

	/** A zip holding these entries (deflated). */
	static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
		try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
			for (Map.Entry<String, byte[]> e : entries.entrySet()) {
				z.putNextEntry(new ZipEntry(e.getKey()));
				z.write(e.getValue());
				z.closeEntry();
			}
		}
		return file;
	}

	/** Replaces every occurrence of {@code from} by {@code to} (same length) in the raw bytes of a file. */
	static void patch(Path file, byte[] from, byte[] to) throws IOException {
		byte[] b = Files.readAllBytes(file);
		int hits = 0;
		for (int i = 0; i + from.length <= b.length; i++) {
			if (Arrays.equals(Arrays.copyOfRange(b, i, i + from.length), from)) {
				System.arraycopy(to, 0, b, i, to.length);
				hits++;
			}
		}
		if (hits == 0) throw new AssertionError("pattern not found");
		Files.write(file, b);
	}
}
