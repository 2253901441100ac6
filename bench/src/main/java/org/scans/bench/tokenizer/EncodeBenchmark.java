package org.scans.bench.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.scans.tokenizer.Tokenizer;

/**
 * Encode throughput of the Llama-2 tokenizer on about 1 MB of text: long English (C4
 * validation documents from datasets/) and multilingual text (sentences in a dozen scripts,
 * emoji and digits, shuffled deterministically). Run from the repository root:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar EncodeBenchmark -f 1 -wi 2 -i 3
 * </pre>
 *
 * The score is in ms per encode of the whole text; MB/s = bytes / 1e6 / (ms / 1000), and the
 * setup prints the byte count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EncodeBenchmark {
    static final int TARGET_BYTES = 1_000_000;

    @Param({"tokenizer/src/test/resources/models/llama2/tokenizer.model"})
    public String tokenizer;

    @Param({"english", "multilingual"})
    public String text;

    @Param({"datasets/c4/c4_en_validation_part0_1025docs.jsonl"})
    public String englishSource;

    private Tokenizer tok;
    private String input;

    @Setup
    public void setup() throws IOException {
        tok = Tokenizer.load(Path.of(tokenizer));
        input = text.equals("english") ? english(Path.of(englishSource)) : multilingual();
        int bytes = input.getBytes(StandardCharsets.UTF_8).length;
        int tokens = tok.encode(input).length;
        System.err.printf("%n[%s] %d bytes, %d chars, %d tokens%n", text, bytes, input.length(), tokens);
    }

    @Benchmark
    public int[] encode() {
        return tok.encode(input);
    }

    static String english(Path c4) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        try (BufferedReader r = Files.newBufferedReader(c4, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null && sb.length() < TARGET_BYTES;) {
                sb.append(json.readTree(line).get("text").asText()).append("\n\n");
            }
        }
        return sb.toString();
    }

    static String multilingual() {
        String[] sentences = {
            "The committee will publish its findings on Tuesday, 14 March 2023.",
            "Der Ausschuss wird seine Ergebnisse am Dienstag veröffentlichen, sagte die Sprecherin.",
            "Le comité publiera ses conclusions mardi ; la réunion a duré près de trois heures.",
            "El comité publicará sus conclusiones el martes, según fuentes cercanas.",
            "Комитет опубликует свои выводы во вторник, сообщил представитель.",
            "委员会将于周二公布调查结果，发言人说。",
            "委員会は火曜日に調査結果を公表する予定です。",
            "위원회는 화요일에 조사 결과를 발표할 예정이다.",
            "ستنشر اللجنة نتائجها يوم الثلاثاء، حسبما قال المتحدث.",
            "הוועדה תפרסם את ממצאיה ביום שלישי.",
            "समिति मंगलवार को अपने निष्कर्ष प्रकाशित करेगी।",
            "คณะกรรมการจะเผยแพร่ผลการศึกษาในวันอังคาร",
            "Η επιτροπή θα δημοσιεύσει τα ευρήματά της την Τρίτη.",
            "Komite bulgularını salı günü yayımlayacak.",
            "Ủy ban sẽ công bố kết quả vào thứ Ba.",
            "Great news 🎉👍🏽 — see you at 10:30! 👨‍👩‍👧‍👦",
        };
        SplittableRandom rnd = new SplittableRandom(42);
        StringBuilder sb = new StringBuilder();
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < TARGET_BYTES) {
            for (int i = 0; i < 1000; i++) {
                sb.append(sentences[rnd.nextInt(sentences.length)]).append(rnd.nextInt(8) == 0 ? "\n" : " ");
            }
        }
        return sb.toString();
    }
}
