package ai.patchwork.model.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code ./patchwork merge}: the merged folder generates what the base with the adapter generates. */
class MergeCommandTest {

    @TempDir
    Path tmp;

    record Outcome(int status, String out, String err) {}

    static Outcome merge(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CommandLines.run(
                "merge",
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static JsonNode generate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = CommandLines.run("generate", args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status);
        return JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
    }

    static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    @Test
    void theMergedModelGeneratesWhatTheAdapterDoes() {
        Path base = Fixtures.tinyLlamaModel();
        Path adapter = Fixtures.tinyLlama().resolve("adapters/all-r8");
        Path merged = tmp.resolve("merged");

        Outcome o = merge("--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString());

        assertEquals(0, o.status(), o.err());
        assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(merged.resolve("config.json")));
        String[] prompt = {
            "--prompt-ids",
            "72,101,319,111,264,275,304",
            "--max-tokens",
            "8",
            "--temperature",
            "0",
            "--json",
            "--logits"
        };
        JsonNode withAdapter =
                generate(concat(new String[] {"--model", base.toString(), "--adapter", adapter.toString()}, prompt));
        JsonNode fromMerged = generate(concat(new String[] {"--model", merged.toString()}, prompt));
        assertEquals(withAdapter.get("token_ids"), fromMerged.get("token_ids"));
        assertArrayEquals(floats(withAdapter.get("logits_last")), floats(fromMerged.get("logits_last")), 1e-4f);
    }

    @Test
    void refusesAMissingAdapterAndANonEmptyOutputWithStatus2() throws Exception {
        Path base = Fixtures.tinyLlamaModel();
        Outcome missing = merge(
                "--model",
                base.toString(),
                "--adapter",
                tmp.resolve("nope").toString(),
                "--out",
                tmp.resolve("o").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("adapter folder not found"), missing.err());

        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        Outcome notEmpty = merge(
                "--model",
                base.toString(),
                "--adapter",
                Fixtures.tinyLlama().resolve("adapters/all-r8").toString(),
                "--out",
                full.toString());
        assertEquals(2, notEmpty.status());
        assertTrue(notEmpty.err().contains("not empty"), notEmpty.err());
        assertEquals("mine", Files.readString(full.resolve("keep.txt")));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
