package org.convkit.plugins.support;

/**
 * Main of {@link CommandEnvironmentTest}'s child JVM: a filter command's first step in a fresh JVM (as the first
 * ConvKit command in a Fiji session), then prints {@code ready=true|false maxPhysicalBytes=B}, JavaCPP's limit in
 * effect.
 */
public final class FilterCommandProbe {
	private FilterCommandProbe() {
	}

	public static void main(String[] args) {
		boolean ready = CommandEnvironment.readyForFilters("Probe");
		System.out.println("ready=" + ready + " maxPhysicalBytes=" + org.bytedeco.javacpp.Pointer.maxPhysicalBytes());
	}
}
