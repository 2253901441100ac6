package org.scans.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code eval mmlu|ppl|xsum|classify}: what SCANS costs in capability, and how well its classifier separates. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {
            "Capability and classifier evaluations, each with and without SCANS steering.",
            "Every eval writes DIR/eval.json, DIR/samples.jsonl (one line per item) and DIR/results.json, shows a progress bar, "
                    + "and continues an interrupted run with --resume --out DIR."},
        subcommands = {EvalMmluCommand.class, EvalPplCommand.class, EvalXsumCommand.class, EvalClassifyCommand.class})
final class EvalCommand implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        err.println("error: eval needs a subcommand: mmlu, ppl, xsum or classify (see 'scans-engine eval --help')");
        err.flush();
        return Errors.USAGE_ERROR;
    }
}
