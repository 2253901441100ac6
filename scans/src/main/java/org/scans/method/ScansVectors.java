package org.scans.method;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * What SCANS extracts from a model once: per layer, the unit refusal direction v_l (SCANS.md §4)
 * with the norm of the raw mean difference u_l, and the reference transition vector r_l (§5, not
 * normalised). {@code metadata} records where they came from (model config hash, template,
 * anchors, engine version) so that a file is never applied to another model.
 */
public record ScansVectors(float[][] refusal, float[] refusalNorms, float[][] transition, Map<String, String> metadata) {

    public static final String CONFIG_HASH = "config_hash";
    public static final String HIDDEN_SIZE = "hidden_size";
    public static final String LAYERS = "num_layers";
    public static final String TEMPLATE = "template";
    public static final String FIXES = "fixes";
    public static final String ANCHORS = "anchors";
    public static final String ANCHOR_SEED = "anchor_seed";
    public static final String HARMFUL_ANCHOR_IDS = "harmful_anchor_ids";
    public static final String HARMLESS_ANCHOR_IDS = "harmless_anchor_ids";
    public static final String ENGINE_VERSION = "engine_version";
    public static final String FORMAT = "format";
    public static final String FORMAT_VALUE = "scans-vectors/1";

    public ScansVectors {
        metadata = Map.copyOf(metadata);
        if (refusal.length != transition.length || refusal.length != refusalNorms.length) {
            throw new IllegalArgumentException("refusal and transition vectors must cover the same layers");
        }
    }

    public int layers() {
        return refusal.length;
    }

    public int dim() {
        return refusal[0].length;
    }

    public float[] refusal(int layer) {
        return refusal[layer];
    }

    public float[] transition(int layer) {
        return transition[layer];
    }

    /**
     * SHA-256 of the vectors' numbers (refusal, norms, transition; little-endian float32), so that
     * a resumed run or eval can tell whether it steers with the same vectors, whatever file they
     * came from (the metadata is left out: the same vectors read back carry other file details).
     */
    public String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (float[][] part : new float[][][] {refusal, {refusalNorms}, transition}) {
                for (float[] row : part) {
                    ByteBuffer bytes = ByteBuffer.allocate(4 * row.length).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(row);
                    md.update(bytes.array());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Cosine between v_l and v_{l+1}, for the per-layer plot of the report. */
    public double consecutiveCosine(int layer) {
        return Cosine.of(refusal[layer], refusal[layer + 1]);
    }
}
