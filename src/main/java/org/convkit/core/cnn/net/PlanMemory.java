package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The oneDNN memories of one {@link FusedConvStack} plan (one batch size), whose data live in buffers the stack's plans
 * share ({@link Buffers}, each as large as the largest batch's needs): the last batch of an epoch is smaller, and two
 * plans with their own activations would hold twice the memory (Small VGG on 96×96 RGB: about 0.5 GB per plan for 64
 * images), while freeing and allocating them twice per epoch would fault half a gigabyte of fresh pages in each time.
 * Memories are numbered in the order the plan makes them; plans of one stack make them in the same order, so a number
 * names the same role in each. An inference plan needs only two layers' activations at a time (a layer's input and
 * output), a training plan only two layers' errors (backprop reads a layer's output error and writes its input error;
 * the activations are all kept for it): those take turns in two buffers ({@link #alternating}).
 */
final class PlanMemory {
	final engine engine;
	final stream stream;
	/** The first buffer numbers are the two that {@link #alternating} memories take turns in. */
	private static final int ALTERNATING = 2;

	private final List<memory> memories = new ArrayList<>();
	private final List<Long> sizes = new ArrayList<>();
	/** Each memory's buffer number. */
	private final List<Integer> slots = new ArrayList<>();
	private int owned, alternated;
	private Buffers boundTo;
	private long boundGeneration = -1;

	PlanMemory(engine engine, stream stream) {
		this.engine = engine;
		this.stream = stream;
	}

	/** A memory of {@code d} whose data the plan keeps (in the shared buffers, from {@link #bind} on). */
	memory owned(memory.desc d) {
		return kept(d, ALTERNATING + owned++);
	}

	/**
	 * A memory of {@code d} whose data the plan keeps in one of two buffers, taking turns with the memory made before
	 * and the one made after: for activations of which only the latest two are in use (inference), or errors
	 * (training).
	 */
	memory alternating(memory.desc d) {
		return kept(d, alternated++ % ALTERNATING);
	}

	private memory kept(memory.desc d, int slot) {
		memory m = user(d);
		memories.add(m);
		sizes.add(d.get_size());
		slots.add(slot);
		return m;
	}

	/** A memory of {@code d} without data: ConvKit points it at an ND4J array before each use ({@link Dnnl#point}). */
	memory user(memory.desc d) {
		return new memory(d, engine, null);
	}

	/** Points every kept memory at its shared buffer (growing those too small); cheap when nothing changed. */
	void bind(Buffers b) {
		if (b == boundTo && b.generation == boundGeneration) return;
		for (int i = 0; i < memories.size(); i++) // every buffer grown first: growing one moves it
			b.at(slots.get(i), sizes.get(i));
		for (int i = 0; i < memories.size(); i++)
			memories.get(i).set_data_handle(b.at(slots.get(i), sizes.get(i)));
		boundTo = b;
		boundGeneration = b.generation;
	}

	/** Native buffers by number, grown on demand, owned by oneDNN (one byte-array memory each). */
	static final class Buffers {
		private final LongFunction<memory> allocate;
		private final List<memory> raw = new ArrayList<>();
		private final List<Long> capacity = new ArrayList<>();
		/** Changes whenever a buffer moves, so that plans bound earlier bind again. */
		private long generation;

		Buffers(engine engine) {
			this(bytes -> new memory(new memory.desc(new long[] { bytes }, memory.data_type.u8, memory.format_tag.x),
					engine));
		}

		/** With {@code allocate} making each buffer (tests make it fail). */
		Buffers(LongFunction<memory> allocate) {
			this.allocate = allocate;
		}

		private org.bytedeco.javacpp.Pointer at(int slot, long bytes) {
			while (raw.size() <= slot) {
				raw.add(null);
				capacity.add(0L);
			}
			if (capacity.get(slot) < bytes) {
				// forgotten before it is freed, and plans told, before the allocation that may fail (out of memory): a
				// plan bound to the old buffer must never take "nothing changed" for an answer and write into it
				memory old = raw.get(slot);
				raw.set(slot, null);
				capacity.set(slot, 0L);
				generation++;
				if (old != null) old.close(); // first, so that the old and the new never take memory together
				raw.set(slot, allocate.apply(Math.max(bytes, 1)));
				capacity.set(slot, bytes);
			}
			return raw.get(slot).get_data_handle();
		}

		long generation() {
			return generation;
		}

		/** Total bytes held. */
		long bytes() {
			long sum = 0;
			for (long c : capacity)
				sum += c;
			return sum;
		}

		void release() {
			for (memory m : raw)
				if (m != null) m.close();
			raw.clear();
			capacity.clear();
			generation++;
		}
	}
}
