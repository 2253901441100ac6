package org.scans.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.data.Datasets;
import org.scans.data.Summarization;
import org.scans.data.SummaryExample;
import org.scans.eval.run.EvalFolder;
import org.scans.eval.run.XsumEval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "xsum", mixinStandardHelpOptions = true, description = {
    "XSum summaries with and without SCANS, scored by ROUGE.",
    "Each document becomes the query \"Document:<text>\\nBased on the previous text, "
            + "provide a brief single summary:\" in the chat template; 128 new tokens, greedy, repetition penalty 1.1; mean ROUGE-1/2/L F "
            + "against the reference summaries. Data: any .csv (header line) or .jsonl with document and summary columns."})
final class EvalXsumCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScansOptions scans;

    @Mixin
    EvalOptions evalOptions;

    @Mixin
    SteeringOptions steering;

    @Mixin
    ClassifierOptions classifier;

    @Option(names = "--data", paramLabel = "FILE", description = "The documents (default: the bundled datasets/xsum/dev.csv, 992 XSum validation rows).")
    Path data;

    @Option(names = "--document-column", paramLabel = "NAME", defaultValue = Summarization.XSUM_DOCUMENT_COLUMN,
            description = "Default: ${DEFAULT-VALUE} (the OpenCompass XSum layout the reference reads).")
    String documentColumn;

    @Option(names = "--summary-column", paramLabel = "NAME", defaultValue = Summarization.XSUM_SUMMARY_COLUMN, description = "Default: ${DEFAULT-VALUE}.")
    String summaryColumn;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "" + Summarization.REFERENCE_SAMPLE_SIZE,
            description = "Documents drawn at random (0 = all, in file order). Default: ${DEFAULT-VALUE} (the reference's).")
    int rows;

    @Option(names = "--sample-seed", paramLabel = "S", defaultValue = "0", description = "Seed of the draw (the reference's has none). Default: ${DEFAULT-VALUE}.")
    long sampleSeed;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "" + XsumEval.REFERENCE_MAX_NEW_TOKENS, description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (rows < 0) throw new UserException("--rows must be >= 0, got " + rows);
        if (maxNewTokens < 1) throw new UserException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        steering.check();
        classifier.validate();
        Path file = data != null ? data : Datasets.locate().file(Summarization.XSUM_DEV);
        if (!Files.isRegularFile(file)) throw new UserException("--data " + file + ": no such file");
        java.util.Map<String, String> inputs = org.scans.experiment.RunSettings.inputDigests(
                data != null ? java.util.List.of(data.toString()) : java.util.List.of());
        // Read before the model loads and the vectors are extracted, so that a file that does not
        // parse fails at once; the eval prints and keeps the warnings of the read.
        List<String> readWarnings = new java.util.ArrayList<>();
        List<SummaryExample> documents = Summarization.read(file, documentColumn, summaryColumn, readWarnings::add);
        if (documents.isEmpty()) {
            throw new UserException(org.scans.data.DatasetRoot.display(file) + ": no document to summarise"
                    + (readWarnings.isEmpty() ? "" : " (" + readWarnings.size() + " row(s) skipped: " + readWarnings.get(0) + ")"));
        }
        Path dir = evalOptions.checkedDir("xsum");
        PrintStream err = System.err;
        if (rows > documents.size()) {
            err.println("note: --rows " + rows + ", but " + org.scans.data.DatasetRoot.display(file) + " holds " + documents.size()
                    + (documents.size() == 1 ? " document: it is used" : " documents: all of them are used"));
        }
        try (EvalSession session = EvalSession.open(modelOptions, scans, evalOptions, dir, true, EvalSession.optionsFit(scans, classifier, steering), err)) {
            XsumEval.Settings settings = new XsumEval.Settings(file.toString(), documentColumn, summaryColumn, rows, sampleSeed, maxNewTokens,
                    classifier.resolve(session.ctx, err), steering.plan(session.ctx, session.ctx.family().alpha));
            XsumEval eval = new XsumEval(session.ctx, settings, evalOptions.batch == null ? 0 : evalOptions.batch, err);
            List<SummaryExample> examples = eval.examples(documents, readWarnings);
            EvalFolder folder = session.prepare(sha -> settings.toJson(session.ctx, sha), inputs, evalOptions.resume);
            ObjectNode results = session.run(() -> eval.run(examples, folder));
            PrintWriter out = spec.commandLine().getOut();
            out.print(XsumEval.table(results));
            out.println(session.wrote());
        }
        return 0;
    }
}
