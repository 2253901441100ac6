package org.scans.engine.model;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.scans.engine.TestModels;
import org.scans.engine.tensor.DType;

/**
 * Run in a child JVM by {@link TierDeterminismTest}: the digest of every logit of a prefill and a
 * token-by-token decode, for F32, BF16 and Q8_0 weights, computed {@code reps} times in one JVM.
 * Prints the first digest (kernels interpreted or compiled by C1) and the last (compiled by C2 by
 * then, when the JVM may use C2), with the worker threads given.
 */
final class TierProbe {
    private TierProbe() {}

    public static void main(String[] args) throws Exception {
        int reps = Integer.parseInt(args[0]), threads = Integer.parseInt(args[1]);
        LoadOptions options = LoadOptions.defaults().withThreads(threads);
        List<LlamaModel> models = List.of(
                LlamaModel.load(TestModels.stories260K(), options),
                LlamaModel.load(TestModels.stories260KBf16(), options),
                LlamaModel.load(TestModels.stories260K(), options.withQuantize(DType.Q8_0)));
        String first = null, last = null;
        for (int r = 0; r < reps; r++) {
            last = digest(models);
            if (first == null) first = last;
        }
        // On stderr: stdout carries the JVM's compile log, whose lines could cut into these.
        System.err.println("first " + first);
        System.err.println("last " + last);
        for (LlamaModel m : models) m.close();
    }

    private static String digest(List<LlamaModel> models) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        int[] ids = GoldenForwardTest.teacherForcedIds();
        for (LlamaModel m : models) {
            for (float[] row : GoldenForwardTest.scoreAll(m, ids)) md.update(bits(row));
            Sequence seq = m.newSequence();
            for (int i = 0; i < 12; i++) md.update(bits(m.prefill(seq, new int[] {ids[i]})));
        }
        // 300 tokens: the element-wise ops (SiLU) are split between threads too (from 2^15 elements).
        java.util.Random rnd = new java.util.Random(3);
        int[] longIds = new int[300];
        longIds[0] = 1;
        for (int i = 1; i < longIds.length; i++) longIds[i] = 3 + rnd.nextInt(500);
        md.update(bits(models.get(0).prefill(models.get(0).newSequence(), longIds)));
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] bits(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length);
        for (float x : v) b.putInt(Float.floatToRawIntBits(x));
        return b.array();
    }
}
