package ai.patchwork.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What {@code ./patchwork up} prints once it is ready: the default project's key and how to call the API with it. */
final class QuickStart {
    private QuickStart() {}

    /** The snippet, or a note when the key file cannot be read. */
    static String text(String port, Path keyFile, String model) {
        String key;
        try {
            key = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "patchwork: no API key in " + keyFile + " (" + e.getMessage() + ")";
        }
        String base = "http://localhost:" + port + "/v1";
        return """
        patchwork: API key of the default project (kept in %s, mode 0600):
          export OPENAI_API_KEY=%s
        patchwork: try it:
          curl %s/chat/completions -H "Authorization: Bearer $OPENAI_API_KEY" \\
            -H "Content-Type: application/json" \\
            -d '{"model": "%s", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 16}'
        patchwork: or with the OpenAI SDK (Python):
          from openai import OpenAI
          client = OpenAI(base_url="%s")  # reads OPENAI_API_KEY
          print(client.chat.completions.create(model="%s", max_tokens=16,
              messages=[{"role": "user", "content": "Hello"}]).choices[0].message.content)
        patchwork: the web UI asks for this key once per browser tab.""".formatted(keyFile.toAbsolutePath(), key, base, model, base, model);
    }
}
