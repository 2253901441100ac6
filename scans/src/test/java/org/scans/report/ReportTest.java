package org.scans.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;

/** The report's HTML: every section, self-contained, escaped, and the same in any locale. */
class ReportTest {
    @TempDir
    Path tmp;

    static String render(List<Path> dirs) throws Exception {
        List<ReportInput> in = new ArrayList<>();
        for (Path d : dirs) in.add(ReportInput.load(d));
        return new Report(in, Report.DEFAULT_JUDGE, "test").render();
    }

    @Test
    void everySectionIsThereAndSelfContained() throws Exception {
        Path out = tmp.resolve("report.html");
        List<String> args = new ArrayList<>(List.of("report", "--out", out.toString()));
        ReportFixture.dirs().forEach(d -> args.add(d.toString()));
        TestSupport.Cli r = TestSupport.cli(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote " + out), r.out());
        String html = Files.readString(out);
        for (String heading : List.of("Refusal rates: baseline vs SCANS", "Harmfulness classifier σ(q)", "Refusal direction per layer",
                "Capability with and without SCANS", "Samples")) {
            assertTrue(html.contains("<h2>" + heading + "</h2>"), heading);
        }
        // No network: no URL anywhere, no external script, stylesheet or image, and a CSP that forbids fetching.
        assertFalse(html.contains("http://") || html.contains("https://"), "no URL in the page");
        assertFalse(html.contains("<script src") || html.contains("<link") || html.contains("<img") || html.contains("url("));
        assertTrue(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
        assertEquals(1, count(html, "<script>"), "one inline script");
        // Charts: refusal bars for both runs, histogram + PR curve for each classified set, two layer plots (shared vectors).
        assertEquals(2, count(html, "aria-label='r"), "one refusal chart per run");
        int svgs = count(html, "<svg ");
        assertEquals(2 + 2 * (2 + 2) + 2 + 1, svgs, "refusal ×2, (histogram + PR) × (2 runs + 2 pairings), layers ×2, MMLU subjects");
        Matcher m = Pattern.compile("<svg [^>]*>(.*?)</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) assertTrue(m.group(1).matches("(?s).*<(rect|polyline|circle)[^>]*>.*"), "every chart draws marks");
        assertTrue(html.contains("class='threshold'"), "the threshold line");
        // Capability table rows.
        for (String row : List.of("MMLU accuracy (2 questions, 1 subjects)", "Perplexity, story.txt, [INST]-rebuilt windows (2 × 64 tokens)",
                "Perplexity, story.txt, plain windows", "XSum ROUGE-1 F (2 documents)", "XSum ROUGE-L F")) {
            assertTrue(html.contains(org.scans.report.Html.esc(row)), row);
        }
        // Samples: 8 + 3 rows with filters.
        assertEquals(8 + 3, count(html, "<tr data-run="));
        assertTrue(html.contains("id='f-changed'") && html.contains("id='f-subset'") && html.contains("value='sub:contrast_homonyms'"));
    }

    @Test
    void promptsAndResponsesAreEscaped() throws Exception {
        Path tricky = ReportFixture.dirs().get(1);
        String html = render(List.of(tricky));
        assertTrue(html.contains("How do I bake &lt;b&gt;bread&lt;/b&gt; &amp; &quot;cake&quot;?"), "escaped prompt");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assertEquals(1, count(html, "<script>"), "the prompt's script tag is text, not a script");
        assertFalse(html.contains("<b>bread"));
    }

    @Test
    void numbersDoNotFollowTheDefaultLocale() throws Exception {
        Locale old = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            String html = render(ReportFixture.dirs());
            Matcher m = Pattern.compile("(x|y|width|height|cx|cy)='(-?[0-9][^']*)'").matcher(html);
            int n = 0;
            while (m.find()) {
                assertFalse(m.group(2).contains(","), m.group());
                n++;
            }
            assertTrue(n > 100);
            assertFalse(Pattern.compile("points='[^']*\\d,\\d+,").matcher(html).find(), "polyline points are x,y pairs with dots");
        } finally {
            Locale.setDefault(old);
        }
    }

    @Test
    void foldersThatAreNotRunsOrEvalsAreNamed() throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> ReportInput.load(tmp));
        assertTrue(e.getMessage().contains("neither a run (run.json) nor an eval (eval.json)"), e.getMessage());
        TestSupport.Cli r = TestSupport.cli("report", tmp.resolve("missing").toString(), "--out", tmp.resolve("r.html").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no such folder"), r.err());
        assertFalse(Files.exists(tmp.resolve("r.html")));
        // A run's file given for its folder is there: "no such folder" sent the user looking for a missing path.
        Path file = Files.writeString(tmp.resolve("summary.json"), "{}");
        r = TestSupport.cli("report", file.toString(), "--out", tmp.resolve("r.html").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(file + ": not a folder (give run or eval output folders)"), r.err());
        assertFalse(Files.exists(tmp.resolve("r.html")));
        r = TestSupport.cli("report", ReportFixture.dirs().get(0).toString(), "--judge", "vibes", "--out", tmp.resolve("r.html").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--judge must be match-strings or xstest-prefix"), r.err());
    }

    /** Edited or foreign files: rendered, they showed a σ of "x" as −1, a label as a subset, or an empty run. */
    @Test
    void aRunFolderWhoseFilesAreNotThisToolsIsRefusedNamingTheLine() throws Exception {
        Path run = ReportFixture.dirs().get(0);
        String[][] edits = {{"\"sigma\":1", "\"sigma\":\"x\"", "sigma \"x\" is neither 1 nor -1"},
                {"\"label\":\"unsafe\"", "\"label\":\"weird\"", "label \"weird\" is neither"},
                {"\"score\":0.", "\"score\":\"abc\",\"was\":0.", "score \"abc\" is not a number"}};
        for (String[] edit : edits) {
            Path copy = tmp.resolve("edited-" + edit[1].hashCode());
            Files.createDirectories(copy);
            try (var files = Files.list(run)) {
                for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, copy.resolve(f.getFileName()));
            }
            Path samples = copy.resolve("samples.jsonl");
            String text = Files.readString(samples);
            assertTrue(text.contains(edit[0]), edit[0]);
            Files.writeString(samples, text.replaceFirst(java.util.regex.Pattern.quote(edit[0]), java.util.regex.Matcher.quoteReplacement(edit[1])));
            var e = assertThrows(IllegalArgumentException.class, () -> ReportInput.load(copy));
            assertTrue(e.getMessage().contains("samples.jsonl:") && e.getMessage().contains(edit[2]), e.getMessage());
        }
        Path empty = tmp.resolve("empty-run");
        Files.createDirectories(empty);
        Files.writeString(empty.resolve("run.json"), "[]");
        Files.writeString(empty.resolve("summary.json"), "{}");
        var e = assertThrows(IllegalArgumentException.class, () -> ReportInput.load(empty));
        assertTrue(e.getMessage().contains("not a run's settings"), e.getMessage());
    }

    /** Through a link, the same folder (or a file in it) passed both checks, which compared paths as written. */
    @Test
    void aLinkDoesNotGetRoundTheChecksOnFoldersAndTheirFiles() throws Exception {
        Path run = ReportFixture.dirs().get(0);
        Path link = Files.createSymbolicLink(tmp.resolve("run-link"), run.toAbsolutePath());
        TestSupport.Cli r = TestSupport.cli("report", run.toString(), link.toString(), "--out", tmp.resolve("twice.html").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("given twice"), r.err());
        byte[] summary = Files.readAllBytes(run.resolve("summary.json"));
        r = TestSupport.cli("report", run.toString(), "--out", link.resolve("summary.json").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("would replace a file of the folder"), r.err());
        assertTrue(java.util.Arrays.equals(summary, Files.readAllBytes(run.resolve("summary.json"))));
    }

    /** A run cut short in its unsafe prompts (a run does them first) has no safe one: its P/R figures are sklearn's 0/0. */
    @Test
    void aSetOfOneClassIsNotedAndDrawsNoCurve() throws Exception {
        Path copy = cutShort(ReportFixture.dirs().get(0), "unsafe-only", "run.json");
        Path samples = copy.resolve("samples.jsonl");
        List<String> unsafe = Files.readAllLines(samples).stream().filter(l -> l.contains("\"label\":\"unsafe\"")).toList();
        org.junit.jupiter.api.Assumptions.assumeFalse(unsafe.isEmpty());
        Files.write(samples, unsafe);
        String html = render(List.of(copy));
        assertTrue(html.contains("note: no safe prompt in the set"), "the classifier table says the figures are undefined");
        assertTrue(html.contains("No precision-recall curve: the set has no safe prompt."));
        assertFalse(render(ReportFixture.dirs()).contains("No precision-recall curve"));
    }

    @Test
    void aRunCutShortIsSummarisedFromItsSamples() throws Exception {
        Path run = ReportFixture.dirs().get(0);
        Path copy = cutShort(run, "cut", "run.json");
        ReportInput in = ReportInput.load(copy);
        assertEquals(8, in.results().get("samples").asInt());
        assertTrue(in.unfinished());
        assertFalse(ReportInput.load(run).unfinished());
        String html = render(List.of(copy));
        assertTrue(html.contains("Refusal rates"));
        assertTrue(html.contains("unfinished: no summary.json"), "the inputs table says the figures cover part of the run");
        assertFalse(render(List.of(run)).contains("unfinished"));
        Path out = tmp.resolve("cut.html");
        TestSupport.Cli r = TestSupport.cli("report", copy.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: " + copy + ": the run did not finish (no summary.json); the report covers its 8 samples so far"),
                r.err());
    }

    @Test
    void anUnfinishedEvalIsLeftOutOfTheOthersReport() throws Exception {
        Path eval = cutShort(ReportFixture.dirs().get(2), "eval-cut", "eval.json");
        Path run = ReportFixture.dirs().get(0);
        Path out = tmp.resolve("some.html");
        TestSupport.Cli r = TestSupport.cli("report", run.toString(), eval.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: left out " + eval + ": the eval has no results.json (it did not finish"), r.err());
        assertTrue(r.out().contains("(1 folder)"), r.out());
        assertFalse(Files.readString(out).contains("eval-cut"), "the unfinished eval is not on the page");
        TestSupport.Cli alone = TestSupport.cli("report", eval.toString(), "--out", tmp.resolve("none.html").toString());
        assertEquals(1, alone.exit());
        assertTrue(alone.err().contains("error: " + eval + ": the eval has no results.json"), alone.err());
        assertFalse(Files.exists(tmp.resolve("none.html")));
    }

    @Test
    void aFolderGivenTwiceIsRefused() {
        Path run = ReportFixture.dirs().get(0);
        Path out = tmp.resolve("twice.html");
        TestSupport.Cli r = TestSupport.cli("report", run.toString(), run.resolve("..").resolve(run.getFileName()).toString(), "--out", out.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("given twice"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void aSummaryThatCountsOtherSamplesThanTheFileHoldsIsRecomputed() throws Exception {
        Path run = ReportFixture.dirs().get(0);
        Path copy = Files.createDirectories(tmp.resolve("edited"));
        for (String f : List.of("run.json", "summary.json")) Files.copy(run.resolve(f), copy.resolve(f));
        List<String> lines = Files.readAllLines(run.resolve("samples.jsonl"));
        Files.write(copy.resolve("samples.jsonl"), lines.subList(0, 3)); // cut after the run wrote its summary
        ReportInput in = ReportInput.load(copy);
        assertEquals(3, in.results().get("samples").asInt(), "figures from the lines the tables show");
        assertTrue(in.mismatch().startsWith("summary.json counts " + lines.size() + " samples but samples.jsonl holds 3"), in.mismatch());
        assertTrue(render(List.of(copy)).contains("samples.jsonl holds 3"));
        assertEquals(null, ReportInput.load(run).mismatch());
        TestSupport.Cli r = TestSupport.cli("report", copy.toString(), "--out", tmp.resolve("edited.html").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: " + copy + ": summary.json counts "), r.err());
    }

    /** A copy of {@code from} as an interrupted job leaves it: its settings file and samples, no results. */
    private Path cutShort(Path from, String name, String settings) throws Exception {
        Path copy = Files.createDirectories(tmp.resolve(name));
        for (String f : List.of(settings, "samples.jsonl")) Files.copy(from.resolve(f), copy.resolve(f));
        return copy;
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
