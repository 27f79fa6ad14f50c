package org.convkit.core.cnn.train;

import org.convkit.core.cnn.net.NdArrays;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.List;

/**
 * What changes while a network trains, as plain arrays that travel between the driver of data-parallel training and
 * its replicas: the parameters, the optimizer state (e.g. Adam's moving averages) and the step and epoch counters
 * (Adam's bias correction depends on the step). Loading a state into a network of the same configuration and
 * training it gives the same numbers as training the network it was taken from.
 */
public final class NetworkState implements Serializable {
	private static final long serialVersionUID = 1L;

	final float[] parameters, optimizer;
	final int iteration, epoch;

	NetworkState(float[] parameters, float[] optimizer, int iteration, int epoch) {
		this.parameters = parameters;
		this.optimizer = optimizer;
		this.iteration = iteration;
		this.epoch = epoch;
	}

	/** A copy of the network's state (float networks only: ConvKit builds no others). */
	public static NetworkState of(MultiLayerNetwork net) {
		INDArray p = net.params();
		if (p.dataType() != DataType.FLOAT)
			throw new IllegalArgumentException("data-parallel training needs a FLOAT network, not " + p.dataType());
		INDArray s = optimizerView(net);
		return new NetworkState(NdArrays.floats(p, null), s == null ? new float[0] : NdArrays.floats(s, null),
				net.getIterationCount(), net.getEpochCount());
	}

	/** Writes this state into the network (in place: the layers' views of the arrays stay valid). */
	public void applyTo(MultiLayerNetwork net) {
		INDArray p = net.params();
		if (p.length() != parameters.length)
			throw new IllegalArgumentException("the state has " + parameters.length + " parameters, the network "
					+ p.length());
		p.assign(NdArrays.array(parameters, p.shape()));
		INDArray s = optimizerView(net);
		long stateLength = s == null ? 0 : s.length();
		if (stateLength != optimizer.length)
			throw new IllegalArgumentException("the state has " + optimizer.length + " optimizer values, the network "
					+ stateLength);
		if (s != null) s.assign(NdArrays.array(optimizer, s.shape()));
		net.setIterationCount(iteration);
		net.setEpochCount(epoch);
	}

	/**
	 * The element-wise mean of the states' parameters and optimizer states (summed in double), with the largest step
	 * count: synchronous parameter averaging, as DL4J's ParameterAveragingTrainingMaster averages parameters and
	 * updater state. The mean of one state is that state.
	 */
	public static NetworkState average(List<NetworkState> states) {
		if (states.isEmpty()) throw new IllegalArgumentException("no state to average");
		if (states.size() == 1) return states.get(0);
		NetworkState first = states.get(0);
		int iteration = 0, epoch = 0;
		for (NetworkState s : states) {
			iteration = Math.max(iteration, s.iteration);
			epoch = Math.max(epoch, s.epoch);
		}
		return new NetworkState(mean(states, true, first.parameters.length),
				mean(states, false, first.optimizer.length), iteration, epoch);
	}

	private static float[] mean(List<NetworkState> states, boolean parameters, int length) {
		double[] sum = new double[length];
		for (NetworkState s : states) {
			float[] v = parameters ? s.parameters : s.optimizer;
			if (v.length != length) throw new IllegalArgumentException("states of different networks");
			for (int i = 0; i < length; i++) sum[i] += v[i];
		}
		float[] out = new float[length];
		for (int i = 0; i < length; i++) out[i] = (float) (sum[i] / states.size());
		return out;
	}

	/** Steps taken so far (DL4J's iteration count). */
	public int iteration() {
		return iteration;
	}

	private static INDArray optimizerView(MultiLayerNetwork net) {
		Updater u = net.getUpdater(true);
		INDArray s = u == null ? null : u.getStateViewArray();
		return s == null || s.length() == 0 ? null : s;
	}
}
