package ai.patchwork.serving;

import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The shared tiny-llama fixture, found from the module or the repository root. */
final class Fixtures {

  private Fixtures() {}

  static Path tinyLlama() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      for (String rel : new String[] {"shared/fixtures/tiny-llama", "../shared/fixtures/tiny-llama"}) {
        Path candidate = d.resolve(rel).normalize();
        if (Files.isDirectory(candidate.resolve("model"))) return candidate;
      }
    }
    throw new IllegalStateException("tiny-llama fixture not found above " + dir
        + " (expected ../shared/fixtures/tiny-llama next to the repository)");
  }

  static Path model() {
    return tinyLlama().resolve("model");
  }

  static Path adapters() {
    return tinyLlama().resolve("adapters");
  }

  static JsonNode expected() {
    return JsonMapper.builder().build().readTree(tinyLlama().resolve("expected.json"));
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
    return out;
  }
}
