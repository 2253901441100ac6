package org.scans.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;

/**
 * The report in a real browser: Debian's Chromium, headless. Console messages (errors, uncaught
 * exceptions, CSP violations) are read from Chromium's own log on stderr; the page logs nothing
 * itself, so any console line fails the test. The DOM after the script ran shows the charts and the
 * filter at work. A page with a deliberate error proves the console check can fail.
 */
class ReportBrowserTest {
    @TempDir
    static Path tmp;
    static Path chromium;
    static Path page;

    @BeforeAll
    static void render() throws Exception {
        chromium = find();
        TestSupport.requireTool(chromium != null, "chromium");
        page = tmp.resolve("report.html");
        List<String> args = new ArrayList<>(List.of("report", "--out", page.toString()));
        ReportFixture.dirs().forEach(d -> args.add(d.toString()));
        TestSupport.Cli r = TestSupport.cli(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
    }

    static Path find() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    /** What Chromium printed: the dumped DOM (or nothing) and its console lines. */
    record Browser(String dom, List<String> console, String log) {}

    static Browser open(String url, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(tmp, "profile");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Path out = tmp.resolve("stdout-" + System.nanoTime()), err = tmp.resolve("stderr-" + System.nanoTime());
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + cmd);
        }
        String log = Files.readString(err, StandardCharsets.UTF_8);
        List<String> console = log.lines().filter(l -> l.contains(":CONSOLE")).toList();
        return new Browser(Files.readString(out, StandardCharsets.UTF_8), console, log);
    }

    @Test
    void consoleCheckCatchesAnError() throws Exception {
        Path bad = tmp.resolve("bad.html");
        Files.writeString(bad, "<!DOCTYPE html><html><body><p>x</p><script>notDefined();</script></body></html>");
        Browser b = open(bad.toUri().toString(), "--dump-dom");
        assertTrue(b.console().stream().anyMatch(l -> l.contains("Uncaught ReferenceError")), "the log: " + b.log());
    }

    @Test
    void rendersWithoutConsoleErrorsAndFiltersFromTheUrl() throws Exception {
        Browser b = open(page.toUri() + "#subset=label%3Asafe", "--dump-dom");
        assertTrue(b.console().isEmpty(), "console messages: " + b.console());
        String dom = b.dom();
        assertTrue(dom.contains("<h1>SCANS report</h1>"), "the page loaded: " + b.log());
        Matcher svg = Pattern.compile("<svg [^>]*>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
        int charts = 0;
        while (svg.find()) {
            charts++;
            assertTrue(Pattern.compile("<(rect|polyline|circle)[^>]*>").matcher(svg.group(1)).find(), "an empty chart: " + svg.group());
        }
        assertEquals(13, charts);
        // The script ran: of the 11 samples (XSTest 4 unsafe + 4 safe, custom set 1 unsafe + 2 safe) the 6 safe ones are shown.
        assertTrue(dom.contains("6 of 11 samples"), "filter count: " + dom.replaceAll("(?s).*(<span id=\"f-count\"[^<]*</span>).*", "$1"));
        assertEquals(5, count(dom, "<tr data-run=\"r", " hidden=\"\""), "the unsafe rows are hidden");
    }

    @Test
    void screenshotIsDrawn() throws Exception {
        Path png = tmp.resolve("report.png");
        Browser b = open(page.toUri().toString(), "--hide-scrollbars", "--window-size=1280,2000", "--screenshot=" + png);
        assertTrue(b.console().isEmpty(), "console messages: " + b.console());
        assertTrue(Files.size(png) > 20_000, "a drawn page, not a blank one: " + Files.size(png) + " bytes");
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertEquals("\u0089PNG", new String(head, 0, 4, StandardCharsets.ISO_8859_1));
        Path keep = Path.of("target", "report-screenshot.png");
        Files.createDirectories(keep.getParent());
        Files.copy(png, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Rows (opening tags starting with {@code tag}) that carry {@code attribute}. */
    static int count(String dom, String tag, String attribute) {
        int n = 0;
        Matcher m = Pattern.compile(Pattern.quote(tag) + "[^>]*>").matcher(dom);
        while (m.find()) if (m.group().contains(attribute)) n++;
        return n;
    }
}
