package org.convkit.plugins.support;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** Which ImageJ versions the commands and --install accept. */
public class ImageJVersionTest {
	@Test
	public void releasesFromTheMinimumOnAreAccepted() {
		for (String v : new String[] { "1.53d", "1.53t", "1.54p", "1.54p12", "1.60a", "2.1a" })
			assertTrue(v, ImageJVersion.atLeast(v, "1.53d"));
	}

	@Test
	public void olderReleasesAreRefused() {
		for (String v : new String[] { "1.53c", "1.53", "1.52i", "1.52z99", "1.46r", "0.99z" })
			assertFalse(v, ImageJVersion.atLeast(v, "1.53d"));
	}

	@Test
	public void aVersionInAnotherFormatIsNotRefused() {
		assertTrue(ImageJVersion.atLeast("unknown", "1.53d"));
	}

	@Test
	public void theMessageNamesBothVersionsAndTheWayOut() {
		assertEquals("ConvKit needs ImageJ " + ImageJVersion.MINIMUM + " or later; this is ImageJ 1.52i. "
				+ "Update ImageJ (Help > Update ImageJ...) or use Fiji.", ImageJVersion.tooOld("1.52i"));
	}
}
