package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.NdArrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One model replica of data-parallel training (on a cluster executor, or in this JVM): each round it loads the
 * driver's state, fits its batches exactly as {@link Trainer} fits a batch (ConvKit's fast training layers, the same
 * loss and accuracy bookkeeping), and hands back its new state. Not thread-safe: one replica per thread.
 */
public final class Replica {
	private final ModelBundle bundle;
	private final ReplicaSetup setup;
	private final MultiLayerNetwork net;
	private final BatchStats stats;

	Replica(ModelBundle bundle, ReplicaSetup setup) {
		this.bundle = bundle;
		this.setup = setup;
		this.net = bundle.network();
		this.stats = new BatchStats(net);
		net.addListeners(stats);
		FastTraining.on(net); // for good: this network only trains
	}

	/**
	 * Fits the examples (dataset indices, cut into batches in this order, augmented for {@code epoch}) starting from
	 * {@code from}; stops at the first batch whose loss is NaN or infinite.
	 */
	public ReplicaResult fit(NetworkState from, Dataset data, int[] examples, int epoch) {
		from.applyTo(net);
		stats.reset();
		int batches = 0;
		boolean diverged = false;
		try (Batches.Epoch it = setup.batches(data, examples, bundle).epoch(epoch)) {
			while (it.hasNext()) {
				DataSet ds = it.next();
				stats.begin(ds.getLabels());
				net.fit(ds);
				if (!stats.counted())
					stats.add(NdArrays.rows(net.output(ds.getFeatures(), false)), NdArrays.rows(ds.getLabels()));
				batches++;
				if (!Double.isFinite(net.score()) || !Double.isFinite(stats.loss())) {
					diverged = true;
					break;
				}
			}
		}
		return new ReplicaResult(diverged ? null : NetworkState.of(net), stats.lossSum(), stats.right(),
				stats.examples(), batches, diverged);
	}
}
