package org.convkit;

/** Version and name constants shared by the commands, the core and the launcher. */
public final class ConvKit {
	public static final String NAME = "ConvKit";
	private ConvKit() {}
}
