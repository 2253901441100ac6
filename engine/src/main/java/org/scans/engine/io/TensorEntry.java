package org.scans.engine.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.scans.engine.tensor.DType;

/**
 * One tensor of a safetensors file: its header entry and a read-only slice of the mapped file.
 *
 * @param dtypeName the dtype as written in the header (e.g. "BF16", "F64"); {@link #dtype()} is
 *     empty when the engine cannot compute with it
 */
public record TensorEntry(String name, String dtypeName, long[] shape, Path file, MemorySegment data) {

    public Optional<DType> dtype() {
        return DType.fromSafetensors(dtypeName);
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
