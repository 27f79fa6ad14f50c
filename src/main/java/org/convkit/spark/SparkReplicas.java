package org.convkit.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.train.NetworkState;
import org.convkit.core.cnn.train.Replica;
import org.convkit.core.cnn.train.ReplicaPool;
import org.convkit.core.cnn.train.ReplicaResult;
import org.convkit.core.cnn.train.ReplicaSetup;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The replicas of data-parallel training as Spark tasks: one task per replica and round. The replica setup (the
 * start model's bytes) is broadcast once per job, the averaged state once per round; each executor lists the
 * training folder once (checking that it sees the same files as the driver) and keeps one replica per task slot.
 */
final class SparkReplicas implements ReplicaPool {
	private final JavaSparkContext sc;
	private final String root, digest, job = "convkit-train-" + UUID.randomUUID();
	private final int size;
	private Broadcast<ReplicaSetup> setup;

	SparkReplicas(JavaSparkContext sc, FolderDataset data) {
		this.sc = sc;
		this.root = data.root().toAbsolutePath().normalize().toString();
		this.size = data.size();
		this.digest = digest(data);
	}

	@Override
	public void start(ReplicaSetup s) {
		setup = sc.broadcast(s);
	}

	@Override
	public List<ReplicaResult> round(int epoch, NetworkState state, int[][] examples) {
		Broadcast<NetworkState> b = sc.broadcast(state);
		try {
			List<Work> work = new ArrayList<>();
			for (int r = 0; r < examples.length; r++) work.add(new Work(examples[r], epoch));
			sc.setJobGroup(job, "ConvKit train, epoch " + epoch, false);
			return sc.parallelize(work, work.size()).map(new Fit(setup, b, job, root, size, digest)).collect();
		} finally {
			sc.clearJobGroup();
			b.destroy();
		}
	}

	@Override
	public void stop() {
		if (setup != null) setup.destroy();
	}

	/** The files of the dataset in order, as one hash: executors must see the same list. */
	static String digest(FolderDataset data) {
		try {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			for (int i = 0; i < data.size(); i++)
				md.update((data.label(i) + "/" + data.name(i) + "\n").getBytes(StandardCharsets.UTF_8));
			return Base64.getEncoder().encodeToString(md.digest());
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** One replica's batches in one round. */
	static final class Work implements Serializable {
		private static final long serialVersionUID = 1L;
		final int[] examples;
		final int epoch;

		Work(int[] examples, int epoch) {
			this.examples = examples;
			this.epoch = epoch;
		}
	}

	/** Executor side: a replica of this slot fits its batches from the round's state. */
	static final class Fit implements Function<Work, ReplicaResult> {
		private static final long serialVersionUID = 1L;
		private static final String DATA = "train-data", REPLICAS = "train-replica";
		private final Broadcast<ReplicaSetup> setup;
		private final Broadcast<NetworkState> state;
		private final String job, root, digest;
		private final int size;

		Fit(Broadcast<ReplicaSetup> setup, Broadcast<NetworkState> state, String job, String root, int size,
				String digest) {
			this.setup = setup;
			this.state = state;
			this.job = job;
			this.root = root;
			this.size = size;
			this.digest = digest;
		}

		@Override
		public ReplicaResult call(Work w) {
			FolderDataset data = ExecutorCache.shared(DATA, job, this::openDataset);
			Replica replica = ExecutorCache.borrow(REPLICAS, job, () -> setup.value().replica());
			try {
				return replica.fit(state.value(), data, w.examples, w.epoch);
			} finally {
				ExecutorCache.release(REPLICAS, job, replica);
			}
		}

		private FolderDataset openDataset() {
			FolderDataset d = new FolderDataset(Paths.get(root), 1, FolderDataset.IMAGEJ);
			if (d.size() != size || !digest(d).equals(digest))
				throw new IllegalStateException("The training folder " + root + " holds other files on this executor "
						+ "than on the driver (" + d.size() + " instead of " + size + " images, or other names): every "
						+ "machine must see the same folder, unchanged while training");
			return d;
		}
	}
}
