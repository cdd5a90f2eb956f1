package ai.patchwork.api.ui;

import ai.patchwork.trainer.fixture.TaskModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * The generated task model (a tiny random model that LoRA teaches to reverse codes in a few dozen steps, see
 * {@link TaskModel}) as base model {@value #BASE}, so that the fine-tuned adapter visibly differs from it.
 */
@TestConfiguration(proxyBeanMethods = false)
class UiTaskModel {

  static final String BASE = "task-model";
  private static Path folder;

  static synchronized Path folder() {
    if (folder == null) {
      try {
        folder = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("ui-task-model-"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return folder;
  }

  @Bean
  DynamicPropertyRegistrar uiTaskModelProperties() {
    return registry -> registry.add("patchwork.base-models." + BASE + ".path", () -> folder().toString());
  }
}
