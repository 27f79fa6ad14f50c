package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.ComputeThreads;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * DL4J's Adam update step ({@link AdamUpdater}) computed in Java. libnd4j's {@code adam_updater} op took about 6 ms
 * per step for LeNet's 431,080 parameters on this project's machines (16 % of a training step of 64 images, against
 * about 1 ms for this loop); see docs/benchmarks.md. The state (the moving averages {@code M} and {@code V}) is the
 * same view of the network's updater state as DL4J's, so saving, loading and continuing are unchanged, and so is the
 * arithmetic: libnd4j's formula in single precision,
 * <pre>
 *   m = β1·m + g·(1−β1);   v = β2·v + g²·(1−β2);   update = m·α_t / (√v + ε),   α_t = lr·√(1−β2^(t+1)) / (1−β1^(t+1))
 * </pre>
 * Arrays that are not contiguous float vectors take DL4J's op. Large arrays are split across the calling thread's
 * compute threads ({@link ComputeThreads#current()}, the training's count), each part on whole chunks
 * ({@link #PART_MIN}). Installed at run time into the updater blocks by
 * {@link #install}; the stored configuration still names DL4J's {@code Adam}.
 */
public final class JavaAdamUpdater implements GradientUpdater<Adam> {
	/** Floats per pass: three arrays of 64 KB stay in the L2 cache between reading and writing back. */
	private static final int CHUNK = 16384;
	/**
	 * Floats each thread must have before the step is split: 16 chunks, about 0.5 ms of work on one core, against
	 * the tens of microseconds a hand-off to the common pool costs. LeNet's 431,080 parameters stay on one thread
	 * (they get one anyway); Small VGG's dense layer (4.2 million weights at 64×64, 9.4 million at 96×96 RGB) is
	 * split where training runs on two threads (docs/benchmarks.md, "Adam's step on the training's threads").
	 */
	static final int PART_MIN = 16 * CHUNK;

	private final Adam config;
	private INDArray m, v;
	/** Each part's three chunk arrays (gradient, M, V), made as parts are first needed and kept. */
	private volatile float[][][] scratch = new float[0][][];

	public JavaAdamUpdater(Adam config) {
		this.config = config;
	}

	/**
	 * Replaces DL4J's Adam in every updater block of the network (creating the updater if needed) with this one,
	 * sharing the same state arrays; returns how many blocks now use it. Other optimizers are left alone. Idempotent.
	 */
	public static int install(MultiLayerNetwork net) {
		Updater u = net.getUpdater(true);
		if (!(u instanceof BaseMultiLayerUpdater)) return 0;
		int n = 0;
		for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) u).getUpdaterBlocks()) {
			GradientUpdater<?> current = b.getGradientUpdater();
			if (current instanceof JavaAdamUpdater) n++;
			else if (current.getClass() == AdamUpdater.class) {
				JavaAdamUpdater j = new JavaAdamUpdater((Adam) current.getConfig());
				j.setState(current.getState(), false);
				b.setGradientUpdater(j);
				n++;
			}
		}
		return n;
	}

	@Override
	public Adam getConfig() {
		return config;
	}

	@Override
	public void setState(Map<String, INDArray> stateMap, boolean initialize) {
		if (stateMap.size() != 2 || !stateMap.containsKey(AdamUpdater.M_STATE)
				|| !stateMap.containsKey(AdamUpdater.V_STATE))
			throw new IllegalStateException("State map should contain only keys [M,V] but has " + stateMap.keySet());
		m = stateMap.get(AdamUpdater.M_STATE);
		v = stateMap.get(AdamUpdater.V_STATE);
	}

	@Override
	public Map<String, INDArray> getState() {
		Map<String, INDArray> r = new HashMap<>();
		r.put(AdamUpdater.M_STATE, m);
		r.put(AdamUpdater.V_STATE, v);
		return r;
	}

	/** As DL4J's: the first half of the view holds M, the second V, each shaped like the gradient. */
	@Override
	public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
		if (!viewArray.isRowVector()) throw new IllegalArgumentException("Invalid input: expect row vector input");
		if (initialize) viewArray.assign(0);
		INDArray flat = viewArray.reshape(viewArray.length());
		long length = flat.length();
		m = Shape.newShapeNoCopy(flat.get(NDArrayIndex.interval(0, length / 2)), gradientShape, gradientOrder == 'f');
		v = Shape.newShapeNoCopy(flat.get(NDArrayIndex.interval(length / 2, length)), gradientShape,
				gradientOrder == 'f');
		if (m == null || v == null) throw new IllegalStateException("Could not correctly reshape gradient view arrays");
	}

	@Override
	public void applyUpdater(INDArray gradient, int iteration, int epoch) {
		if (m == null || v == null) throw new IllegalStateException("Updater has not been initialized with view state");
		double lr = config.getLearningRate(iteration, epoch);
		if (!contiguousFloats(gradient) || !contiguousFloats(m) || !contiguousFloats(v) || gradient.length() != m.length()
				|| m.length() != v.length()) {
			Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(gradient.reshape(v.shape()), v, m, lr,
					config.getBeta1(), config.getBeta2(), config.getEpsilon(), iteration));
			return;
		}
		float beta1 = (float) config.getBeta1(), beta2 = (float) config.getBeta2();
		float epsilon = (float) config.getEpsilon(), t = iteration + 1;
		float beta1T = (float) Math.pow(beta1, t), beta2T = (float) Math.pow(beta2, t);
		float alpha = (float) ((float) lr * (float) Math.sqrt((float) (1.0 - beta2T)) / (1.0 - beta1T));
		if (Float.isNaN(alpha) || Float.isInfinite(alpha) || alpha == 0) alpha = epsilon; // as libnd4j

		long length = gradient.length();
		int parts = parts(length, ComputeThreads.current());
		float[][][] arrays = scratch(parts);
		Step step = new Step(gradient, m, v, beta1, beta2, alpha, epsilon);
		if (parts == 1) {
			step.run(0, (int) length, arrays[0]);
		} else {
			// parts start at whole chunks; each element's arithmetic is the same on any part, so any count of
			// threads gives the same values, bit for bit
			int chunks = (int) ((length + CHUNK - 1) / CHUNK);
			IntStream.range(0, parts).parallel().forEach(part -> step.run(
					(int) Math.min(length, (long) chunks * part / parts * CHUNK),
					(int) Math.min(length, (long) chunks * (part + 1) / parts * CHUNK), arrays[part]));
		}
		Reference.reachabilityFence(gradient); // its native memory is written through the NIO view above
	}

	/** How many parts a step over {@code length} floats takes with {@code threads} threads: at least 1. */
	static int parts(long length, int threads) {
		return (int) Math.max(1, Math.min(threads, length / PART_MIN));
	}

	private float[][][] scratch(int parts) {
		float[][][] s = scratch;
		if (s.length >= parts) return s;
		float[][][] grown = Arrays.copyOf(s, parts);
		for (int i = s.length; i < parts; i++) grown[i] = new float[][] { new float[CHUNK], new float[CHUNK],
				new float[CHUNK] };
		scratch = grown;
		return grown;
	}

	/** One step's numbers and arrays; {@link #run} does the elements {@code [from, to)}. */
	private static final class Step {
		private final INDArray gradient, m, v;
		private final float beta1, beta2, keep1, keep2, alpha, epsilon;

		Step(INDArray gradient, INDArray m, INDArray v, float beta1, float beta2, float alpha, float epsilon) {
			this.gradient = gradient;
			this.m = m;
			this.v = v;
			this.beta1 = beta1;
			this.beta2 = beta2;
			keep1 = 1 - beta1;
			keep2 = 1 - beta2;
			this.alpha = alpha;
			this.epsilon = epsilon;
		}

		/** {@code arrays}: the calling part's own gradient, M and V chunks; each part its own buffer views. */
		void run(int from, int to, float[][] arrays) {
			float[] g = arrays[0], mm = arrays[1], vv = arrays[2];
			FloatBuffer gb = gradient.data().asNioFloat().duplicate(), mb = m.data().asNioFloat().duplicate(),
					vb = v.data().asNioFloat().duplicate();
			int go = (int) gradient.offset(), mo = (int) m.offset(), vo = (int) v.offset();
			for (int start = from; start < to; start += CHUNK) {
				int n = Math.min(CHUNK, to - start);
				gb.position(go + start).get(g, 0, n);
				mb.position(mo + start).get(mm, 0, n);
				vb.position(vo + start).get(vv, 0, n);
				for (int i = 0; i < n; i++) {
					float gi = g[i], mi = beta1 * mm[i] + gi * keep1, vi = beta2 * vv[i] + gi * gi * keep2;
					mm[i] = mi;
					vv[i] = vi;
					g[i] = mi * alpha / ((float) Math.sqrt(vi) + epsilon);
				}
				gb.position(go + start).put(g, 0, n); // (absolute bulk get/put need Java 13)
				mb.position(mo + start).put(mm, 0, n);
				vb.position(vo + start).put(vv, 0, n);
			}
		}
	}

	/** A float vector whose elements follow each other in its buffer from {@code offset()}. */
	private static boolean contiguousFloats(INDArray a) {
		return a.dataType() == DataType.FLOAT && (a.isVector() || a.isScalar()) && a.elementWiseStride() == 1
				&& a.offset() + a.length() <= Integer.MAX_VALUE;
	}
}
