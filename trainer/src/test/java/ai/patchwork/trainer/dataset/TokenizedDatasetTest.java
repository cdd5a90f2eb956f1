package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizedDatasetTest {

    private static byte[] bytes(TokenizedDataset<?> data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        data.write(out);
        return out.toByteArray();
    }

    @Test
    void promptsRoundTripInTheStoredLayout() throws IOException {
        TokenizedDataset<PromptExample> prompts = new TokenizedDataset<>(
                PromptExample.FORMAT,
                List.of(
                        new PromptExample(3, new int[] {1, 2}, "{\"answer\":\"é\"}"),
                        new PromptExample(5, new int[] {7}, "{}")));
        byte[] stored = bytes(prompts);

        ByteBuffer b = ByteBuffer.wrap(stored);
        assertEquals(0x50574b50, b.getInt()); // "PWKP"
        assertEquals(1, b.getInt());
        assertEquals(2, b.getInt());
        assertEquals(3, b.getInt()); // line
        assertEquals(2, b.getInt()); // ids
        assertEquals(12 + (4 + 4 + 2 * 4 + 4 + 15) + (4 + 4 + 4 + 4 + 2), stored.length);

        TokenizedDataset<PromptExample> back =
                TokenizedDataset.read(new ByteArrayInputStream(stored), PromptExample.FORMAT);
        assertEquals(2, back.size());
        assertEquals(3, back.get(0).line());
        assertArrayEquals(new int[] {1, 2}, back.get(0).ids());
        assertEquals("{\"answer\":\"é\"}", back.get(0).item());
        assertEquals("{}", back.get(1).item());
        assertArrayEquals(new int[] {2, 1}, back.lengths());
        assertEquals(3, back.tokens());
    }

    @Test
    void oneKindIsNotReadAsTheOther() throws IOException {
        byte[] examples = bytes(new TokenizedDataset<>(
                EncodedExample.FORMAT, List.of(new EncodedExample(1, new int[] {4, 5}, new float[] {0, 1}))));
        IOException e = assertThrows(
                IOException.class,
                () -> TokenizedDataset.read(new ByteArrayInputStream(examples), PromptExample.FORMAT));
        assertEquals("not a prompt dataset (v1)", e.getMessage());
        assertEquals(
                1,
                TokenizedDataset.read(new ByteArrayInputStream(examples), EncodedExample.FORMAT)
                        .size());
    }
}
