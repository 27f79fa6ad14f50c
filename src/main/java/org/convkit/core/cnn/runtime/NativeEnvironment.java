package org.convkit.core.cnn.runtime;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The process's C environment, the one native libraries read with {@code getenv} when they load. Java has no
 * {@code setenv}, and {@code System.getenv} is a copy made at start; this reads and extends C's {@code environ} array
 * through JavaCPP ({@code Loader.addressof}). Only for variables a native library reads once, when it is loaded; Java's
 * copy ({@code System.getenv}) and the environment Java gives a child through {@code ProcessBuilder.environment()} do
 * not see the change.
 */
final class NativeEnvironment {
	private NativeEnvironment() {
	}

	/**
	 * Adds {@code name=value} unless {@code name} is there already (with any value). Returns whether it was added. The
	 * array and the text are never freed: the environment points at them for the rest of the process. A new array
	 * replaces the old one in one store of {@code environ} and the old one stays valid, as glibc's own {@code setenv}
	 * does, so a native {@code getenv} running meanwhile on another thread reads one or the other.
	 */
	static synchronized boolean putIfAbsent(String name, String value) {
		Pointer variable = symbol("environ");
		if (variable == null) return false; // not a symbol the loader finds here (not glibc or musl)
		List<Pointer> kept = new ArrayList<>();
		for (String entry : entries(variable, kept))
			if (entry.startsWith(name + "=")) return false;
		byte[] text = (name + "=" + value).getBytes(StandardCharsets.ISO_8859_1);
		Pointer textMemory = Pointer.malloc(text.length + 1);
		Pointer arrayMemory = Pointer.malloc((kept.size() + 2) * (long) Pointer.sizeof(PointerPointer.class));
		if (textMemory == null || textMemory.isNull() || arrayMemory == null || arrayMemory.isNull()) return false;
		BytePointer copy = new BytePointer(textMemory).capacity(text.length + 1);
		copy.put(text).put(text.length, (byte) 0);
		PointerPointer<?> array = new PointerPointer<>(arrayMemory).capacity(kept.size() + 2);
		for (int i = 0; i < kept.size(); i++) array.put(i, kept.get(i));
		array.put(kept.size(), copy);
		array.put(kept.size() + 1, (Pointer) null);
		new PointerPointer<>(variable).put(0, array);
		return true;
	}

	/** C's {@code environ} entries (at {@code variable}) as text; their native pointers go into {@code pointers}. */
	private static List<String> entries(Pointer variable, List<Pointer> pointers) {
		List<String> out = new ArrayList<>();
		Pointer array = new PointerPointer<>(variable).get(0);
		if (array == null || array.isNull()) return out;
		PointerPointer<?> list = new PointerPointer<>(array);
		for (Pointer p; (p = list.get(out.size())) != null && !p.isNull();) {
			out.add(new BytePointer(p).getString(StandardCharsets.ISO_8859_1));
			pointers.add(p);
		}
		return out;
	}

	/**
	 * The address of a symbol of the libraries loaded in this process (JavaCPP's {@code dlsym}), or null: not loaded,
	 * or no JavaCPP library for this platform.
	 */
	static Pointer symbol(String name) {
		try {
			Pointer p = Loader.addressof(name);
			return p == null || p.isNull() ? null : p;
		} catch (RuntimeException | LinkageError e) {
			return null;
		}
	}
}
