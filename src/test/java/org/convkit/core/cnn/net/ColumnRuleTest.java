package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.FreshPageCost;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;

/**
 * Which inner convolutions train as column products: large ones unless glibc keeps its memory or fresh pages are cheap;
 * forced by a property. Fresh pages cost what the virtual machines measured here take (12 µs) unless a test says
 * otherwise, so the expectations do not depend on the machine running the tests. The fused block is off unless a test
 * says otherwise: the layers it trains are not the rule's.
 */
public class ColumnRuleTest {
	@Rule
	public final FusedBlockOff blockOff = new FusedBlockOff();

	@Before
	public void pagesAsOnTheMachinesMeasured() {
		System.setProperty(FreshPageCost.PROPERTY, "12");
	}

	@After
	public void clearProperty() {
		System.clearProperty(ColumnRule.PROPERTY);
		System.clearProperty(FreshPageCost.PROPERTY);
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

	/** Where a fresh page costs less than the break-even, oneDNN's per-call memory is cheap enough: no products. */
	@Test
	public void cheapFreshPagesLeaveLargeLayersToOneDnn() {
		long smallVgg = 289L * 4096 * 64;
		assumeFalse("glibc keeps its memory here", ColumnRule.memoryKept(System.getenv()));
		assertTrue(ColumnRule.inner(smallVgg));
		System.setProperty(FreshPageCost.PROPERTY, "1.99");
		assertFalse(ColumnRule.inner(smallVgg));
		assertFalse(ColumnRule.anyInner(NetworkSpec.preset(NetworkSpec.SMALL_VGG), 96, 96, 3, 2, 64));
		System.setProperty(FreshPageCost.PROPERTY, "0");
		assertFalse(ColumnRule.inner(smallVgg));
		System.setProperty(FreshPageCost.PROPERTY, "2");
		assertTrue(ColumnRule.inner(smallVgg));
		System.setProperty(ColumnRule.PROPERTY, "true"); // the override still wins
		System.setProperty(FreshPageCost.PROPERTY, "0.1");
		assertTrue(ColumnRule.inner(1));
	}

	@Test
	public void anUnknownCostCountsAsExpensive() {
		assertTrue(ColumnRule.expensive(Double.NaN));
		assertTrue(ColumnRule.expensive(ColumnRule.EXPENSIVE_PAGE_MICROS));
		assertTrue(ColumnRule.expensive(Double.POSITIVE_INFINITY));
		assertFalse(ColumnRule.expensive(ColumnRule.EXPENSIVE_PAGE_MICROS - 1e-9));
		assertFalse(ColumnRule.expensive(0));
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

	@Test
	public void whichNetworksTrainInnerLayersAsProducts() {
		NetworkSpec lenet = NetworkSpec.preset(NetworkSpec.LENET), vgg = NetworkSpec.preset(NetworkSpec.SMALL_VGG);
		boolean kept = ColumnRule.memoryKept(System.getenv());
		assertFalse(ColumnRule.anyInner(lenet, 28, 28, 1, 10, 64)); // 8 MB of columns in its second convolution
		assertEquals(!kept, ColumnRule.anyInner(lenet, 28, 28, 1, 10, 1000)); // 501 x 64 x 1000 floats: 128 MB
		assertEquals(!kept, ColumnRule.anyInner(vgg, 64, 64, 1, 10, 64)); // 289 x 4096 x 64 floats: 303 MB
		assertEquals(!kept, ColumnRule.anyInner(vgg, 96, 96, 3, 2, 64));
		assertFalse(ColumnRule.anyInner(vgg, 64, 64, 1, 10, 1)); // one image: 4.7 MB
		// the first layer never counts (it takes the products whatever this rule says): 28 x 9216 x 64 floats, 66 MB
		assertFalse(ColumnRule.anyInner(NetworkSpec.parse("conv 3x3x64 pad=same; maxpool 32"), 96, 96, 3, 10, 64));
		System.setProperty(ColumnRule.PROPERTY, "true");
		assertTrue(ColumnRule.anyInner(NetworkSpec.parse("conv 3x3x4; conv 3x3x4"), 8, 8, 1, 2, 1));
		assertFalse(ColumnRule.anyInner(NetworkSpec.parse("conv 3x3x4; conv 3x3x4 tanh"), 8, 8, 1, 2, 1));
		System.setProperty(FastTraining.ENABLED_PROPERTY, "false");
		try {
			assertFalse(ColumnRule.anyInner(NetworkSpec.parse("conv 3x3x4; conv 3x3x4"), 8, 8, 1, 2, 1));
		} finally {
			System.clearProperty(FastTraining.ENABLED_PROPERTY);
		}
	}

	/**
	 * The fused block trains its layers on oneDNN with buffers it keeps from step to step: they never take the
	 * products, and training them is no reason for one thread ({@code Trainer.trainingThreads}). A layer above the
	 * block still counts.
	 */
	@Test
	public void layersOfTheFusedBlockDoNotCount() {
		assumeFalse("glibc keeps its memory here", ColumnRule.memoryKept(System.getenv()));
		NetworkSpec vgg = NetworkSpec.preset(NetworkSpec.SMALL_VGG);
		NetworkSpec afterBatchNorm = NetworkSpec.parse("conv 3x3x32 pad=same; batchnorm; conv 3x3x32 pad=same; "
				+ "maxpool 2; dense 10 relu");
		assertTrue(ColumnRule.anyInner(vgg, 64, 64, 1, 10, 64));
		assertTrue(ColumnRule.anyInner(afterBatchNorm, 64, 64, 1, 10, 64));
		System.clearProperty(FusedLayers.PROPERTY);
		assertFalse(ColumnRule.anyInner(vgg, 64, 64, 1, 10, 64));
		assertFalse(ColumnRule.anyInner(vgg, 96, 96, 3, 2, 64));
		assertTrue("the block ends at the batch normalisation", ColumnRule.anyInner(afterBatchNorm, 64, 64, 1, 10, 64));
		System.setProperty(FusedLayers.PROPERTY, " FALSE ");
		assertTrue(ColumnRule.anyInner(vgg, 64, 64, 1, 10, 64));
	}

	private static Map<String, String> env(String mmap, String trim) {
		Map<String, String> m = new HashMap<>();
		if (mmap != null) m.put("MALLOC_MMAP_THRESHOLD_", mmap);
		if (trim != null) m.put("MALLOC_TRIM_THRESHOLD_", trim);
		return m;
	}
}
