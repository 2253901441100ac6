package org.scans.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.scans.TestSupport;
import org.scans.data.Datasets;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.method.Family;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.Tokenizer;

/** The bundled model with vectors extracted once from the small anchor files of the tests. */
public final class ScansFixture implements AutoCloseable {
    public final LlamaModel model;
    public final Tokenizer tokenizer;
    public final ScansContext ctx;
    public final Path vectorsFile;

    public ScansFixture(Path tmp) throws IOException {
        model = LlamaModel.load(TestSupport.model(), LoadOptions.defaults());
        tokenizer = Tokenizer.load(TestSupport.model());
        ctx = ScansContext.open(model, tokenizer, Family.LLAMA2, Datasets.locate(),
                new VectorSource.Files(harmfulAnchors(), harmlessAnchors()), "test", s -> {});
        vectorsFile = tmp.resolve("vectors.safetensors");
        Files.createDirectories(tmp);
        VectorsFile.write(ctx.vectors(), vectorsFile);
    }

    public static Path harmfulAnchors() {
        return TestSupport.resource("anchors/harmful.txt");
    }

    public static Path harmlessAnchors() {
        return TestSupport.resource("anchors/harmless.txt");
    }

    @Override
    public void close() {
        model.close();
    }
}
