package org.convkit.core.cnn.patch;

import org.convkit.app.MicroscopySample;
import org.convkit.core.cnn.data.ClassSampling;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.core.filter.Border;
import org.convkit.plugins.support.RoiOutlines;
import org.junit.BeforeClass;
import org.junit.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Class balancing on 1:20 data (mitotic vs normal cells of the synthetic fields): balance=Weights and Sampling find
 * more of the rare class than None, all seeded and as short as a user's first try; class-balanced sampling draws the
 * classes equally often.
 */
public class ClassBalanceTest {
	static final String LAYERS = "conv 3x3x8 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32";
	static PatchDataset train;
	static List<Outline> test;
	static List<String> truth;

	@BeforeClass
	public static void rareAndCommonCells() {
		train = twoClasses(MicroscopySample.field(512, 512, 320, 11, true), null);
		List<String> t = new ArrayList<>();
		test = new ArrayList<>();
		PatchDataset d = twoClasses(MicroscopySample.field(512, 512, 320, 12, true), t);
		for (int i = 0; i < d.size(); i++) test.add(d.outline(i));
		truth = t;
	}

	/** The field's mitotic and normal cells (apoptotic ones left out): about 1 to 20. */
	static PatchDataset twoClasses(MicroscopySample.Field f, List<String> labelsOut) {
		List<ij.gui.Roi> rois = new ArrayList<>();
		List<String> labels = new ArrayList<>();
		for (int i = 0; i < f.rois.size(); i++)
			if (!f.truth.get(i).equals("apoptotic")) {
				rois.add(f.rois.get(i));
				labels.add(f.truth.get(i));
			}
		if (labelsOut != null) labelsOut.addAll(labels);
		PatchInput in = new PatchInput(new int[] { 1, 2 }, 2, false, Border.REFLECT, 0, false);
		return new PatchDataset(RoiOutlines.outlines(rois, f.image), labels, in, 32);
	}

	/** Recall of the rare class (mitotic) on the second field after training with this balance. */
	static double[] minorityRecall(ClassBalance balance) throws Exception {
		TrainingSettings s = TrainingSettings.DEFAULTS.withSeed(3).withEpochs(2).withBatchSize(16)
				.withBalance(balance);
		TrainingResult r = new Trainer(train, NetworkSpec.parse(LAYERS), s).input(train.format()).normalisation(
				new NormalisationRule(NormalisationRule.Method.PERCENTILE, NormalisationRule.Per.IMAGE, 1, 99.8))
				.train(null);
		float[][] p = new PatchClassifier(r.best).classify(test);
		int rare = train.classes().indexOf("mitotic"), found = 0, rareCount = 0, right = 0;
		for (int i = 0; i < p.length; i++) {
			int predicted = Evaluation.argMax(p[i]);
			boolean isRare = truth.get(i).equals("mitotic");
			if (isRare) rareCount++;
			if (isRare && predicted == rare) found++;
			if (train.classes().get(predicted).equals(truth.get(i))) right++;
		}
		return new double[] { (double) found / rareCount, (double) right / p.length, rareCount };
	}

	@Test
	public void weightsFindMoreOfTheRareClassThanNone() throws Exception {
		int[] counts = train.counts();
		assertEquals(Arrays.asList("mitotic", "normal"), train.classes());
		assertTrue("about 1:20, got " + Arrays.toString(counts), counts[1] >= 15 * counts[0]);
		double[] none = minorityRecall(ClassBalance.NONE), weights = minorityRecall(ClassBalance.WEIGHTS),
				sampling = minorityRecall(ClassBalance.SAMPLING);
		System.out.printf(java.util.Locale.ROOT, "1:%d training data (%s): minority recall on the second field "
				+ "(%d rare cells) None %.3f (accuracy %.3f), Weights %.3f (accuracy %.3f), Sampling %.3f (accuracy "
				+ "%.3f)%n", counts[1] / counts[0], Arrays.toString(counts), (int) none[2], none[0], none[1],
				weights[0], weights[1], sampling[0], sampling[1]);
		assertTrue("Weights " + weights[0] + " vs None " + none[0], weights[0] > none[0]);
		assertTrue("Sampling " + sampling[0] + " vs None " + none[0], sampling[0] > none[0]);
	}

	@Test
	public void inverseFrequencyWeightsAreOneForBalancedData() {
		assertArrayEquals(new double[] { 1, 1, 1 }, ClassBalance.inverseFrequencyWeights(new int[] { 4, 4, 4 }), 0);
		assertArrayEquals(new double[] { 21 / 2.0, 21 / 40.0 }, ClassBalance.inverseFrequencyWeights(new int[] { 1,
				20 }), 1e-12);
	}

	/** 1 rare and 20 common examples: the draws give both classes about half, with replacement, seeded. */
	@Test
	public void samplingDrawsEveryClassEquallyOften() {
		int[] indices = new int[21];
		for (int i = 0; i < 21; i++) indices[i] = i;
		int[] labels = new int[21];
		labels[5] = 1; // the one rare example
		long rare = 0, all = 0;
		for (int epoch = 1; epoch <= 400; epoch++) {
			int[] o = ClassSampling.order(indices, i -> labels[i], 2, 42, epoch);
			assertEquals(21, o.length);
			for (int i : o) if (labels[i] == 1) rare++;
			all += o.length;
		}
		assertEquals(0.5, (double) rare / all, 0.02);
		assertArrayEquals(ClassSampling.order(indices, i -> labels[i], 2, 42, 7),
				ClassSampling.order(indices, i -> labels[i], 2, 42, 7));
	}
}
