package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.junit.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;

/** The shared buffers of a fused block's plans: growing, moving, and an allocation that fails on the way. */
public class PlanMemoryTest {
	private final Dnnl dnnl = Dnnl.get();

	/**
	 * A larger plan's allocation fails (out of memory) after the smaller plan's buffer was freed to make room: the
	 * smaller plan must bind again before its next use, onto a live buffer, not keep the freed one because "nothing
	 * changed" (oneDNN would write its activations into freed heap memory).
	 */
	@Test
	public void aFailedGrowthLeavesNoPlanOnTheFreedBuffer() {
		List<memory> made = new ArrayList<>();
		boolean[] failing = { false };
		PlanMemory.Buffers buffers = new PlanMemory.Buffers(bytes -> {
			if (failing[0]) throw new IllegalStateException("could not create a memory object (out of memory)");
			memory m = new memory(Dnnl.desc(new long[] { bytes }, memory.format_tag.x), dnnl.engine);
			made.add(m);
			return m;
		});
		stream s = new stream(dnnl.engine);
		PlanMemory small = new PlanMemory(dnnl.engine, s), large = new PlanMemory(dnnl.engine, s);
		memory smallActivation = small.owned(Dnnl.desc(new long[] { 64, 8 }, memory.format_tag.nc));
		large.owned(Dnnl.desc(new long[] { 64, 800 }, memory.format_tag.nc));
		small.bind(buffers);
		long generation = buffers.generation();
		assertEquals(1, made.size());
		assertEquals(made.get(0).get_data_handle().address(), smallActivation.get_data_handle().address());

		failing[0] = true;
		assertThrows(IllegalStateException.class, () -> large.bind(buffers));
		assertNotEquals("plans bound before are told", generation, buffers.generation());
		assertEquals("the freed buffer is forgotten", 0, buffers.bytes());

		failing[0] = false;
		small.bind(buffers);
		assertEquals("a new buffer", 2, made.size());
		assertEquals(made.get(1).get_data_handle().address(), smallActivation.get_data_handle().address());
		large.bind(buffers); // memory is back: the large plan binds, and the small one binds again after it
		small.bind(buffers);
		assertEquals(3, made.size());
		assertEquals(64 * 800 * Float.BYTES, buffers.bytes());
		assertEquals(made.get(2).get_data_handle().address(), smallActivation.get_data_handle().address());
	}

	/** Growing a buffer moves it; plans that share it bind again; a buffer large enough is kept. */
	@Test
	public void plansShareTheLargestBuffer() {
		PlanMemory.Buffers buffers = new PlanMemory.Buffers(dnnl.engine);
		stream s = new stream(dnnl.engine);
		PlanMemory a = new PlanMemory(dnnl.engine, s), b = new PlanMemory(dnnl.engine, s);
		memory inA = a.owned(Dnnl.desc(new long[] { 10, 100 }, memory.format_tag.nc));
		memory inB = b.owned(Dnnl.desc(new long[] { 64, 100 }, memory.format_tag.nc));
		a.bind(buffers);
		b.bind(buffers);
		a.bind(buffers);
		assertEquals(inB.get_data_handle().address(), inA.get_data_handle().address());
		assertEquals(64 * 100 * Float.BYTES, buffers.bytes());
		long generation = buffers.generation();
		a.bind(buffers);
		b.bind(buffers);
		assertEquals("nothing grew", generation, buffers.generation());
	}
}
