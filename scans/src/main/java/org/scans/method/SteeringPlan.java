package org.scans.method;

/**
 * How to steer: the layers, α, and whether the sign follows the classifier or is fixed.
 *
 * @param fixedSign 0 to let the classifier decide, else +1 or −1
 */
public record SteeringPlan(int[] layers, double alpha, int fixedSign) {
    public SteeringPlan {
        layers = layers.clone();
        if (fixedSign < -1 || fixedSign > 1) throw new IllegalArgumentException("sign must be -1, 0 (auto) or +1");
        if (!Double.isFinite(alpha)) throw new IllegalArgumentException("alpha must be a finite number");
    }

    public int signFor(Verdict v) {
        return fixedSign != 0 ? fixedSign : v.sigma();
    }

    @Override
    public String toString() {
        return "layers " + Layers.format(layers) + ", α=" + alpha + (fixedSign == 0 ? ", sign from the classifier" : ", sign " + (fixedSign > 0 ? "+1" : "-1"));
    }
}
