package org.convkit.bench;

import org.convkit.core.cnn.net.CachingDenseLayer;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.ColumnConvolutionLayer;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.JavaAdamUpdater;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainableNetwork;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What each of ConvKit's run-time levers is worth, in one JVM: LeNet 28×28 trained with {@code MultiLayerNetwork.fit}
 * on the same pre-built batches (seeded synthetic images, {@link RuntimeBenchWorker#batches}), one network per
 * variant, rounds interleaved after one untimed warm-up, 1 thread. The variants form a ladder, each adding one lever
 * to the one before, from DL4J 1.0.0-M2.1 as shipped (its own layer objects: no oneDNN helpers) to ConvKit's
 * training layer by layer; ConvKit's training as its Trainer runs it ({@code FastTraining.on}: the fused convolution
 * block); then five variants of the layer-by-layer top rung (cache mode NONE instead of DEVICE; batches
 * of 128; the inner convolution's backprop on oneDNN; the first layer's columns in one chunk of 4 MB; those columns
 * unfolded again for backprop), and the oneDNN batch-norm helper on a small conv / batch-norm / pool network at
 * 32×32.
 * Run with {@code ./convkit --bench 3 levers}.
 */
final class LeverBenchmark {
	private static final int IMAGES = 2048, BN_IMAGES = 1024;

	private final List<Variant> variants = new ArrayList<>();

	private LeverBenchmark() {
	}

	/** One network, what it fits per round, and the variant its ratio is taken against (null: none). */
	private static final class Variant {
		final String name;
		final MultiLayerNetwork net;
		final List<DataSet> batches;
		final int images;
		final Variant reference;
		final List<Double> speeds = new ArrayList<>();
		/** A system property set to {@link #value} while this variant trains, or null. */
		String property, value;

		/** Trains this variant with the system property {@code name} set to {@code to}. */
		void set(String name, String to) {
			property = name;
			value = to;
		}

		Variant(String name, MultiLayerNetwork net, List<DataSet> batches, int images, Variant reference) {
			this.name = name;
			this.net = net;
			this.batches = batches;
			this.images = images;
			this.reference = reference;
		}
	}

	static void run(int rounds) {
		Nd4jNatives.Selection natives = Nd4jNatives.select();
		LeverBenchmark b = new LeverBenchmark();
		b.ladder();
		b.batchNorm();
		try (ComputeThreads.Scope one = ComputeThreads.use(1)) {
			for (int round = 0; round <= rounds; round++) {
				System.out.printf(Locale.ROOT, "round %d of %d%s%n", round, rounds, round == 0 ? " (warm-up)" : "");
				for (Variant v : b.variants) {
					if (v.property != null) System.setProperty(v.property, v.value);
					long t0 = System.nanoTime();
					v.batches.forEach(v.net::fit);
					double s = (System.nanoTime() - t0) / 1e9;
					if (v.property != null) System.clearProperty(v.property);
					if (round > 0) v.speeds.add(v.images / s);
				}
			}
		}
		System.out.printf(Locale.ROOT, "%nLevers, training images/s: medians (ranges) of %d interleaved rounds after 1 "
				+ "warm-up, 1 thread, %s%n", rounds, natives);
		System.out.println("| variant | training images/s | ratio | to |");
		System.out.println("|---|---:|---:|---|");
		for (Variant v : b.variants) {
			double ratio = v.reference == null ? Double.NaN
					: RuntimeBenchmark.Stats.median(v.speeds) / RuntimeBenchmark.Stats.median(v.reference.speeds);
			System.out.printf(Locale.ROOT, "| %s | %.0f (%.0f–%.0f) | %s | %s |%n", v.name,
					RuntimeBenchmark.Stats.median(v.speeds), RuntimeBenchmark.Stats.min(v.speeds),
					RuntimeBenchmark.Stats.max(v.speeds), Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f",
							ratio), v.reference == null ? "" : v.reference == b.variants.get(b.variants.indexOf(v) - 1)
									? "the row above" : "the FastTraining row");
		}
	}

	/** LeNet, one lever more per rung. */
	private void ladder() {
		NetworkSpec spec = NetworkSpec.preset(NetworkSpec.LENET);
		List<DataSet> batches = RuntimeBenchWorker.batches(28, IMAGES);
		Supplier<MultiLayerConfiguration> conf = () -> NetworkBuilder.configuration(spec, 28, 28, 1, 10,
				TrainingSettings.DEFAULTS);
		MultiLayerNetwork plain = new MultiLayerNetwork(conf.get());
		plain.init();
		add("DL4J as shipped (its own layer objects, no helpers)", plain, batches);
		add("+ oneDNN helpers (ConvKit's layer objects, training shortcuts off)", lenet(n -> {
		}), batches);
		Consumer<TrainableNetwork> first = n -> ColumnConvolutionLayer.install(n).get(0).training(true);
		add("+ first layer: no gradient for the images, column products (ColumnConvolutionLayer)", lenet(first),
				batches);
		Consumer<TrainableNetwork> adam = first.andThen(JavaAdamUpdater::install);
		add("+ Adam's step in Java (JavaAdamUpdater)", lenet(adam), batches);
		Consumer<TrainableNetwork> dense = adam.andThen(n -> {
			CachingDenseLayer.training(CachingDenseLayer.install(n), true);
			n.skipRegularizationScore(true);
		});
		add("+ dense layer keeps its pre-activation, no L2 score (CachingDenseLayer, TrainableNetwork)", lenet(dense),
				batches);
		Consumer<TrainableNetwork> shortcuts = dense.andThen(n -> n.stepShortcuts(true));
		add("+ the updater on the network's own gradient array, no parameter self-copy (TrainableNetwork)",
				lenet(shortcuts), batches);
		Consumer<TrainableNetwork> all = shortcuts.andThen(n -> ColumnConvolutionLayer.training(
				ColumnConvolutionLayer.install(n), true));
		Variant fast = add("+ inner convolution as column products too (ColumnConvolutionLayer) = FastTraining",
				lenet(all), batches);
		add("FastTraining.on as ConvKit's Trainer trains: the fused convolution block (FusedLayers) in place of the "
				+ "convolution and pooling layers above", lenet(FastTraining::on), batches, fast);
		MultiLayerConfiguration noCache = conf.get();
		noCache.setCacheMode(CacheMode.NONE);
		TrainableNetwork n = new TrainableNetwork(noCache);
		n.init();
		all.accept(n);
		add("FastTraining with CacheMode.NONE instead of DEVICE", n, batches, fast);
		add("FastTraining with batches of 128", lenet(all), RuntimeBenchWorker.batches(28, IMAGES, 128), fast);
		add("FastTraining with the inner convolution's backprop on oneDNN, not width-unfolded products "
				+ "(-Dconvkit.widthUnfolding=false)", lenet(all), batches, fast).set("convkit.widthUnfolding", "false");
		add("FastTraining with the first layer's columns in one chunk of 4 MB, not chunks of 1 MB "
				+ "(-Dconvkit.columnChunk=1048576)", lenet(all), batches, fast).set("convkit.columnChunk", "1048576");
		add("FastTraining with the first layer's columns unfolded again for its backprop (-Dconvkit.keepColumns=false)",
				lenet(all), batches, fast).set("convkit.keepColumns", "false");
	}

	/** A small network with batch norm: DL4J's Java batch norm against oneDNN's (the helper set to null for it). */
	private void batchNorm() {
		NetworkSpec spec = NetworkSpec.parse("conv 3x3x16 pad=same; batchnorm; maxpool 2; conv 3x3x32 pad=same; "
				+ "batchnorm; maxpool 2; dense 64 relu");
		List<DataSet> batches = RuntimeBenchWorker.batches(32, BN_IMAGES);
		TrainableNetwork java = NetworkBuilder.network(spec, 32, 32, 1, 10, TrainingSettings.DEFAULTS);
		for (Layer l : java.getLayers())
			if (l instanceof BatchNormalization) setHelperNull((BatchNormalization) l);
		add("small net with batch norm (32x32), batch norm in DL4J's Java (" + Dl4jRuntime.helperLayers(java)
				+ " helpers)", java, batches, null);
		TrainableNetwork dnn = NetworkBuilder.network(spec, 32, 32, 1, 10, TrainingSettings.DEFAULTS);
		add("small net with batch norm (32x32), batch norm on oneDNN (" + Dl4jRuntime.helperLayers(dnn) + " helpers)",
				dnn, batches);
	}

	private static TrainableNetwork lenet(Consumer<TrainableNetwork> levers) {
		TrainableNetwork n = NetworkBuilder.network(NetworkSpec.preset(NetworkSpec.LENET), 28, 28, 1, 10,
				TrainingSettings.DEFAULTS);
		levers.accept(n);
		return n;
	}

	/** Adds a variant whose ratio is taken against the one added before it. */
	private Variant add(String name, MultiLayerNetwork net, List<DataSet> batches) {
		return add(name, net, batches, variants.isEmpty() ? null : variants.get(variants.size() - 1));
	}

	private Variant add(String name, MultiLayerNetwork net, List<DataSet> batches, Variant reference) {
		int images = 0;
		for (DataSet d : batches) images += d.numExamples();
		Variant v = new Variant(name, net, batches, images, reference);
		variants.add(v);
		return v;
	}

	/** Bench-only: DL4J's field is package-private (see OneDnn.attachBatchNormHelper). */
	private static void setHelperNull(BatchNormalization l) {
		try {
			Field f = BatchNormalization.class.getDeclaredField("helper");
			f.setAccessible(true);
			f.set(l, null);
		} catch (ReflectiveOperationException e) {
			throw new IllegalStateException(e);
		}
	}
}
