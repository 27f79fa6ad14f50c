package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * A network's gradient as DL4J's updater recognises its own: DL4J's {@code Gradient} with {@link #gradient()}
 * returning the network's flattened gradient array itself. DL4J 1.0.0-M2.1's {@code DefaultGradient.gradient()}
 * returns a new reshaped view at every call, so {@code BaseMultiLayerUpdater.update}'s identity check ("is this the
 * network's own gradient array?") always fails and every step takes the path meant for gradients computed in another
 * network: new views of the parameters and gradients for every block, variable and minibatch division, every step
 * (1.7–2 % of a LeNet step here; {@link TrainableNetwork#stepShortcuts}). Everything else is the wrapped gradient's.
 */
final class UpdaterGradient implements Gradient {
	private static final long serialVersionUID = 1L;

	private final Gradient wrapped;
	private final transient INDArray flattened;

	UpdaterGradient(Gradient wrapped, INDArray flattened) {
		this.wrapped = wrapped;
		this.flattened = flattened;
	}

	@Override
	public INDArray gradient() {
		return flattened;
	}

	@Override
	public Map<String, INDArray> gradientForVariable() {
		return wrapped.gradientForVariable();
	}

	@Override
	public INDArray gradient(List<String> order) {
		return wrapped.gradient(order);
	}

	@Override
	public void clear() {
		wrapped.clear();
	}

	@Override
	public INDArray getGradientFor(String variable) {
		return wrapped.getGradientFor(variable);
	}

	@Override
	public INDArray setGradientFor(String variable, INDArray gradient) {
		return wrapped.setGradientFor(variable, gradient);
	}

	@Override
	public INDArray setGradientFor(String variable, INDArray gradient, Character flatteningOrder) {
		return wrapped.setGradientFor(variable, gradient, flatteningOrder);
	}

	@Override
	public Character flatteningOrderForVariable(String variable) {
		return wrapped.flatteningOrderForVariable(variable);
	}

	@Override
	public String toString() {
		return wrapped.toString();
	}
}
