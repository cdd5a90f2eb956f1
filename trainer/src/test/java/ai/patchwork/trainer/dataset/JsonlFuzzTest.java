package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of a JSONL training file read line by line. The input's first byte sets the line
 * limit (1 to 256 bytes), the rest is the file. {@link JsonlLines} must hand over exactly the lines a plain split on
 * {@code \n} gives (without {@code \r}, a first-line BOM dropped), each within the limit, and report every longer one
 * as too long instead; {@link JsonlParser} must then accept the file or refuse it with
 * {@link InvalidDatasetException}, never another exception.
 */
class JsonlFuzzTest {

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "\"messages\"",
        "\"role\"",
        "\"content\"",
        "\"system\"",
        "\"user\"",
        "\"assistant\"",
        "\"tool\"",
        "\"weight\"",
        "\"tool_calls\"",
        "\"tool_call_id\"",
        "\"prompt\"",
        "\"completion\"",
        "\"tools\"",
        "\"function_call\"",
        "\"functions\"",
        "\\x0D\\x0A",
        "\\xEF\\xBB\\xBF",
        "\\\\ud800"
    })
    void readsLinesWithinTheLimit(byte[] data) throws IOException {
        if (data.length == 0) return;
        int max = 1 + (data[0] & 0xff);
        byte[] file = Arrays.copyOfRange(data, 1, data.length);
        List<String> expected = reference(file, max);
        List<String> got = new ArrayList<>();
        try {
            JsonlLines.read(new ByteArrayInputStream(file), max, new JsonlLines.Handler() {
                @Override
                public void line(int lineNo, String line) {
                    assertEquals(got.size() + 1, lineNo);
                    assertTrue(line.getBytes(StandardCharsets.UTF_8).length <= max, line);
                    got.add(line);
                }

                @Override
                public void tooLong(int lineNo, int maxLineBytes) {
                    assertEquals(got.size() + 1, lineNo);
                    assertEquals(max, maxLineBytes);
                    got.add(null);
                }
            });
            got.add("<end>");
        } catch (CharacterCodingException e) {
            got.add("<not UTF-8>");
        }
        assertEquals(expected, got);
        try {
            JsonlParser.check(new ByteArrayInputStream(file), max);
        } catch (InvalidDatasetException refused) {
            // refused, naming the lines
        }
    }

    /** What the lines must be: {@code null} for one over the limit, then "<end>" or "<not UTF-8>". */
    static List<String> reference(byte[] file, int max) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= file.length; i++) {
            if (i < file.length && file[i] != '\n') continue;
            if (i == file.length && start == file.length) break; // no line after a final \n
            byte[] line = Arrays.copyOfRange(file, start, i);
            start = i + 1;
            if (line.length > max) {
                lines.add(null);
                continue;
            }
            int from = lines.isEmpty()
                            && line.length >= 3
                            && (line[0] & 0xff) == 0xEF
                            && (line[1] & 0xff) == 0xBB
                            && (line[2] & 0xff) == 0xBF
                    ? 3
                    : 0;
            int to = line.length > from && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
            try {
                lines.add(StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(line, from, to - from))
                        .toString());
            } catch (CharacterCodingException e) {
                lines.add("<not UTF-8>");
                return lines;
            }
        }
        lines.add("<end>");
        return lines;
    }
}
