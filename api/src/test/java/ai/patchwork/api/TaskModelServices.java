package ai.patchwork.api;

import ai.patchwork.trainer.fixture.TaskModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * Configures the generated task model (a tiny random model LoRA can teach, see {@link TaskModel}) as base model
 * {@value #BASE}; the folder is written once per JVM.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TaskModelServices {

    public static final String BASE = "task-model";
    private static Path folder;

    public static synchronized Path folder() {
        if (folder == null) {
            try {
                folder = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    @Bean
    DynamicPropertyRegistrar taskModelProperties() {
        return registry -> registry.add("patchwork.base-models." + BASE + ".path", () -> folder().toString());
    }
}
