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
 * An eval command's model, SCANS context and output folder. The folder is claimed (created and
 * locked, see {@link OutputFolder}) before the model loads. On {@code --resume} the folder's own
 * copy of the vectors is used (unless {@code --vectors} names a file), so a continued eval steers
 * exactly as it started; a fresh eval writes that copy. A folder this session created is removed
 * again if the eval fails before its first item.
 */
final class EvalSession implements AutoCloseable {
    final LlamaModel model;
    final ScansContext ctx;
    final Path dir;
    final Datasets data;
    /** Held from {@link #open} to {@link #close}: one process writes the folder at a time. */
    private final OutputFolder folder;
    private String vectorsSha256;
    private boolean prepared;

    private EvalSession(LlamaModel model, ScansContext ctx, OutputFolder folder, Datasets data) {
        this.model = model;
        this.ctx = ctx;
        this.folder = folder;
        this.dir = folder.dir;
        this.data = data;
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
        Tokenizer tokenizer = modelOptions.tokenizer();
        CliFiles.checkNotAnInput(dir, "--out", modelDir);
        OutputFolder folder;
        try {
            folder = OutputFolder.claim(dir, evalOptions.out == null, evalOptions.resume, EvalFolder::holdsOutput, "an eval or a run");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (evalOptions.afresh) err.println(CliFiles.startsAfresh(folder.dir, "eval", EvalFolder.SETTINGS_FILE));
        LlamaModel model = null;
        try {
            VectorSource source = null;
            if (needsVectors) source = scans.source(folder.dir.resolve(Runner.VECTORS_FILE), evalOptions.resume, err);
            modelOptions.refillSmallPages(modelDir, evalOptions.keepPages, err::println);
            model = LlamaModel.load(modelDir, modelOptions.loadOptions());
            checkModel.accept(model.config());
            modelOptions.noteSmallPages(model, modelDir, err::println);
            Set<Fix> fixes = scans.fixes();
            ScansContext ctx = source != null
                    ? scans.open(model, tokenizer, data, source, err)
                    : new ScansContext(model, tokenizer, scans.family(), scans.family().template(fixes),
                            ModelPreset.forModel(scans.family(), model.config()), null, null, fixes);
            return new EvalSession(model, ctx, folder, data);
        } catch (RuntimeException e) {
            if (model != null) model.close();
            folder.failed();
            folder.close();
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

    /**
     * Keeps a copy of the vectors in the folder and writes or checks the settings: the eval's own
     * (given the vectors' digest), the model's numerics and the digests of the input files named
     * by path ({@link RunSettings#inputDigests}, read before the model loaded).
     */
    EvalFolder prepare(Function<String, ObjectNode> settings, java.util.Map<String, String> inputs, boolean resume) throws IOException {
        try {
            if (ctx.vectors() != null) vectorsSha256 = ctx.vectors().digest();
            ObjectNode given = settings.apply(vectorsSha256);
            RunSettings.putModelNumerics(given, model.kvCacheType(), model.quantization());
            RunSettings.putInputDigests(given, inputs);
            EvalFolder prepared = EvalFolder.prepare(dir, given, resume);
            // After the settings check, which compares the vectors' digest.
            if (ctx.vectors() != null) {
                Path copy = dir.resolve(Runner.VECTORS_FILE);
                if (!resume || !Files.exists(copy)) VectorsFile.write(ctx.vectors(), copy);
            }
            this.prepared = true;
            return prepared;
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
        folder.failed();
    }

    @Override
    public void close() {
        try {
            // A command that stopped between open and prepare (an option that does not fit the model).
            if (!prepared) folder.failed();
            folder.close();
        } finally {
            model.close();
        }
    }
}
