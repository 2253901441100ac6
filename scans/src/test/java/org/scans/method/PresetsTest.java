package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.model.LlamaConfig;

class PresetsTest {
    static LlamaConfig config(int layers, int dim) {
        return new LlamaConfig(dim, 11008, layers, 32, 32, dim / 32, 32000, 4096, 1e-5f, 10000, 1, false, 1, List.of(2), "float16");
    }

    @Test
    void paperModelsGetTheReferenceValues() {
        ModelPreset l7 = ModelPreset.forModel(Family.LLAMA2, config(32, 4096));
        assertEquals("llama2-7b", l7.name());
        assertArrayEquals(Layers.range(10, 31), l7.classifier().layers());
        assertEquals(0.75, l7.classifier().threshold());
        assertArrayEquals(Layers.range(10, 19), l7.steeringLayers());
        assertEquals(3.5, l7.alpha());
        assertFalse(l7.scaled());
        assertEquals(0.70, l7.preset("malicious").threshold());

        ModelPreset l13 = ModelPreset.forModel(Family.LLAMA2, config(40, 5120));
        assertArrayEquals(Layers.range(10, 18), l13.classifier().layers());
        assertEquals(0.65, l13.preset("llmsafeguard").threshold());

        ModelPreset v7 = ModelPreset.forModel(Family.VICUNA, config(32, 4096));
        assertEquals(4.0, v7.alpha());
        assertEquals(ClassifierSettings.Rule.SAFE_IF_ANY_BELOW, v7.preset("xstest").rule());
        assertEquals(0.6, v7.preset("xstest").threshold());

        ModelPreset v13 = ModelPreset.forModel(Family.VICUNA, config(40, 5120));
        assertEquals(0.70, v13.classifier().threshold());
        assertArrayEquals(new int[] {37, 38}, v13.preset("repe").layers());
        assertArrayEquals(Layers.range(23, 32), v13.preset("xstest").layers());
    }

    @Test
    void otherDepthsGetScaledLayersAndSaySo() {
        ModelPreset p = ModelPreset.forModel(Family.LLAMA2, config(5, 64));
        assertTrue(p.scaled());
        assertArrayEquals(new int[] {2, 3, 4}, p.classifier().layers());
        assertArrayEquals(new int[] {2}, p.steeringLayers());
        ModelPreset p22 = ModelPreset.forModel(Family.LLAMA2, config(22, 2048));
        assertArrayEquals(Layers.range(7, 21), p22.classifier().layers());
        assertArrayEquals(Layers.range(7, 13), p22.steeringLayers());
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelPreset.forModel(Family.LLAMA2, config(32, 4096)).preset("xstest"));
        assertTrue(e.getMessage().contains("malicious") && e.getMessage().contains("llmsafeguard"), e.getMessage());
    }

    @Test
    void layerListsParseAndFormat() {
        assertArrayEquals(new int[] {3, 4, 5, 8}, Layers.parse("3-5, 8", 10, "--layers"));
        assertEquals("3-5,8", Layers.format(new int[] {3, 4, 5, 8}));
        var e = assertThrows(IllegalArgumentException.class, () -> Layers.parse("3-12", 10, "--layers"));
        assertTrue(e.getMessage().contains("layer 12 is outside the model (layers 0-9)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Layers.parse("5-3", 10, "--layers"));
        assertThrows(IllegalArgumentException.class, () -> Layers.parse("x", 10, "--layers"));
    }

    @Test
    void referenceGenerationSettings() {
        GenerationConfig c = SteeredGenerator.referenceConfig(256);
        assertTrue(c.isGreedy());
        assertEquals(1.1f, c.repetitionPenalty());
        assertEquals(256, c.maxNewTokens());
        assertTrue(c.stopAtEos());
    }
}
