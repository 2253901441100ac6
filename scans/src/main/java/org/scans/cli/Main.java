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
public final class Main implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * No command: the usage goes to stderr and the exit is 2, as for any other missing argument, so
     * that a script calling the jar without its command fails rather than passing on no output.
     */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Errors.USAGE_ERROR;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.setOut(out);
        System.setErr(err);
        System.exit(run(args, out, err));
    }

    /** Runs the CLI against the given streams and returns the exit code (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String unreadable = argumentLostToLocale(args, System.getProperty("sun.jnu.encoding", "UTF-8"));
        if (unreadable != null) {
            err.println("error: " + unreadable);
            return Errors.USAGE_ERROR;
        }
        int code;
        // Figures print with a decimal point whatever the machine's locale ("0.75", not "0,75"), as
        // the files hold them: tables are compared across machines and read by scripts. The plain
        // default, not only FORMAT's, because PrintWriter.printf formats in Locale.getDefault().
        java.util.Locale locale = java.util.Locale.getDefault(), format = java.util.Locale.getDefault(java.util.Locale.Category.FORMAT),
                display = java.util.Locale.getDefault(java.util.Locale.Category.DISPLAY);
        java.util.Locale.setDefault(java.util.Locale.ROOT);
        try {
            code = commandLine(out, err).execute(args);
        } catch (OutOfMemoryError e) {
            // Not an Exception, so past picocli's handler: still one line, not a trace.
            err.println("error: out of memory (" + Errors.oneLine(String.valueOf(e.getMessage()))
                    + "); the heap is set with java -Xmx, and the machine's memory must hold the weights as well");
            code = Errors.USER_ERROR;
        } catch (ExceptionInInitializerError e) {
            // A kernel choice set wrong on the java command line (-Dscans.bytePermute=maybe) is
            // refused when its class is first loaded: one line naming the property, as for a bad option.
            if (!(e.getCause() instanceof IllegalArgumentException bad)) throw e;
            err.println("error: " + Errors.oneLine(String.valueOf(bad.getMessage())));
            code = Errors.USAGE_ERROR;
        } finally {
            java.util.Locale.setDefault(locale);
            java.util.Locale.setDefault(java.util.Locale.Category.FORMAT, format);
            java.util.Locale.setDefault(java.util.Locale.Category.DISPLAY, display);
        }
        out.flush();
        // PrintStream keeps write errors to itself: a full disk or a closed pipe would otherwise
        // end in exit 0 with the output lost.
        if (out.checkError() && code == 0) {
            err.println("error: the output could not be written to standard output (disk full, or the reader went away)");
            code = Errors.USER_ERROR;
        }
        return code;
    }

    /**
     * Under a locale whose encoding is not UTF-8 (LANG=C, common in containers and cron), the JVM
     * decodes the command line with it, and every non-ASCII character arrives as U+FFFD: a prompt
     * or a path would be silently changed. Null when the arguments came through intact.
     */
    static String argumentLostToLocale(String[] args, String encoding) {
        if (encoding.equalsIgnoreCase("UTF-8")) return null;
        for (String a : args) {
            if (a.indexOf('\uFFFD') >= 0) {
                return "an argument has characters the locale's encoding (" + encoding
                        + ") cannot carry (they arrived as U+FFFD): run with a UTF-8 locale, e.g. LC_ALL=C.UTF-8";
            }
        }
        return null;
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(new Errors(main));
        cl.setParameterExceptionHandler(Errors::parameter);
        // picocli hands the version provider to none of the subcommands' own subcommands, and not
        // to eval: 'eval --version' and 'eval mmlu --version' printed nothing and exited 0.
        giveVersion(cl);
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

    private static void giveVersion(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().versionProvider() == null && sub.getCommandSpec().version().length == 0) {
                sub.getCommandSpec().versionProvider(new Version());
            }
            giveVersion(sub);
        }
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
