package ai.patchwork.api.inference;

import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Serves a generated random-weight model whose chat template is Qwen2.5's Hermes template (tools in a system block,
 * calls in {@code <tool_call>} tags, results in {@code <tool_response>} tags) as base model {@value #MODEL}; the folder
 * is written once per JVM. A random model never writes a call by itself, so it shows what constrained tool calls
 * guarantee.
 */
@TestConfiguration(proxyBeanMethods = false)
public class ToolModelServices {
    public static final String MODEL = "tool-model";
    private static Path folder;

    static synchronized Path folder() {
        if (folder == null) {
            try (InputStream in = ToolModelServices.class.getResourceAsStream("/templates/hermes-qwen2.5.jinja")) {
                Path dir = Files.createTempDirectory("tool-model-");
                TinyModelWriter.write(
                        TinyModelSpec.builder()
                                .optSeed(21)
                                .optMaxPositions(2048)
                                .build(),
                        dir);
                Path config = dir.resolve("tokenizer_config.json");
                ObjectNode tokenizer = (ObjectNode) JsonMapper.shared().readTree(config.toFile());
                tokenizer.put("chat_template", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                JsonMapper.shared().writeValue(config.toFile(), tokenizer);
                folder = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    @Bean
    DynamicPropertyRegistrar toolModelProperties() {
        return registry -> registry.add("patchwork.base-models." + MODEL + ".path", () -> folder().toString());
    }
}
