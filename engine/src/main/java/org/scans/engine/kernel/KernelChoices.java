package org.scans.engine.kernel;

/**
 * The kernel choices a user can force with JVM properties ({@code -Dscans.bytePermute},
 * {@code scans.bf16Quads} and the others in bench/README.md, "How to run"). Each is read once,
 * when its kernel class is first loaded; a model of one weight type never loads the others'
 * classes, so a wrong {@code -Dscans.f16Quads=maybe} beside a BF16 checkpoint would go unread.
 * {@link #check} loads them all at once, so that every wrong value is refused at start, on
 * every machine, whatever the weights.
 */
public final class KernelChoices {
    private KernelChoices() {}

    /**
     * Reads every kernel property; a value outside the ones listed is refused with an {@link
     * ExceptionInInitializerError} whose cause, an {@link IllegalArgumentException}, names it.
     */
    public static void check() {
        // Reading a static field that is not a constant loads and initializes its class.
        boolean read = Vectors.FEW_REGISTERS | Vectors.INTEL | Vectors.BYTE_PERMUTE | BF16Kernels.QUADS | BF16Kernels.PAIRS32
                | F16Kernels.QUADS | F16Kernels.WIDENED | Q8Kernels.QUADS | Q8Kernels.SHIFTS | Q8Kernels.PAIRS
                | Q8Kernels.TOUCH_AHEAD > 0;
    }
}
