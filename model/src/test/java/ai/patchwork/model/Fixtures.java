package ai.patchwork.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Locates the shared test fixtures, whichever folder the tests run from. */
public final class Fixtures {
  private static final List<String> CANDIDATES =
      List.of("../shared/fixtures/tiny-llama", "../../shared/fixtures/tiny-llama");

  private Fixtures() {}

  /** The tiny-llama fixture folder (holding {@code model/}, {@code adapters/}, expected.json). */
  public static Path tinyLlama() {
    for (String candidate : CANDIDATES) {
      Path path = Path.of(candidate).toAbsolutePath().normalize();
      if (Files.isDirectory(path)) {
        return path;
      }
    }
    throw new IllegalStateException(
        "tiny-llama fixture not found from "
            + Path.of("").toAbsolutePath()
            + "; tried "
            + CANDIDATES);
  }

  /** The fixture's {@code model/} folder. */
  public static Path tinyLlamaModel() {
    return tinyLlama().resolve("model");
  }

  /** The parsed {@code expected.json} of the tiny-llama fixture. */
  public static JsonNode expected() {
    return JsonMapper.builder().build().readTree(tinyLlama().resolve("expected.json"));
  }
}
