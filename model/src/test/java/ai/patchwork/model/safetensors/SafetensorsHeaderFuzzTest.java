package ai.patchwork.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing (Jazzer) of a safetensors file as an adapter upload or a checkpoint reads it: any bytes are
 * either a file whose every tensor lies inside the data section, with as many bytes as its dtype and shape need, or
 * refused with {@link SafetensorsException}; never another exception. Seeds and any crash found are replayed from
 * {@code SafetensorsHeaderFuzzTestInputs/readsOrRefuses} in the test resources.
 */
class SafetensorsHeaderFuzzTest {

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "\"dtype\"",
        "\"shape\"",
        "\"data_offsets\"",
        "\"__metadata__\"",
        "\"F32\"",
        "\"BF16\"",
        "\"F16\"",
        "\"I64\"",
        "\"U8\"",
        "9223372036854775807",
        "-1",
        "1e999"
    })
    void readsOrRefuses(byte[] data) {
        SafetensorsFile file;
        try {
            file = SafetensorsFile.read(ByteBuffer.wrap(data), "fuzz");
        } catch (SafetensorsException expected) {
            return;
        }
        long dataSize = data.length - file.header().dataStart();
        for (TensorInfo t : file.header().tensors().values()) {
            assertTrue(t.begin() >= 0 && t.begin() <= t.end() && t.end() <= dataSize, t.toString());
            assertEquals(t.numel() * t.dtype().bytes(), t.byteSize(), t.toString());
            assertEquals(t.byteSize(), file.bytes(t.name()).remaining(), t.toString());
        }
    }
}
