package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines one at a time, each bounded: over-long lines are reported by number and never held. */
class JsonlLinesTest {

    private static List<String> read(InputStream in, int max) throws IOException {
        List<String> seen = new ArrayList<>();
        JsonlLines.read(in, max, new JsonlLines.Handler() {
            @Override
            public void line(int lineNo, String line) {
                seen.add(lineNo + ":" + line);
            }

            @Override
            public void tooLong(int lineNo, int maxLineBytes) {
                seen.add(lineNo + ":too long");
            }
        });
        return seen;
    }

    private static List<String> read(String text, int max) throws IOException {
        return read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void splitsOnNewlinesDropsCarriageReturnsAndTheByteOrderMark() throws IOException {
        assertEquals(List.of("1:a", "2:", "3:b", "4:c"), read("\uFEFFa\r\n\nb\nc", 10));
        assertEquals(List.of("1:é"), read("é\n", 2));
    }

    @Test
    void aLineOverTheLimitIsReportedByNumberAndTheNextLinesStillRead() throws IOException {
        String longLine = "x".repeat(200_000); // spans several read chunks
        assertEquals(List.of("1:abcd", "2:too long", "3:ok", "4:too long"), read("abcd\nabcde\nok\n" + longLine, 4));
        assertEquals(List.of("1:" + longLine, "2:z"), read(longLine + "\nz\n", 200_000));
        assertEquals(List.of("1:too long", "2:z"), read(longLine + "\nz\n", 199_999));
    }

    @Test
    void aLineThatIsNotUtf8IsRefused() {
        byte[] bad = {'{', (byte) 0xC3, '\n'};
        assertThrows(CharacterCodingException.class, () -> read(new ByteArrayInputStream(bad), 100));
    }

    @Test
    void aGigabyteLineCostsOnlyTheLimitOfHeap() throws IOException {
        // given a 1 GiB line (generated, never in memory) between two short ones: a line reader that held it would need
        // more than the tests' 2 GB heap
        long size = 1L << 30;
        InputStream huge = new InputStream() {
            final byte[] head = "aa\n".getBytes(StandardCharsets.US_ASCII);
            final byte[] tail = "\nz\n".getBytes(StandardCharsets.US_ASCII);
            long at;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] b, int off, int len) {
                long end = head.length + size + tail.length;
                if (at >= end) return -1;
                int n;
                if (at < head.length) {
                    n = Math.min(len, head.length - (int) at);
                    System.arraycopy(head, (int) at, b, off, n);
                } else if (at < head.length + size) {
                    n = (int) Math.min(len, head.length + size - at);
                    Arrays.fill(b, off, off + n, (byte) 'x');
                } else {
                    n = (int) Math.min(len, end - at);
                    System.arraycopy(tail, (int) (at - head.length - size), b, off, n);
                }
                at += n;
                return n;
            }
        };
        // when it is read with a 4 MiB limit; then the line is reported, not materialised
        List<String> seen = read(huge, JsonlParser.DEFAULT_MAX_LINE_BYTES);
        assertEquals(List.of("1:aa", "2:too long", "3:z"), seen);
    }
}
