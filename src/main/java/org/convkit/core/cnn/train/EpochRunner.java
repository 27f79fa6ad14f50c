package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.NdArrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.function.BooleanSupplier;

/**
 * Fits a network one epoch at a time: every training batch once, the epoch's running loss and accuracy
 * ({@link BatchStats}), and a stop on divergence (NaN or infinite loss) or cancellation (checked between batches).
 * While it is open, DL4J's objects that have faster replacements are swapped ({@link FastTraining}, DL4J's numbers);
 * closing it restores them.
 */
final class EpochRunner implements AutoCloseable {
	enum Outcome {
		COMPLETED, DIVERGED, CANCELLED
	}

	/** After each batch: its 1-based number and the epoch's batch count. */
	interface Progress {
		void batchDone(int batch, int batches);
	}

	private final MultiLayerNetwork net;
	private final Batches batches;
	private final BooleanSupplier cancelled;
	private final BatchStats stats;
	private final FastTraining fast;

	EpochRunner(MultiLayerNetwork net, Batches batches, BooleanSupplier cancelled) {
		this.net = net;
		this.batches = batches;
		this.cancelled = cancelled;
		stats = new BatchStats(net);
		net.addListeners(stats);
		fast = FastTraining.on(net);
	}

	Outcome run(int epoch, Progress progress) {
		stats.reset();
		int batch = 0;
		try (Batches.Epoch it = batches.epoch(epoch)) {
			while (it.hasNext()) {
				if (cancelled.getAsBoolean()) return Outcome.CANCELLED;
				DataSet ds = it.next();
				stats.begin(ds.getLabels());
				net.fit(ds);
				if (!stats.counted())
					stats.add(NdArrays.rows(net.output(ds.getFeatures(), false)), NdArrays.rows(ds.getLabels()));
				if (!Double.isFinite(net.score()) || !Double.isFinite(stats.loss())) return Outcome.DIVERGED;
				progress.batchDone(++batch, batches.batchCount());
			}
		}
		return cancelled.getAsBoolean() ? Outcome.CANCELLED : Outcome.COMPLETED;
	}

	/** Mean loss and accuracy of the last epoch's batches, and how many examples they held. */
	double loss() {
		return stats.loss();
	}

	double accuracy() {
		return stats.accuracy();
	}

	long examples() {
		return stats.examples();
	}

	@Override
	public void close() {
		net.getListeners().remove(stats);
		fast.off();
	}
}
