package ai.patchwork.api.auth;

import java.util.Locale;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/me} (a Patchwork extension): what the caller's key is, so that a client (the web UI) can show which
 * project it acts for and what it may do.
 */
@RestController
record MeController(KeyStore keys) {

    /**
     * @param object always {@code api_key.identity}
     * @param keyId the key ({@code key_…})
     * @param projectId its project, or null for an admin key
     * @param projectName the project's name, or null
     * @param permission {@code all}, {@code read_only} or {@code admin}
     */
    record Identity(String object, String keyId, String projectId, String projectName, String permission) {}

    @GetMapping("/v1/me")
    Identity me(Caller caller) {
        String name = caller.projectId() == null
                ? null
                : keys.project(caller.projectId()).name();
        return new Identity(
                "api_key.identity",
                caller.keyId(),
                caller.projectId(),
                name,
                caller.permission().name().toLowerCase(Locale.ROOT));
    }
}
