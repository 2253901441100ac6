package org.scans.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Function;
import org.scans.data.Datasets;
import org.scans.engine.model.LlamaModel;
import org.scans.eval.run.EvalFolder;
import org.scans.experiment.RunSettings;
import org.scans.experiment.Runner;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.experiment.VectorSource;
import org.scans.method.Fix;
import org.scans.method.ModelPreset;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.Tokenizer;

/**
 * An eval command's model, SCANS context and output folder. On {@code --resume} the folder's own
 * copy of the vectors is used (unless {@code --vectors} names a file), so a continued eval steers
 * exactly as it started; a fresh eval writes that copy. A folder this session created is removed
 * again if the eval fails before its first item.
 */
final class EvalSession implements AutoCloseable {
    final LlamaModel model;
    final ScansContext ctx;
    final Path dir;
    final Datasets data;
    private final boolean created;
    private String vectorsSha256;
    /** Held from {@link #prepare} to {@link #close}: one process writes the folder at a time. */
    private org.scans.experiment.FolderLock lock;

    private EvalSession(LlamaModel model, ScansContext ctx, Path dir, Datasets data, boolean created) {
        this.model = model;
        this.ctx = ctx;
        this.dir = dir;
        this.data = data;
        this.created = created;
    }

    /**
     * Loads the model and, when {@code needsVectors}, the SCANS vectors (extracting them from the
     * anchors when no file is given).
     */
    static EvalSession open(ModelOptions modelOptions, ScansOptions scans, EvalOptions evalOptions, Path dir, boolean needsVectors,
                            PrintStream err) {
        return open(modelOptions, scans, evalOptions, dir, needsVectors, c -> {}, err);
    }

    /**
     * {@link #open} with {@code checkModel} run on the loaded model's configuration before any
     * vectors are extracted (minutes on a 7B model), for options that must fit the model.
     */
    static EvalSession open(ModelOptions modelOptions, ScansOptions scans, EvalOptions evalOptions, Path dir, boolean needsVectors,
                            java.util.function.Consumer<org.scans.engine.model.LlamaConfig> checkModel, PrintStream err) {
        Datasets data = Datasets.locate();
        Path modelDir = modelOptions.dir();
        Tokenizer tokenizer = ModelOptions.requireTokenizer(modelDir);
        VectorSource source = null;
        if (needsVectors) source = scans.source(dir.resolve(Runner.VECTORS_FILE), evalOptions.resume, err);
        LlamaModel model = LlamaModel.load(modelDir, modelOptions.loadOptions());
        try {
            checkModel.accept(model.config());
            modelOptions.noteSmallPages(model, modelDir, err::println);
            Set<Fix> fixes = scans.fixes();
            ScansContext ctx = source != null
                    ? scans.open(model, tokenizer, data, source, err)
                    : new ScansContext(model, tokenizer, scans.family(), scans.family().template(fixes),
                            ModelPreset.forModel(scans.family(), model.config()), null, null, fixes);
            return new EvalSession(model, ctx, dir, data, !Files.exists(dir));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The check of the classifier's and the steering's options (null: none) against a loaded
     * model, for {@link #open}: layers outside the model and a preset it lacks fail before the
     * vectors are extracted.
     */
    static java.util.function.Consumer<org.scans.engine.model.LlamaConfig> optionsFit(ScansOptions scans, ClassifierOptions classifier,
                                                                                 SteeringOptions steering) {
        return c -> {
            classifier.checkModel(ModelPreset.forModel(scans.family(), c), c);
            if (steering != null) steering.checkModel(c);
        };
    }

    /** Creates the folder, keeps a copy of the vectors there, and writes or checks the settings. */
    EvalFolder prepare(Function<String, ObjectNode> settings, boolean resume) throws IOException {
        Files.createDirectories(dir);
        lock = org.scans.experiment.FolderLock.acquire(dir);
        try {
            if (ctx.vectors() != null) {
                Path copy = dir.resolve(Runner.VECTORS_FILE);
                if (!resume || !Files.exists(copy)) VectorsFile.write(ctx.vectors(), copy);
                vectorsSha256 = ctx.vectors().digest();
            }
            ObjectNode given = settings.apply(vectorsSha256);
            RunSettings.putModelNumerics(given, model.kvCacheType(), model.quantization());
            return EvalFolder.prepare(dir, given, resume);
        } catch (IOException | RuntimeException e) {
            failed();
            throw e;
        }
    }

    /** Runs {@code eval}; when it fails, the folder goes as {@link #failed()} says. */
    ObjectNode run(java.util.concurrent.Callable<ObjectNode> eval) throws Exception {
        try {
            return eval.call();
        } catch (Exception e) {
            failed();
            throw e;
        }
    }

    /** The closing line of an eval: where its samples and results are. */
    String wrote() {
        return "wrote " + dir.resolve(SampleLog.FILE) + " and " + dir.resolve(EvalFolder.RESULTS_FILE);
    }

    /** Removes a folder this session created when nothing was measured in it. */
    void failed() {
        if (created && !Files.exists(dir.resolve(SampleLog.FILE))) RunCommand.deleteTree(dir);
    }

    @Override
    public void close() {
        try {
            if (lock != null) lock.close();
        } catch (IOException e) {
            // The lock goes with the process anyway.
        } finally {
            model.close();
        }
    }
}
