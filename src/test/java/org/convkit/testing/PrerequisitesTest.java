package org.convkit.testing;

import org.junit.AssumptionViolatedException;
import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** The one rule for missing prerequisites: a failure under CI, a skip with the reason otherwise. */
public class PrerequisitesTest {
	@Test
	public void aMissingPrerequisiteFailsUnderCi() {
		AssertionError e = assertThrows(AssertionError.class, () -> Prerequisites.require("a unicorn", false, true));
		assertTrue(e.getMessage(), e.getMessage().startsWith("missing prerequisite: a unicorn (CI=true"));
	}

	@Test
	public void aMissingPrerequisiteSkipsLocallyWithTheReason() {
		AssumptionViolatedException e = assertThrows(AssumptionViolatedException.class,
				() -> Prerequisites.require("a unicorn", false, false));
		assertEquals("missing prerequisite: a unicorn", e.getMessage());
	}

	@Test
	public void aPresentPrerequisitePassesEitherWay() {
		Prerequisites.require("java", true, true);
		Prerequisites.require("java", true, false);
	}

	@Test
	public void aPythonModuleThatDoesNotExistIsMissing() {
		Class<? extends Throwable> expected = Prerequisites.strict() ? AssertionError.class
				: AssumptionViolatedException.class;
		assertThrows(expected, () -> Prerequisites.requirePython("convkit_no_such_module"));
	}
}
