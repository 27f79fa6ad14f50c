package org.convkit.core.cnn.net;

import org.nd4j.linalg.learning.config.AdaDelta;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.AdaMax;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nadam;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The optimizers of the {@code optimizer=} choice. The display names are public macro API; {@link #updater(double)}
 * maps them to DL4J so that no other class needs to know DL4J's updater classes.
 */
public enum Optimizer {
	SGD("SGD"), ADAM("Adam"), RMSPROP("RMSprop"), ADAGRAD("AdaGrad"), ADADELTA("AdaDelta"), ADAMAX("AdaMax"),
	NADAM("Nadam");

	private final String displayName;

	Optimizer(String displayName) {
		this.displayName = displayName;
	}

	/** The name in dialogs, macros and model files, e.g. "RMSprop". */
	public String displayName() {
		return displayName;
	}

	/** The display names in order, for a dialog choice. */
	public static String[] displayNames() {
		Optimizer[] v = values();
		String[] names = new String[v.length];
		for (int i = 0; i < v.length; i++) names[i] = v[i].displayName;
		return names;
	}

	/** The optimizer with this display name (case-insensitive). */
	public static Optimizer fromName(String name) {
		for (Optimizer o : values())
			if (o.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return o;
		throw new IllegalArgumentException("Unknown optimizer '" + name + "' (expected one of "
				+ String.join(", ", displayNames()) + ")");
	}

	/** DL4J's updater with DL4J's default hyper-parameters. AdaDelta has no learning rate: it is ignored there. */
	public IUpdater updater(double learningRate) {
		switch (this) {
			case SGD:
				return new Sgd(learningRate);
			case ADAM:
				return new Adam(learningRate);
			case RMSPROP:
				return new RmsProp(learningRate);
			case ADAGRAD:
				return new AdaGrad(learningRate);
			case ADADELTA:
				return new AdaDelta();
			case ADAMAX:
				return new AdaMax(learningRate);
			default:
				return new Nadam(learningRate);
		}
	}

	@Override
	public String toString() {
		return displayName;
	}
}
