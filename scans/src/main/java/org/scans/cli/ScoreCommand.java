package org.scans.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.scans.engine.io.AtomicFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Step;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "score", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Teacher-forced scoring: for every position, the log-softmax of the next-token distribution.",
    "Prints {\"positions\":[{\"id\":next id,\"logprob\":…,\"top\":[[id,logprob],…]},…]}; the last position has no next id (null)."})
final class ScoreCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ids", required = true, paramLabel = "IDS", description = "Token ids, e.g. 1,403,407,261 (BOS is not added).")
    String ids;

    @Option(names = "--top", paramLabel = "N", defaultValue = "5", description = "Most likely ids to list per position. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--logits-out", paramLabel = "FILE",
            description = "Also write the raw float32 logits (little-endian, positions × vocab).")
    Path logitsOut;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        int[] tokens = Ids.parse("--ids", ids);
        if (top < 0) throw new UserException("--top must be >= 0, got " + top);
        if (logitsOut != null) { // before the model loads
            CliFiles.checkWritable(logitsOut, "--logits-out");
            CliFiles.checkNotAnInput(logitsOut, "--logits-out", modelOptions.dir());
        }
        try (LlamaModel model = LlamaModel.load(modelOptions.dir(), modelOptions.loadOptions())) {
            modelOptions.noteQuantization(model, System.err::println);
            int vocab = model.config().vocabSize();
            float[][] logits = new float[tokens.length][];
            model.forward(List.of(new Step(model.newSequence(), tokens, Logits.ALL)),
                    (s, t, l, off) -> logits[t] = Arrays.copyOfRange(l, off, off + vocab));
            List<Map<String, Object>> positions = new ArrayList<>();
            for (int p = 0; p < tokens.length; p++) {
                double[] lp = logSoftmax(logits[p]);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("id", p + 1 < tokens.length ? tokens[p + 1] : null);
                o.put("logprob", p + 1 < tokens.length ? lp[tokens[p + 1]] : null);
                List<Object[]> best = new ArrayList<>();
                for (int id : topIds(lp, Math.min(top, vocab))) best.add(new Object[] {id, lp[id]});
                o.put("top", best);
                positions.add(o);
            }
            if (logitsOut != null) writeLogits(logitsOut, logits);
            PrintWriter out = spec.commandLine().getOut();
            out.println(Json.write(Map.of("positions", positions)));
        }
        return 0;
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        double lse = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
        return out;
    }

    static int[] topIds(double[] v, int n) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> v[a] != v[b] ? Double.compare(v[b], v[a]) : Integer.compare(a, b));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = idx[i];
        return out;
    }

    /** Writes whole or not at all (see {@link AtomicFiles}). */
    static void writeLogits(Path file, float[][] logits) throws IOException {
        AtomicFiles.write(file, os -> {
            ByteBuffer b = ByteBuffer.allocate(logits[0].length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : logits) {
                b.clear();
                b.asFloatBuffer().put(row);
                os.write(b.array());
            }
        });
    }
}
