package ai.patchwork.bench.serve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/** Registers the generated adapters through {@code POST /v1/adapters}, as a user would, a few at a time. */
final class AdapterUploads {
    private AdapterUploads() {}

    /** Uploads every folder as name {@code <folder name>} with the project key {@code key}; returns the ids in order. */
    static List<String> register(int port, String key, String baseModel, List<Path> folders) {
        RestClient rest = RestClient.builder()
                .baseUrl("http://127.0.0.1:" + port)
                .defaultHeader("Authorization", "Bearer " + key)
                .build();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<CompletableFuture<String>> ids = new ArrayList<>();
            for (Path dir : folders) ids.add(CompletableFuture.supplyAsync(() -> upload(rest, baseModel, dir), pool));
            return ids.stream().map(CompletableFuture::join).toList();
        }
    }

    private static String upload(RestClient rest, String baseModel, Path dir) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("name", dir.getFileName().toString());
        parts.add("base_model", baseModel);
        parts.add("adapter_config", new FileSystemResource(dir.resolve("adapter_config.json")));
        parts.add("adapter_model", new FileSystemResource(dir.resolve("adapter_model.safetensors")));
        String json = rest.post()
                .uri("/v1/adapters")
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts)
                .retrieve()
                .body(String.class);
        return JsonMapper.shared().readTree(json).path("id").asString();
    }
}
