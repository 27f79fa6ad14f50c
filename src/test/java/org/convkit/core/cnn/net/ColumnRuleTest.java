package org.convkit.core.cnn.net;

import org.junit.After;
import org.junit.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** Which inner convolutions train as column products: large ones unless glibc keeps its memory; forced by a property. */
public class ColumnRuleTest {
	@After
	public void clearProperty() {
		System.clearProperty(ColumnRule.PROPERTY);
	}

	@Test
	public void memoryIsKeptOnlyWithBothThresholdsHigh() {
		assertFalse(ColumnRule.memoryKept(env(null, null)));
		assertTrue(ColumnRule.memoryKept(env("2000000000", "2000000000"))); // what CONVKIT_MALLOC=keep exports
		assertTrue(ColumnRule.memoryKept(env(" 1073741824 ", "4000000000")));
		assertFalse(ColumnRule.memoryKept(env("2000000000", null)));
		assertFalse(ColumnRule.memoryKept(env(null, "2000000000")));
		assertFalse(ColumnRule.memoryKept(env("1073741823", "2000000000")));
		for (String bad : new String[] { "", "lots", "-1", "NaN", "1e12", "99999999999999999999999" })
			assertFalse(bad, ColumnRule.memoryKept(env(bad, "2000000000")));
	}

	@Test
	public void largeLayersTakeTheProductsUnlessMemoryIsKept() {
		long lenet = 501L * 64 * 64, smallVgg = 289L * 4096 * 64, edge = ColumnRule.LARGE_BYTES / Float.BYTES;
		assertFalse(ColumnRule.inner(lenet));
		assertFalse(ColumnRule.inner(edge));
		boolean kept = ColumnRule.memoryKept(System.getenv());
		assertEquals(!kept, ColumnRule.inner(smallVgg));
		assertEquals(!kept, ColumnRule.inner(edge + 1));
	}

	@Test
	public void thePropertyForcesEitherWay() {
		System.setProperty(ColumnRule.PROPERTY, "TRUE");
		assertTrue(ColumnRule.inner(1));
		System.setProperty(ColumnRule.PROPERTY, " false ");
		assertFalse(ColumnRule.inner(Long.MAX_VALUE / 8));
		System.setProperty(ColumnRule.PROPERTY, "nonsense"); // anything else: the rule
		assertFalse(ColumnRule.inner(1));
	}

	private static Map<String, String> env(String mmap, String trim) {
		Map<String, String> m = new HashMap<>();
		if (mmap != null) m.put("MALLOC_MMAP_THRESHOLD_", mmap);
		if (trim != null) m.put("MALLOC_TRIM_THRESHOLD_", trim);
		return m;
	}
}
