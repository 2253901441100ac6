package org.scans.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.scans.TestSupport;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.experiment.ScansContext;
import org.scans.experiment.ScansFixture;
import org.scans.experiment.VectorSource;
import org.scans.method.Family;
import org.scans.tokenizer.Tokenizer;

/**
 * What the eval, report and chat tests share: SCANS vectors of the bundled model, extracted once
 * per test JVM from the small anchor files, and a way to open the model with them.
 */
public final class EvalFixture {
    private static Path vectors;

    private EvalFixture() {}

    public static synchronized Path vectors() {
        if (vectors == null) {
            try {
                Path dir = Files.createTempDirectory("scans-eval-fixture");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                try (ScansFixture fx = new ScansFixture(dir)) {
                    vectors = fx.vectorsFile;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vectors;
    }

    /** The bundled model and tokenizer with the fixture's vectors; close the model. */
    public static ScansContext open() {
        LlamaModel model = LlamaModel.load(TestSupport.model(), LoadOptions.defaults());
        Tokenizer tokenizer = Tokenizer.load(TestSupport.model());
        return ScansContext.open(model, tokenizer, Family.LLAMA2, null, new VectorSource.FromFile(vectors()), "test", s -> {});
    }

    private static ScansContext shared;

    /**
     * One context for the whole test JVM ({@link #open} once; the model is closed when the JVM
     * exits): the test classes that only read it need not each load the model and close it.
     */
    public static synchronized ScansContext shared() {
        if (shared == null) {
            ScansContext ctx = open();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> ctx.model().close()));
            shared = ctx;
        }
        return shared;
    }

    public static Tokenizer tokenizer() {
        return Tokenizer.load(TestSupport.model());
    }

    /** A few paragraphs in the bundled model's domain, for perplexity fixtures. */
    public static String storyText() {
        return """
                Once upon a time, there was a little girl named Lily. She loved to play in the park with her ball. One day, she saw a big \
                red ball under a tree. She ran to the ball and picked it up.

                Lily's mom said, "Lily, be careful with the ball. Do not throw it near the pond." Lily nodded and smiled. She played \
                with the ball all day, and when the sun went down, she went home with her mom.

                The next day, Lily met a boy named Tom. Tom had a small dog. The dog was happy and liked to run. Lily and Tom played \
                together with the dog and the ball. They laughed and had a lot of fun. At the end of the day, Tom said, "Thank you \
                for playing with me, Lily." Lily said, "You are my friend, Tom."
                """;
    }

    static void delete(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }
}
