package org.scans.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.scans.data.DatasetException;
import org.scans.engine.EngineException;
import org.scans.tokenizer.TokenizerException;
import picocli.CommandLine;

/**
 * Turns failures into what a person needs: one line saying what is wrong and a non-zero exit.
 * Stack traces only with {@code --verbose}, or for a bug (an exception nobody meant to throw).
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    /** Exit code of a failure the user can fix (bad file, bad value). */
    static final int USER_ERROR = 1;
    /** Exit code of a usage error (unknown option, missing argument). */
    static final int USAGE_ERROR = 2;
    /** Exit code of a bug. */
    static final int INTERNAL_ERROR = 3;

    private final Main main;

    Errors(Main main) {
        this.main = main;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        var err = cl.getErr();
        if (main.verbose) e.printStackTrace(err);
        if (isUserError(e)) {
            err.println("error: " + oneLine(message(e)));
            err.flush();
            return USER_ERROR;
        }
        err.println("internal error: " + oneLine(e.toString()) + (main.verbose ? "" : " (run with --verbose for the stack trace)"));
        err.flush();
        return INTERNAL_ERROR;
    }

    static int parameter(CommandLine.ParameterException e, String[] args) {
        var cl = e.getCommandLine();
        var err = cl.getErr();
        // One line, as every other error: the message, then where the options are listed.
        // picocli starts some messages with its own "Error: ".
        String message = oneLine(e.getMessage()).replaceFirst("^Error: ", "");
        err.println("error: " + message + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return USAGE_ERROR;
    }

    static boolean isUserError(Throwable e) {
        return e instanceof EngineException || e instanceof TokenizerException || e instanceof DatasetException
                || e instanceof UserException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof IllegalArgumentException;
    }

    private static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) e = u.getCause();
        if (e instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": no such file";
        if (e instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        if (e instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + ": already exists";
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').strip();
    }
}
