package org.scans.method;

/**
 * The classifier's judgement of one query.
 *
 * @param score c(q), the mean cosine over Λ between the query's transition vector and r_l
 * @param cosines the cosine at each layer of Λ, in order
 * @param sigma +1 (unsafe: steer toward refusal) or −1 (safe: steer away)
 * @param markerFound false when the end-of-instruction marker is not in the classification
 *     input; the reference then compares the last token with itself (all cosines 0)
 */
public record Verdict(double score, double[] cosines, int sigma, boolean markerFound) {
    public boolean unsafe() {
        return sigma > 0;
    }
}
