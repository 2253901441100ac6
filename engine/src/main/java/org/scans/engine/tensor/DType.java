package org.scans.engine.tensor;

import java.util.Optional;

/** Element types of weight tensors. Q8_0 is produced only by quantizing at load time. */
public enum DType {
    F32(4, "F32"),
    F16(2, "F16"),
    BF16(2, "BF16"),
    /** llama.cpp's Q8_0: blocks of 32 int8 values with one F16 scale (stored as a float32: 36 bytes per block; order in {@link Q8Matrix}). */
    Q8_0(-1, "Q8_0");

    /** Bytes per element, or -1 for block formats. */
    public final int bytes;
    /** The name used in safetensors headers. */
    public final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    /** Size in bytes of {@code elements} values; a Q8_0 matrix's size is {@link WeightMatrix#sizeOf}. */
    public long sizeOf(long elements) {
        if (this == Q8_0) return elements / 32 * 34;
        return elements * bytes;
    }

    public static Optional<DType> fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> Optional.of(F32);
            case "F16" -> Optional.of(F16);
            case "BF16" -> Optional.of(BF16);
            default -> Optional.empty();
        };
    }
}
