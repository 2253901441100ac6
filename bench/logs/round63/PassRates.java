import java.lang.foreign.*;
import java.lang.invoke.*;
import java.util.*;
import org.scans.engine.kernel.F16Fixups;

/** ns per listed half of the engine's F16Fixups.subtractExcess (reflection), over 128 matrices of 2048 x 2048 halves from N(0, 0.02^2): the lists stream from memory as in a decode step. */
public class PassRates {
    public static void main(String[] a) throws Throwable {
        int mats = Integer.parseInt(a[0]), cols = 2048, rows = 2048;
        var m = F16Fixups.class.getDeclaredMethod("subtractExcess", int.class, int.class, int.class, float[].class, int.class, float[].class, int.class);
        m.setAccessible(true);
        MethodHandle h = MethodHandles.lookup().unreflect(m);
        Random rnd = new Random(3);
        F16Fixups[] fixes = new F16Fixups[mats];
        long listed = 0;
        short[] row = new short[cols];
        for (int i = 0; i < mats; i++) {
            MemorySegment w = Arena.global().allocate(2L * rows * cols, 64);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) row[k] = Float.floatToFloat16((float) (rnd.nextGaussian() * 0.02));
                MemorySegment.copy(MemorySegment.ofArray(row), 0, w, 2L * r * cols, 2L * cols);
            }
            fixes[i] = F16Fixups.scan(w, rows, cols);
            listed += fixes[i].count();
        }
        float[] x = new float[cols], y = new float[rows];
        for (int k = 0; k < cols; k++) x[k] = (float) rnd.nextGaussian();
        System.out.printf("%d matrices, %d listed%n", mats, listed);
        for (int pass = 0; pass < 8; pass++) {
            long t0 = System.nanoTime(), reps = 0;
            do {
                for (F16Fixups f : fixes) h.invoke(f, cols, 0, rows, x, 0, y, 0);
                reps++;
            } while (System.nanoTime() - t0 < 1_000_000_000L);
            System.out.printf("pass %d: %.3f ns a half%n", pass, (System.nanoTime() - t0) / (double) reps / listed);
        }
    }
}
