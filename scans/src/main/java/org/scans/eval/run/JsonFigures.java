package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.scans.eval.Rate;
import org.scans.experiment.RunSummary;

/** Figures as the result files write them: rates as {count, total, rate}, undefined numbers as null (JSON has no NaN). */
final class JsonFigures {
    private JsonFigures() {}

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ObjectNode rate(Rate r) {
        return RunSummary.rate(r);
    }

    static void number(ObjectNode o, String key, double v) {
        RunSummary.putNumber(o, key, v);
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(a::add);
        return a;
    }

    /** "12.5% (1/8)" for a rate node, "n/a" when undefined. */
    static String percent(JsonNode rate) {
        if (rate == null || rate.path("rate").isNull() || rate.path("rate").isMissingNode()) return "n/a";
        return String.format("%.1f%% (%d/%d)", 100 * rate.get("rate").asDouble(), rate.get("count").asInt(), rate.get("total").asInt());
    }

    static String fixed(JsonNode v, int decimals) {
        return v == null || v.isNull() || v.isMissingNode() ? "n/a" : String.format("%." + decimals + "f", v.asDouble());
    }
}
