import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Writes a model file of a known layout with filler weights: a header taken from a real file of
 * that shape (safetensors' length and JSON, or a GGUF's metadata and tensor table, up to its
 * data), then pseudo-random bytes up to the real file's size. Every byte b is written as
 * {@code (b & 0x81) | 0x3C}, so every BF16, F16 and F32 value is finite and normal, of magnitude
 * 2^-7 to 2^-4 (for F16, 2^-3 to 2^0): a decode's speed does not depend on the values, and
 * nothing overflows. The kit (make-kit.sh) carries a few hundred KB of headers instead of 4 GB
 * of weights, and the two engines' files hold different numbers, which a benchmark allows.
 *
 * <pre>
 *   java Filler HEADER SIZE-FILE OUT SEED
 * </pre>
 */
public class Filler {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: Filler HEADER SIZE-FILE OUT SEED");
            System.exit(2);
        }
        byte[] head = Files.readAllBytes(Path.of(args[0]));
        long size = Long.parseLong(Files.readString(Path.of(args[1])).trim());
        byte[] filler = new byte[16 << 20];
        new SplittableRandom(Long.parseLong(args[3])).nextBytes(filler);
        for (int i = 0; i < filler.length; i++) filler[i] = (byte) ((filler[i] & 0x81) | 0x3C);
        try (FileChannel out = FileChannel.open(Path.of(args[2]), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(head));
            long at = head.length;
            int start = 0;
            while (at < size) {
                ByteBuffer b = ByteBuffer.wrap(filler, start, (int) Math.min(filler.length - start, size - at));
                while (b.hasRemaining()) at += out.write(b);
                start = (start + 4160) % (1 << 20); // the next copy starts elsewhere in the filler
            }
        }
    }
}
