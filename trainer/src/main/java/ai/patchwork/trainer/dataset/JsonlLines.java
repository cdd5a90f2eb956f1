package ai.patchwork.trainer.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a UTF-8 JSONL stream, read one at a time so that a file of any size costs one line of heap: each line
 * (without its {@code \n} or {@code \r\n}) is decoded strictly and handed over, and a line longer than the limit is
 * skipped unread and reported by its number instead. A leading byte-order mark is dropped.
 */
final class JsonlLines {
    /** The line limit when none is configured. */
    static final int DEFAULT_MAX_LINE_BYTES = JsonlParser.DEFAULT_MAX_LINE_BYTES;

    private static final int CHUNK = 64 << 10;

    /** Receives each line in order. */
    interface Handler {
        /** A line of at most the limit, decoded. */
        void line(int lineNo, String line);

        /** A line over the limit, of which only the first {@code maxLineBytes + 1} bytes were looked at. */
        void tooLong(int lineNo, int maxLineBytes);
    }

    private JsonlLines() {}

    /**
     * Reads {@code in} to its end (or until the handler throws), line by line.
     *
     * @throws CharacterCodingException for a line that is not UTF-8
     */
    static void read(InputStream in, int maxLineBytes, Handler handler) throws IOException {
        if (maxLineBytes < 1) throw new IllegalArgumentException("maxLineBytes must be positive");
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] chunk = new byte[CHUNK];
        byte[] line = new byte[Math.min(CHUNK, maxLineBytes + 1)];
        int length = 0; // bytes of the current line held in `line`
        boolean over = false; // the current line is past the limit: its bytes are dropped
        int lineNo = 0;
        for (int n; (n = in.read(chunk)) != -1; ) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (chunk[i] != '\n') continue;
                lineNo++;
                if (!over) {
                    int take = Math.min(i - start, maxLineBytes + 1 - length);
                    line = append(line, length, chunk, start, take, maxLineBytes);
                    length += take;
                }
                end(handler, decoder, line, length, over || length > maxLineBytes, lineNo, maxLineBytes);
                length = 0;
                over = false;
                start = i + 1;
            }
            if (!over && start < n) {
                int take = Math.min(n - start, maxLineBytes + 1 - length);
                line = append(line, length, chunk, start, take, maxLineBytes);
                length += take;
                over = length > maxLineBytes;
            }
        }
        if (length > 0 || over) {
            end(handler, decoder, line, length, over || length > maxLineBytes, ++lineNo, maxLineBytes);
        }
    }

    /** {@code line} with {@code take} more bytes after its first {@code length}, grown (up to the limit) if need be. */
    private static byte[] append(byte[] line, int length, byte[] from, int offset, int take, int maxLineBytes) {
        if (take <= 0) return line;
        if (length + take > line.length) {
            line = Arrays.copyOf(
                    line, (int) Math.min((long) maxLineBytes + 1, Math.max(2L * line.length, length + take)));
        }
        System.arraycopy(from, offset, line, length, take);
        return line;
    }

    private static void end(
            Handler handler,
            CharsetDecoder decoder,
            byte[] line,
            int length,
            boolean over,
            int lineNo,
            int maxLineBytes)
            throws CharacterCodingException {
        if (over) {
            handler.tooLong(lineNo, maxLineBytes);
            return;
        }
        int from = 0;
        if (lineNo == 1
                && length >= 3
                && (line[0] & 0xff) == 0xEF
                && (line[1] & 0xff) == 0xBB
                && (line[2] & 0xff) == 0xBF) {
            from = 3;
        }
        int to = length > from && line[length - 1] == '\r' ? length - 1 : length;
        handler.line(
                lineNo, decoder.decode(ByteBuffer.wrap(line, from, to - from)).toString());
    }
}
