package org.convkit.bench;

import org.junit.Test;

import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;

/** The cases {@code ./convkit --bench K runs[-CASE]} takes. */
public class TrainerRunsSplitCaseTest {
	@Test
	public void namesLeNetAloneAndSmallVggWithItsCase() {
		assertSame(CnnCase.LENET, TrainerRunsSplit.caseOf("runs"));
		assertSame(CnnCase.VGG64, TrainerRunsSplit.caseOf("runs-vgg64"));
		assertSame(CnnCase.VGG96, TrainerRunsSplit.caseOf("runs-vgg96"));
		assertSame(CnnCase.LENET, TrainerRunsSplit.caseOf("runs-lenet"));
		for (String bad : new String[] { "runs-", "runs-vgg", "runs-VGG64", "runsvgg64", "runs-vgg64 ", "run", "" })
			assertNull(bad, TrainerRunsSplit.caseOf(bad));
	}
}
