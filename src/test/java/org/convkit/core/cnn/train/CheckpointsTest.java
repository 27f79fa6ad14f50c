package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/** The best epoch keeps its own validation (the result's confusion matrix comes from it), not a later epoch's. */
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
}
