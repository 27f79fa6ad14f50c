package org.convkit.core.cnn.runtime;

/**
 * Switches off JavaCPP's check of the process's resident memory, unless the user set it. JavaCPP 1.5.7 reads
 * {@code /proc/self/statm} (a system call: 2.3 µs on this project's machines) every time a native buffer gets a
 * deallocator, to compare the resident memory with {@code maxPhysicalBytes} (by default four times the heap's
 * maximum); ND4J registers about 270 such buffers per LeNet training step of 64 images (counted with strace), 0.6 ms
 * of a step of about 20 ms. The check only makes JavaCPP call {@code System.gc()} sooner, and fail an allocation,
 * when the resident memory is above that limit ("when maxPhysicalBytes is 0 it just doesn't try as hard to release
 * memory", JavaCPP's author in bytedeco/javacpp#767); in Fiji, whose heap is most of the RAM, the limit is above the
 * RAM anyway. The check of the bytes JavaCPP itself has allocated ({@code maxBytes}, the heap's maximum by default),
 * which costs no system call, stays.
 * <p>
 * JavaCPP reads the property once, when its {@code Pointer} class initialises, so {@link #relax()} runs before any
 * JavaCPP library is used ({@link Nd4jNatives#select()}, which the launcher, the test JVMs and every ConvKit command
 * call first); once another plugin has used JavaCPP in the JVM it changes nothing.
 */
public final class JavaCppMemoryCheck {
	/** JavaCPP's property; it also reads the all-lower-case spelling. */
	private static final String PROPERTY = "org.bytedeco.javacpp.maxPhysicalBytes";
	private static final String LOWER_CASE = "org.bytedeco.javacpp.maxphysicalbytes";

	private JavaCppMemoryCheck() {
	}

	/** Sets {@link #PROPERTY} to 0 unless either spelling is set already. */
	static void relax() {
		if (System.getProperty(PROPERTY) == null && System.getProperty(LOWER_CASE) == null)
			System.setProperty(PROPERTY, "0");
	}
}
