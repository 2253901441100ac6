package org.scans.cli;

import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.judge.MatchStringsJudge;
import org.scans.judge.RefusalJudge;
import org.scans.judge.XSTestPrefixJudge;
import org.scans.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true, description = {
    "Write one self-contained HTML page over run and eval folders.",
    "Inline SVG, no network, no external scripts: refusal rates baseline vs SCANS per set and subtype, the classifier's c(q) histograms and precision-recall curves, the refusal direction "
            + "per layer, the capability table with and without steering, and a filterable table of the samples."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Folders written by 'run' or 'eval'.")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "report.html", description = "Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--judge", paramLabel = "NAME", defaultValue = Report.DEFAULT_JUDGE,
            description = "Refusal judge for the charts: " + MatchStringsJudge.NAME + " (SCANS's) or " + XSTestPrefixJudge.NAME
                    + ". Default: ${DEFAULT-VALUE}.")
    String judge;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!RefusalJudge.names().contains(judge)) {
            throw new UserException("--judge must be " + String.join(" or ", RefusalJudge.names()) + ", got '" + judge + "'");
        }
        CliFiles.checkWritable(out, "--out");
        // The page may go into a folder it reports on, but not over a file there it reads.
        Path target = org.scans.engine.io.AtomicFiles.canonical(out);
        for (Path d : dirs) {
            Path folder = org.scans.engine.io.AtomicFiles.canonical(d);
            if (target.getParent() != null && target.getParent().equals(folder) && java.nio.file.Files.exists(target)
                    && !target.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".html")) {
                throw new UserException("--out " + out + ": would replace a file of the folder " + d + " that the report reads; choose another name");
            }
        }
        var written = Report.write(dirs, out, judge, "generated " + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"))
                + " by scans-engine " + Main.version());
        for (String why : written.skipped()) spec.commandLine().getErr().println("note: left out " + why);
        for (var in : written.inputs()) {
            if (in.unfinished()) {
                spec.commandLine().getErr().println("note: " + in.dir() + ": the run did not finish (no summary.json); the report covers its "
                        + in.samples().size() + " samples so far");
            }
            String mismatch = in.mismatch();
            if (mismatch != null) spec.commandLine().getErr().println("note: " + in.dir() + ": " + mismatch);
        }
        int n = written.inputs().size();
        spec.commandLine().getOut().println("wrote " + out + " (" + n + " folder" + (n == 1 ? "" : "s") + ")");
        return 0;
    }
}
