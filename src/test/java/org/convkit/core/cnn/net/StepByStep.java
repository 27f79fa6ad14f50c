package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Training steps of a network on ConvKit's path compared with the same steps on a reference path (DL4J's), each step
 * from the same state: before every step the reference gets the candidate's weights and updater state, both take one
 * step on the same batch, and the step (the change of all parameters) and the updater's state after it (each block's
 * arrays, M and V for Adam, each on its own: V is tiny) are compared relative to the reference's, as norms.
 * <p>
 * <b>{@link #STEP_TOL}:</b> the paths sum in other orders (oneDNN and OpenBLAS products against DL4J's im2col and GEMM,
 * Java loops against libnd4j's), so gradients differ in the 7th digit. Adam divides each parameter's step by its own
 * √v, so a wrong value in even one parameter moves its step by about a learning rate: LeNet has 431,080 parameters,
 * and with one weight's gradient set to 0 on purpose 18 of 20 steps differed by 8e-4 to 9.6e-3 (the step or M). With
 * the second layer's bias gradient 0.1 % too large, M differed by 1.0e-4 to 6e-3 at 8 of 20 steps (about the smallest
 * fault this comparison sees). Measured without a fault in the three test classes using it: 2e-7 to 1.6e-5 per
 * step (the first step, where Adam's m/√v is about ±1 for every parameter, the largest) with seven of OpenBLAS's
 * kernel sets, SKYLAKEX to PRESCOTT; 1e-4 leaves room for other processors.
 * <p>
 * <b>Flips ({@link #FLIP_TOL}):</b> ReLU and max pooling are not smooth: where two values of a pooling window, or a
 * pre-activation and 0, agree to the 7th digit, the two paths may route an error differently, and that step differs by
 * more than {@link #STEP_TOL}. Measured in {@code FastTrainingTest}: one step of 20 (step 9) at 9.6e-4 in the weights
 * and 6.3e-3 in Adam's M with OpenBLAS's HASWELL kernels and oneDNN's AVX-512 ones, and the same step with NEHALEM
 * kernels and oneDNN narrowed to AVX2; none with SKYLAKEX, ZEN, SANDYBRIDGE, BARCELONA or PRESCOTT kernels, or HASWELL
 * with oneDNN narrowed (oneDNN's blocking also follows the processor's caches, so other processors flip elsewhere).
 * Such steps are allowed up to {@link #FLIP_TOL}, in at most a quarter of the steps: a wrong gradient shows at every
 * step, a flip only where the data happen to tie. Each step starts from the candidate's state, so a flip does not
 * carry over into the steps after it. Over a whole trajectory Adam passes it on: {@code FastTrainingTest} compared 20
 * steps end to end until 2026-12-04, and with the second layer's weight gradient summed in another order the runs
 * parted by 2.5e-3 of the total change after a flip (2e-6 without one), the size a subtle bug gives, so end points
 * cannot tell the two apart.
 */
final class StepByStep {
	static final double STEP_TOL = 1e-4;
	static final double FLIP_TOL = 5e-2;

	private final double[] steps, states;
	private int done;

	/** For {@code count} steps (at least 4, so that a flip can be allowed). */
	StepByStep(int count) {
		if (count < 4) throw new IllegalArgumentException("at least 4 steps: " + count);
		steps = new double[count];
		states = new double[count];
	}

	/**
	 * One step of {@code candidate} and one of {@code reference} from {@code candidate}'s weights and updater state, on
	 * batch {@code d}; the reference's inside {@link PlainDl4j#path} (libnd4j's oneDNN off) when {@code plainPath}.
	 */
	void step(MultiLayerNetwork candidate, MultiLayerNetwork reference, DataSet d, boolean plainPath) {
		INDArray start = candidate.params().dup();
		reference.setParams(start);
		INDArray state = candidate.getUpdater().getStateViewArray(); // null for updaters without state (SGD)
		if (state != null) reference.getUpdater().getStateViewArray().assign(state);
		candidate.fit(d);
		if (plainPath) PlainDl4j.path(() -> {
			reference.fit(d);
			return null;
		});
		else reference.fit(d);
		steps[done] = relative(candidate.params().sub(start), reference.params().sub(start));
		states[done] = stateDifference(candidate, reference);
		done++;
	}

	/**
	 * Every step within {@link #STEP_TOL} of the reference's, except at most a quarter of them within
	 * {@link #FLIP_TOL}; prints what it measured (after the assertions).
	 */
	void assertAgree(String what) {
		assertEquals("steps taken", steps.length, done);
		int flips = 0;
		double within = 0;
		for (int i = 0; i < steps.length; i++) {
			double worst = Math.max(steps[i], states[i]);
			if (worst <= STEP_TOL) {
				within = Math.max(within, worst);
				continue;
			}
			flips++; // NaN included: it fails below
			assertTrue(what + ": step " + i + " differs from the reference's by " + worst + " of its size",
					worst <= FLIP_TOL);
		}
		assertTrue(what + ": " + flips + " steps differ from the reference's by more than " + STEP_TOL + ": "
				+ Arrays.toString(steps) + ", the updater's state: " + Arrays.toString(states),
				flips <= steps.length / 4);
		System.out.printf("%s: %d steps within %.1e of the reference's (at most %.1e), %d beyond (a flip)%s%n", what,
				steps.length - flips, STEP_TOL, within, flips, flips == 0 ? "" : ": " + Arrays.toString(steps));
	}

	/** The largest of the updater states' relative differences, each block's arrays on their own. */
	private static double stateDifference(MultiLayerNetwork candidate, MultiLayerNetwork reference) {
		List<UpdaterBlock> c = ((BaseMultiLayerUpdater<?>) candidate.getUpdater()).getUpdaterBlocks();
		List<UpdaterBlock> r = ((BaseMultiLayerUpdater<?>) reference.getUpdater()).getUpdaterBlocks();
		assertEquals(r.size(), c.size());
		double worst = 0;
		for (int b = 0; b < c.size(); b++) {
			Map<String, INDArray> cs = state(c.get(b)), rs = state(r.get(b));
			assertEquals(rs.keySet(), cs.keySet());
			for (String k : rs.keySet()) worst = Math.max(worst, relative(cs.get(k), rs.get(k)));
		}
		return worst;
	}

	private static Map<String, INDArray> state(UpdaterBlock b) {
		Map<String, INDArray> s = b.getGradientUpdater().getState();
		return s == null ? Collections.emptyMap() : s;
	}

	/** {@code |a − reference| / |reference|}, norms over all values (0 when both are 0). */
	private static double relative(INDArray a, INDArray reference) {
		double diff = a.sub(reference).norm2Number().doubleValue(), size = reference.norm2Number().doubleValue();
		return diff == 0 ? 0 : diff / size;
	}
}
