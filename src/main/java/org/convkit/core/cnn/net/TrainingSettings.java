package org.convkit.core.cnn.net;

import java.util.Objects;

/**
 * How a network is trained: optimizer, learning rate, weight initialisation, L2, seed, batch size and epochs. An
 * immutable value (change one field with a {@code with...} method) so that the exact settings can be stored in the
 * model file, shown by "CNN Model Info" and reused to continue training.
 * <p>
 * Defaults ({@link #DEFAULTS}): Adam, learning rate 1e-3, Xavier uniform, L2 1e-4, seed 42, batch 64, 30 epochs,
 * no class balancing.
 */
public final class TrainingSettings {
	public static final Optimizer DEFAULT_OPTIMIZER = Optimizer.ADAM;
	public static final double DEFAULT_LEARNING_RATE = 1e-3;
	public static final Initialization DEFAULT_INIT = Initialization.XAVIER_UNIFORM;
	/** Small weight decay: harmless on tiny data, helps the 500-unit dense layer of LeNet generalise. */
	public static final double DEFAULT_L2 = 1e-4;
	public static final long DEFAULT_SEED = 42;
	public static final int DEFAULT_BATCH = 64;
	/**
	 * An upper bound that early stopping (the command's patience of 5) mostly ends sooner. 30, not 15: on real images
	 * (docs/accuracy.md, 2026-12-06: LeNet and Small VGG, four real sets, three seeds) runs still improving at epoch
	 * 15 went on to a better model in 7 of 24 paired runs (by 0.2-6.2 points), a worse one in 1 (one test image of
	 * 192), stopping after 11-30 epochs (median 19.5). 15 had replaced 10, which left LeNet's accuracy on MNIST-like
	 * digits still jumping.
	 */
	public static final int DEFAULT_EPOCHS = 30;
	/** Sanity caps: a typo must give a message, not an out-of-memory error or a run of years. */
	public static final int MAX_BATCH = 1 << 16, MAX_EPOCHS = 100_000;

	public static final TrainingSettings DEFAULTS = new TrainingSettings(DEFAULT_OPTIMIZER, DEFAULT_LEARNING_RATE,
			DEFAULT_INIT, DEFAULT_L2, DEFAULT_SEED, DEFAULT_BATCH, DEFAULT_EPOCHS);

	private final Optimizer optimizer;
	private final double learningRate;
	private final Initialization init;
	private final double l2;
	private final long seed;
	private final int batchSize, epochs;
	private final ClassBalance balance;

	/** Without class balancing. */
	public TrainingSettings(Optimizer optimizer, double learningRate, Initialization init, double l2, long seed,
			int batchSize, int epochs) {
		this(optimizer, learningRate, init, l2, seed, batchSize, epochs, ClassBalance.NONE);
	}

	/** @throws IllegalArgumentException naming the bad value */
	public TrainingSettings(Optimizer optimizer, double learningRate, Initialization init, double l2, long seed,
			int batchSize, int epochs, ClassBalance balance) {
		if (balance == null) throw new IllegalArgumentException("class balance missing");
		if (optimizer == null) throw new IllegalArgumentException("optimizer missing");
		if (init == null) throw new IllegalArgumentException("initialisation missing");
		if (!(learningRate > 0 && learningRate <= 10))
			throw new IllegalArgumentException("learning rate must be > 0 and <= 10, got " + learningRate);
		if (!(l2 >= 0 && l2 <= 1)) throw new IllegalArgumentException("l2 must be between 0 and 1, got " + l2);
		if (batchSize < 1 || batchSize > MAX_BATCH)
			throw new IllegalArgumentException("batch size must be between 1 and " + MAX_BATCH + ", got " + batchSize);
		if (epochs < 1 || epochs > MAX_EPOCHS)
			throw new IllegalArgumentException("epochs must be between 1 and " + MAX_EPOCHS + ", got " + epochs);
		this.optimizer = optimizer;
		this.learningRate = learningRate;
		this.init = init;
		this.l2 = l2;
		this.seed = seed;
		this.batchSize = batchSize;
		this.epochs = epochs;
		this.balance = balance;
	}

	public Optimizer optimizer() {
		return optimizer;
	}

	public double learningRate() {
		return learningRate;
	}

	public Initialization init() {
		return init;
	}

	/** L2 penalty on weights (not biases), as DL4J's {@code l2(...)}; 0 = none. */
	public double l2() {
		return l2;
	}

	/** Seeds weight initialisation and dropout; the trainer uses it for shuffling and splitting too. */
	public long seed() {
		return seed;
	}

	public int batchSize() {
		return batchSize;
	}

	public int epochs() {
		return epochs;
	}

	/** What training does about unequal class sizes. */
	public ClassBalance balance() {
		return balance;
	}

	public TrainingSettings withOptimizer(Optimizer v) {
		return new TrainingSettings(v, learningRate, init, l2, seed, batchSize, epochs, balance);
	}

	public TrainingSettings withLearningRate(double v) {
		return new TrainingSettings(optimizer, v, init, l2, seed, batchSize, epochs, balance);
	}

	public TrainingSettings withInit(Initialization v) {
		return new TrainingSettings(optimizer, learningRate, v, l2, seed, batchSize, epochs, balance);
	}

	public TrainingSettings withL2(double v) {
		return new TrainingSettings(optimizer, learningRate, init, v, seed, batchSize, epochs, balance);
	}

	public TrainingSettings withSeed(long v) {
		return new TrainingSettings(optimizer, learningRate, init, l2, v, batchSize, epochs, balance);
	}

	public TrainingSettings withBatchSize(int v) {
		return new TrainingSettings(optimizer, learningRate, init, l2, seed, v, epochs, balance);
	}

	public TrainingSettings withEpochs(int v) {
		return new TrainingSettings(optimizer, learningRate, init, l2, seed, batchSize, v, balance);
	}

	public TrainingSettings withBalance(ClassBalance v) {
		return new TrainingSettings(optimizer, learningRate, init, l2, seed, batchSize, epochs, v);
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof TrainingSettings)) return false;
		TrainingSettings t = (TrainingSettings) o;
		return optimizer == t.optimizer && Double.compare(learningRate, t.learningRate) == 0 && init == t.init
				&& Double.compare(l2, t.l2) == 0 && seed == t.seed && batchSize == t.batchSize && epochs == t.epochs
				&& balance == t.balance;
	}

	@Override
	public int hashCode() {
		return Objects.hash(optimizer, learningRate, init, l2, seed, batchSize, epochs, balance);
	}

	/**
	 * e.g. "optimizer=Adam learning=0.001 init=[Xavier uniform] l2=1.0E-4 seed=42 batch=64 epochs=30" (and
	 * " balance=Weights" when balancing).
	 */
	@Override
	public String toString() {
		return "optimizer=" + optimizer.displayName() + " learning=" + learningRate + " init=[" + init.displayName()
				+ "] l2=" + l2 + " seed=" + seed + " batch=" + batchSize + " epochs=" + epochs
				+ (balance == ClassBalance.NONE ? "" : " balance=" + balance.displayName());
	}
}
