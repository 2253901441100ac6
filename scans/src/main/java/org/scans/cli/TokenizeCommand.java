package org.scans.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scans.tokenizer.TokenizeTool;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Encode text with a model's tokenizer; prints {\"ids\":[…],\"pieces\":[…],\"decoded\":\"…\"} per text.",
            "Without --bos and --special the ids equal SentencePiece's encode(text)."})
final class TokenizeCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "Checkpoint folder holding tokenizer.model or tokenizer.json.")
        String model;

        @Option(names = "--tokenizer", paramLabel = "FILE", description = "A tokenizer.model or tokenizer.json file.")
        Path tokenizer;
    }

    static final class Input {
        @Option(names = "--text", paramLabel = "T", description = "The text to encode.")
        String text;

        @Option(names = "--jsonl", description = "Read {\"text\": …} lines from stdin, write one result line each, in order (blank lines are skipped, with no output).")
        boolean jsonl;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--bos", description = "Prepend BOS.")
    boolean bos;

    @Option(names = "--special", description = "Map control-token literals (<s>, </s>, <unk>) in the text to their ids, as HF's LlamaTokenizer does.")
    boolean special;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = source.tokenizer != null ? Tokenizer.load(source.tokenizer) : Tokenizer.load(ModelLocator.resolve(source.model));
        PrintWriter out = spec.commandLine().getOut();
        if (input.jsonl) {
            out.flush();
            TokenizeTool.runJsonl(tok, System.in, System.out, bos, special);
        } else {
            out.println(TokenizeTool.jsonLine(tok, input.text, bos, special));
        }
        return 0;
    }
}
