package ai.patchwork.bench.serve;

import org.springframework.http.MediaType;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The server's REST API as the sized benchmark calls it outside the measured completions: as a user would, with a
 * project key sent as a bearer token.
 */
final class ApiClient {

    private final RestClient rest;

    /** A client of the server on {@code port}, sending {@code key}. */
    ApiClient(int port, String key) {
        this.rest = RestClient.builder()
                .baseUrl("http://127.0.0.1:" + port)
                .defaultHeader("Authorization", "Bearer " + key)
                .build();
    }

    /** Posts a multipart form to {@code path} (an upload) and returns the {@code id} of what it created. */
    String create(String path, MultiValueMap<String, Object> parts) {
        String json = rest.post()
                .uri(path)
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts)
                .retrieve()
                .body(String.class);
        return JsonMapper.shared().readTree(json).path("id").asString();
    }

    /** Posts to {@code path} with no body (an action such as cancel); the answer is not needed. */
    void post(String path) {
        rest.post().uri(path).retrieve().toBodilessEntity();
    }

    /** Posts a JSON body to {@code path} and returns the answer. */
    JsonNode post(String path, String json) {
        return JsonMapper.shared()
                .readTree(rest.post()
                        .uri(path)
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(json)
                        .retrieve()
                        .body(String.class));
    }

    JsonNode get(String path) {
        return JsonMapper.shared().readTree(rest.get().uri(path).retrieve().body(String.class));
    }
}
