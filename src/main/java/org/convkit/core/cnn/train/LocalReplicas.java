package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Dataset;

import java.util.ArrayList;
import java.util.List;

/** Replicas in this JVM, run one after the other on the driver's dataset: the reference for a cluster's pool. */
public final class LocalReplicas implements ReplicaPool {
	private final Dataset data;
	private final List<Replica> replicas = new ArrayList<>();
	private ReplicaSetup setup;

	public LocalReplicas(Dataset data) {
		this.data = data;
	}

	@Override
	public void start(ReplicaSetup s) {
		setup = s;
	}

	@Override
	public List<ReplicaResult> round(int epoch, NetworkState state, int[][] examples) {
		while (replicas.size() < examples.length) replicas.add(setup.replica());
		List<ReplicaResult> out = new ArrayList<>();
		for (int r = 0; r < examples.length; r++) out.add(replicas.get(r).fit(state, data, examples[r], epoch));
		return out;
	}

	@Override
	public void stop() {
		replicas.clear();
	}
}
