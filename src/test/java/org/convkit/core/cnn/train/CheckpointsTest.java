package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * The best epoch keeps its own validation (the result's confusion matrix comes from it), not a later epoch's; a new
 * best is copied into the earlier copy.
 */
public class CheckpointsTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void theBestEpochKeepsItsValidation() throws Exception {
		FolderDataset data = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), 6, 16, 2));
		ModelBundle model = new Trainer(data, NetworkSpec.parse(TrainerTest.SPEC),
				TrainerTest.SETTINGS.withEpochs(1)).train(null).last;
		Validation good = new Validation(0.1, 1.0, new int[] { 0, 1 }, new int[] { 0, 1 }, new int[] { 0, 1 });
		Validation worse = new Validation(0.7, 0.5, new int[] { 0, 1 }, new int[] { 0, 1 }, new int[] { 1, 1 });
		Checkpoints c = Checkpoints.inMemory();
		assertTrue(c.record(model, good.loss, good));
		assertFalse(c.record(model, worse.loss, worse));
		assertSame(good, c.bestValidation());
		Validation better = new Validation(0.05, 1.0, new int[] { 0, 1 }, new int[] { 0, 1 }, new int[] { 0, 1 });
		assertTrue(c.record(model, better.loss, better));
		assertSame(better, c.bestValidation());
	}

	/**
	 * A new best epoch is copied into the earlier best copy (no new native memory per improving epoch): the same
	 * network object, with the live network's parameters, Adam's state and counters bit for bit, and still a copy
	 * (training on changes the live network only); an epoch that is not the best leaves it alone.
	 */
	@Test
	public void aNewBestIsCopiedIntoTheEarlierCopy() throws Exception {
		FolderDataset data = new FolderDataset(Synthetic.folder(tmp.getRoot().toPath(), 6, 16, 2));
		ModelBundle model = new Trainer(data, NetworkSpec.parse(TrainerTest.SPEC),
				TrainerTest.SETTINGS.withEpochs(1)).train(null).last;
		MultiLayerNetwork live = model.network();
		Checkpoints c = Checkpoints.inMemory();
		assertTrue(c.record(model, 0.5, null));
		MultiLayerNetwork first = c.best().network();
		assertNotSame(live, first);
		assertNotSame(live.params(), first.params());
		float[] atFirst = live.params().toFloatVector();
		int k = model.labels().size();
		INDArray y = Nd4j.zeros(DataType.FLOAT, 4, k);
		for (int i = 0; i < 4; i++) y.putScalar(i, i % k, 1);
		Nd4j.getRandom().setSeed(5);
		DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 4, model.inputChannels(), model.inputHeight(),
				model.inputWidth()), y);
		live.fit(batch);
		assertFalse(c.record(model, 0.6, null));
		assertArrayEquals("not the best: the copy as it was", atFirst, first.params().toFloatVector(), 0f);
		live.fit(batch);
		assertTrue(c.record(model, 0.4, null));
		assertSame("the earlier copy, refreshed", first, c.best().network());
		assertArrayEquals(live.params().toFloatVector(), first.params().toFloatVector(), 0f);
		assertArrayEquals(live.getUpdater().getStateViewArray().toFloatVector(),
				first.getUpdater().getStateViewArray().toFloatVector(), 0f);
		assertEquals(live.getLayerWiseConfigurations().getIterationCount(),
				first.getLayerWiseConfigurations().getIterationCount());
		assertEquals(live.getLayerWiseConfigurations().getEpochCount(),
				first.getLayerWiseConfigurations().getEpochCount());
		float[] best = first.params().toFloatVector();
		live.fit(batch);
		assertArrayEquals("still a copy", best, first.params().toFloatVector(), 0f);
		assertFalse(java.util.Arrays.equals(best, live.params().toFloatVector()));
	}
}
