package org.convkit.core.kernel;

import org.junit.Test;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

public class KernelParserTest {
	@Test
	public void rowsAndSeparators() {
		Kernel k = KernelParser.parse(" 1, 2 ,3 ;\n4\t5 6\r\n\n7 8 9; ");
		assertEquals(3, k.width());
		assertEquals(3, k.height());
		assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, k.values(), 0);
	}

	@Test
	public void numberForms() {
		Kernel k = KernelParser.parse("1/9 -1/4 +2.5 .5 -3. 1e-3 2E2 -1/-2");
		assertArrayEquals(new double[] {1.0 / 9, -0.25, 2.5, 0.5, -3, 0.001, 200, 0.5}, k.values(), 0);
	}

	@Test
	public void evenSizesHaveLowerRightAnchor() {
		Kernel k = KernelParser.parse("1 2 3 4; 5 6 7 8");
		assertEquals(2, k.anchorX());
		assertEquals(1, k.anchorY());
		assertEquals(7, k.get(k.anchorX(), k.anchorY()), 0);
	}

	@Test
	public void normalized() {
		Kernel k = KernelParser.parse("1 2; 3 4").normalized();
		assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, k.values(), 1e-15);
		Kernel zero = KernelParser.parse("-1 0 1");
		assertTrue(!zero.canNormalize());
		assertEquals(zero, zero.normalized());
	}

	@Test
	public void badTokensAreNamed() {
		expect("1 2; 3 abc", "'abc' (row 2) is not a number");
		expect("1 2; 3", "row 2 has 1 values but row 1 has 2");
		expect("", "empty");
		expect(";;\n", "empty");
		expect("1 nan", "'nan' (row 1) is not a finite number");
		expect("inf", "'inf' (row 1) is not a finite number");
		expect("1e400", "too large");
		expect("1/0", "divides by zero");
		expect("0x10", "'0x10'");
		expect("1d", "'1d'");
		expect("1//2", "'1//2'");
		StringBuilder tall = new StringBuilder();
		for (int i = 0; i < 100; i++) tall.append("1;");
		expect(tall.toString(), "1x100; the largest allowed is 99x99");
	}

	private static void expect(String text, String message) {
		try {
			KernelParser.parse(text);
			fail("'" + text + "' should not parse");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains(message));
		}
	}

	@Test
	public void formatIsPlainAndReadsBack() {
		Kernel k = new Kernel(3, 2, new double[] {1.0 / 9, -0.5, 1e-7, 123456789.125, -0.0, 2});
		String text = KernelParser.format(k, "\n");
		assertEquals("0.1111111111111111 -0.5 0.0000001\n123456789.125 0 2", text);
		assertEquals(k, KernelParser.parse(text));
	}
}
