package org.scans.method;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.scans.engine.io.AtomicFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes refusal directions as a llama.cpp control vector (GGUF v3): one F32 tensor
 * {@code direction.N} per steered layer N, already scaled by α·sign, and the keys
 * {@code general.architecture = controlvector},
 * {@code controlvector.model_hint} and {@code controlvector.layer_count}. llama.cpp adds the
 * vector at every position; it cannot start at the end of the instruction as SCANS does.
 *
 * <p>N is the layer as SCANS counts it (the output of decoder layer N, from 0): llama.cpp's loader
 * stores {@code direction.N} at row N − 1 of its buffer, hands row il − 1 to layer il, and adds
 * it to that layer's output (its {@code l_out}), so the two offsets cancel; repeng's exporter
 * names its 0-based layers the same way. Layer 0 has no slot ({@code direction.0} is refused).
 */
public final class ControlVectorExport {
    private static final int GGUF_VERSION = 3;
    private static final int ALIGNMENT = 32;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_STRING = 8;
    private static final int GGML_TYPE_F32 = 0;

    private ControlVectorExport() {}

    public static void write(ScansVectors v, int[] layers, double alpha, int sign, Path file) throws IOException {
        try (var staged = stage(v, layers, alpha, sign, file)) {
            staged.commit();
        }
    }

    /** The file written beside {@code file}, not yet in place (see {@code AtomicFiles.stage}). */
    public static AtomicFiles.Staged stage(ScansVectors v, int[] layers, double alpha, int sign, Path file) throws IOException {
        checkLayers(layers);
        Buf header = new Buf();
        header.raw("GGUF".getBytes(StandardCharsets.US_ASCII));
        header.u32(GGUF_VERSION);
        header.u64(layers.length);
        header.u64(3);
        header.string("general.architecture");
        header.u32(TYPE_STRING);
        header.string("controlvector");
        header.string("controlvector.model_hint");
        header.u32(TYPE_STRING);
        header.string("llama");
        header.string("controlvector.layer_count");
        header.u32(TYPE_INT32);
        header.i32(v.layers());
        long offset = 0;
        long tensorBytes = 4L * v.dim();
        long padded = (tensorBytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        for (int l : layers) {
            header.string("direction." + l);
            header.u32(1);
            header.u64(v.dim());
            header.u32(GGML_TYPE_F32);
            header.u64(offset);
            offset += padded;
        }
        while (header.size() % ALIGNMENT != 0) header.raw(new byte[] {0});

        return AtomicFiles.stage(file, out -> {
            header.writeTo(out);
            for (int l : layers) {
                ByteBuffer b = ByteBuffer.allocate((int) padded).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v.refusal(l)) b.putFloat((float) (x * alpha * sign));
                out.write(b.array());
            }
        });
    }

    /** Fails on layer 0, which a llama.cpp control vector cannot reach. */
    public static void checkLayers(int[] layers) {
        for (int l : layers) {
            if (l == 0) {
                throw new IllegalArgumentException("a llama.cpp control vector cannot steer layer 0 (llama.cpp refuses direction.0); "
                        + "choose --layers from 1");
            }
        }
    }

    /** Little-endian GGUF primitives. */
    private static final class Buf extends ByteArrayOutputStream {
        void raw(byte[] b) {
            write(b, 0, b.length);
        }

        void u32(int v) {
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void i32(int v) {
            u32(v);
        }

        void u64(long v) {
            raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            raw(b);
        }
    }
}
