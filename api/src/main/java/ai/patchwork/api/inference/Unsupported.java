package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import tools.jackson.databind.JsonNode;

/**
 * Refuses request fields for features this server does not have, one 400 naming the field, so that no client
 * believes a setting took effect when it was dropped.
 */
final class Unsupported {
    private Unsupported() {}

    /** Refuses {@code param} when the client set it (JSON null counts as not set). */
    static void refuse(String param, Object value) {
        if (value == null || value instanceof JsonNode j && j.isNull()) return;
        throw ApiException.badRequest(param, "unsupported_parameter", param + " is not supported by this server");
    }
}
