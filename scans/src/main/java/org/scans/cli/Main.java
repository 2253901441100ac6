package org.scans.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code java --add-modules jdk.incubator.vector -jar scans-engine.jar COMMAND ...} */
@Command(
        name = "scans-engine",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "A pure-JVM Llama inference engine with SCANS (safety-conscious activation steering).",
            "Run a command with --help for its options."
        },
        subcommands = {
            InfoCommand.class,
            TokenizeCommand.class,
            GenerateCommand.class,
            ScoreCommand.class,
            ExtractCommand.class,
            ClassifyCommand.class,
            RunCommand.class,
            EvalCommand.class,
            ReportCommand.class,
            ChatCommand.class,
            BenchCommand.class,
            PagesCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.setOut(out);
        System.setErr(err);
        int code = run(args, out, err);
        out.flush();
        System.exit(code);
    }

    /** Runs the CLI against the given streams and returns the exit code (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine(out, err);
        return cl.execute(args);
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(new Errors(main));
        cl.setParameterExceptionHandler(Errors::parameter);
        // extract computes the vectors that --vectors would name: not in its help, an unknown option there.
        var extract = cl.getSubcommands().get("extract").getCommandSpec();
        extract.remove(extract.findOption("--vectors"));
        // chat has no default model (the bundled one tells stories; it is not a chat model): say so in its help.
        var chat = cl.getSubcommands().get("chat").getCommandSpec();
        var model = chat.findOption("--model");
        chat.remove(model);
        chat.addOption(CommandLine.Model.OptionSpec.builder(model)
                .description("A Llama-2-chat or Vicuna checkpoint folder, or the name of a folder under models/. Required "
                        + "(the bundled toy model, which tells children's stories: --model stories260K).")
                .build());
        return cl;
    }

    /** The version from the jar manifest (or "dev" when run from classes). */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "scans-engine " + version(),
                "Java " + Runtime.version() + ", " + System.getProperty("os.arch") + ", "
                        + Runtime.getRuntime().availableProcessors() + " processors"
            };
        }
    }
}
