package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.model.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TokenBytesTest {

    @Test
    void theBytesOfAnEncodingConcatenateToTheTextsUtf8() {
        try (Tokenizer tokenizer = Tokenizer.load(Fixtures.tinyLlamaModel())) {
            TokenBytes table = tokenizer.tokenBytes();
            assertEquals(tokenizer.vocabSize(), table.size());
            String[] texts = {"Hello world", "naïve café — ünïcödé ✓ 日本語", "{\"a\": [1, 2.5e-3]}\n\t"};
            for (String text : texts) {
                ByteArrayOutputStream joined = new ByteArrayOutputStream();
                for (int id : tokenizer.encode(text)) joined.writeBytes(table.bytes(id));
                assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), joined.toByteArray(), text);
            }
            int imEnd = tokenizer.tokenId("<|im_end|>").orElseThrow();
            assertEquals("<|im_end|>", table.text(imEnd));
        }
    }

    @Test
    void everyNonSpecialTokenDecodesToItsOwnBytes() {
        try (Tokenizer tokenizer = Tokenizer.load(Fixtures.tinyLlamaModel())) {
            TokenBytes table = tokenizer.tokenBytes();
            for (int id = 0; id < table.size(); id++) {
                String decoded = tokenizer.decode(new int[] {id}, true);
                if (decoded.isEmpty() || decoded.indexOf('\uFFFD') >= 0) continue; // special, or part of a character
                assertEquals(decoded, table.text(id), "token " + id);
            }
        }
    }

    @Test
    void sentencePieceByteFallbackPiecesAreSingleBytes() {
        String json = """
        {"model": {"type": "BPE", "byte_fallback": true, "vocab": {"<0xE2>": 0, "▁hi": 1, "é": 2}, "merges": []},
         "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
          {"type": "ByteFallback"}]},
         "added_tokens": [{"id": 3, "content": "</s>", "special": true}]}""";
        TokenBytes table = TokenBytes.of(JsonMapper.shared().readTree(json), 4);
        assertArrayEquals(new byte[] {(byte) 0xE2}, table.bytes(0));
        assertArrayEquals(" hi".getBytes(StandardCharsets.UTF_8), table.bytes(1));
        assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), table.bytes(2));
        assertEquals("</s>", table.text(3));
    }
}
