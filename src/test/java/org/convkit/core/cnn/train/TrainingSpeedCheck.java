package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: prints training images/s of the Trainer (reading files, prefetch, stats hook) next to raw DL4J
 * {@code fit} on the same batches held in memory. Run with
 * {@code mvn -B -q test -Dtest=TrainingSpeedCheck -Dconvkit.speed=true}.
 */
public class TrainingSpeedCheck {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void lenet28() throws Exception {
		Assume.assumeTrue(Boolean.getBoolean("convkit.speed"));
		int perClass = Integer.getInteger("convkit.speed.perClass", 500), epochs = 3;
		FolderDataset d = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), perClass, 28, 1));
		TrainingSettings s = TrainingSettings.DEFAULTS.withEpochs(epochs).withBatchSize(64);
		NetworkSpec spec = NetworkSpec.preset(NetworkSpec.LENET);
		TrainingResult r = new Trainer(d, spec, s).train(null);
		for (EpochResult e : r.epochs)
			System.out.println(String.format(Locale.ROOT, "ConvKit Trainer epoch %d: %.0f images/s", e.epoch,
					e.imagesPerSecond));

		InputFormat f = new InputFormat(28, 28, 1, Resize.SCALE);
		int[] all = new int[d.size()];
		for (int i = 0; i < all.length; i++) all[i] = i;
		Batches b = new Batches(d, all, f, NormalisationFitter.fit(d, all, f), 64, true, 1, null);
		List<DataSet> batches = new ArrayList<>();
		try (Batches.Epoch e = b.epoch(1)) {
			while (e.hasNext()) batches.add(e.next());
		}
		MultiLayerNetwork net = NetworkBuilder.network(spec, 28, 28, 1, 3, s);
		BatchStats stats = new BatchStats(net);
		for (int e = 1; e <= 2 * epochs; e++) { // alternate: without and with the training-stats hook
			boolean hook = e % 2 == 0;
			if (hook) net.addListeners(stats);
			else net.getListeners().clear();
			long t0 = System.nanoTime();
			for (DataSet ds : batches) {
				if (hook) stats.begin(ds.getLabels());
				net.fit(ds);
			}
			System.out.println(String.format(Locale.ROOT, "raw DL4J fit%s epoch %d: %.0f images/s",
					hook ? " + stats hook" : "", e, d.size() / ((System.nanoTime() - t0) / 1e9)));
		}
		long t0 = System.nanoTime();
		int n = 0;
		try (Batches.Epoch e = b.epoch(2)) {
			while (e.hasNext()) n += e.next().numExamples();
		}
		System.out.println(String.format(Locale.ROOT, "reading + batching alone: %.0f images/s",
				n / ((System.nanoTime() - t0) / 1e9)));
	}
}
