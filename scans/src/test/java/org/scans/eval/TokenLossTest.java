package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Cross-entropy and the two perplexity rules, against values worked out by hand. */
class TokenLossTest {

    @Test
    void nllOfUniformAndPeakedRows() {
        // Uniform over 4: −log(1/4) = ln 4 whatever the target.
        assertEquals(Math.log(4), TokenLoss.nll(new float[] {7, 7, 7, 7}, 0, 4, 2), 1e-12);
        // logits (ln 1, ln 3) → p = (1/4, 3/4)
        float[] row = {0f, (float) Math.log(3)};
        assertEquals(Math.log(4), TokenLoss.nll(row, 0, 2, 0), 1e-7);
        assertEquals(Math.log(4.0 / 3), TokenLoss.nll(row, 0, 2, 1), 1e-7);
    }

    @Test
    void rowTPredictsTokenTPlusOneAndTheLastRowIsIgnored() {
        int[] ids = {0, 1, 1};
        TokenLoss loss = new TokenLoss(ids, 1);
        float[] rows = {0f, (float) Math.log(3), /* row 1 */ 0f, 0f, /* row 2 */ 5f, -5f};
        for (int t = 0; t < 3; t++) loss.accept(t, rows, 2 * t, 2);
        // targets: ids[1] = 1 from row 0 → ln(4/3); ids[2] = 1 from row 1 → ln 2; row 2 has no target.
        assertEquals(2, loss.count());
        assertEquals(Math.log(4.0 / 3) + Math.log(2), loss.sum(), 1e-7);
        assertEquals(loss.sum() / 2, loss.mean(), 1e-15);
    }

    @Test
    void firstTargetSkipsTokensAnEarlierWindowScored() {
        TokenLoss loss = new TokenLoss(new int[] {0, 0, 0, 0}, 3);
        for (int t = 0; t < 4; t++) loss.accept(t, new float[] {0f, 0f}, 0, 2);
        assertEquals(1, loss.count());
        assertEquals(Math.log(2), loss.sum(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new TokenLoss(new int[] {1, 2}, 0));
        assertTrue(Double.isNaN(new TokenLoss(new int[] {1}, 1).mean()));
    }

    @Test
    void perplexityRules() {
        // exp(mean(ln 2, ln 8)) = exp(ln 4) = 4; a mean of means, not of tokens
        assertEquals(4.0, TokenLoss.perplexityOfMeans(new double[] {Math.log(2), Math.log(8)}), 1e-12);
        // 3 tokens with total NLL 3 ln 2 → 2
        assertEquals(2.0, TokenLoss.perplexityOfTotals(3 * Math.log(2), 3), 1e-12);
        assertTrue(Double.isNaN(TokenLoss.perplexityOfMeans(new double[0])));
        assertTrue(Double.isNaN(TokenLoss.perplexityOfTotals(1, 0)));
    }
}
