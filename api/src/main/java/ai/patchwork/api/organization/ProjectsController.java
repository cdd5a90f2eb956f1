package ai.patchwork.api.organization;

import ai.patchwork.api.auth.ApiKey;
import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.auth.KeyStore;
import ai.patchwork.api.auth.Project;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ApiException;
import ai.patchwork.api.web.Cursor;
import ai.patchwork.api.web.ListPage;
import ai.patchwork.registry.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /v1/organization/projects}: projects, their service accounts and API keys (admin keys only; the filter
 * refuses every other caller before this runs).
 */
@RestController
@RequestMapping("/v1/organization/projects")
@ConditionalOnRole(Role.API)
record ProjectsController(KeyStore keys) {

    @GetMapping
    ListPage<OrganizationJson.ProjectJson> list(
            Cursor cursor, @RequestParam(name = "include_archived", defaultValue = "false") boolean includeArchived) {
        int limit = cursor.limitOr(20);
        if (limit < 1 || limit > 100) throw ApiException.badRequest("limit", "invalid_limit", "limit must be 1 to 100");
        Page<Project> page = Page.of(keys.projects(limit, cursor.after(), includeArchived), limit);
        return ListPage.of(page, OrganizationJson.ProjectJson::of, OrganizationJson.ProjectJson::id);
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    OrganizationJson.ProjectJson create(@RequestBody JsonNode body) {
        Project p = keys.createProject(name(body, true));
        return OrganizationJson.ProjectJson.of(
                changes(body).equals(NO_CHANGES) ? p : keys.modifyProject(p.id(), changes(body)));
    }

    @GetMapping("/{projectId}")
    OrganizationJson.ProjectJson get(@PathVariable String projectId) {
        return OrganizationJson.ProjectJson.of(keys.project(projectId));
    }

    /** Renames a project; Patchwork's extension also sets its base-model allow-list and quotas. */
    @PostMapping(path = "/{projectId}", consumes = MediaType.APPLICATION_JSON_VALUE)
    OrganizationJson.ProjectJson modify(@PathVariable String projectId, @RequestBody JsonNode body) {
        KeyStore.ProjectChanges c = changes(body);
        return OrganizationJson.ProjectJson.of(keys.modifyProject(
                projectId,
                new KeyStore.ProjectChanges(
                        name(body, false),
                        c.allowedBaseModels(),
                        c.maxConcurrentFineTuningJobs(),
                        c.maxStoredBytes())));
    }

    @PostMapping("/{projectId}/archive")
    OrganizationJson.ProjectJson archive(@PathVariable String projectId) {
        return OrganizationJson.ProjectJson.of(keys.archiveProject(projectId));
    }

    @GetMapping("/{projectId}/service_accounts")
    ListPage<OrganizationJson.ServiceAccount> serviceAccounts(@PathVariable String projectId) {
        keys.project(projectId);
        return ListPage.of(
                keys.keys(projectId).stream()
                        .map(k -> OrganizationJson.ServiceAccount.of(k, null))
                        .toList(),
                false,
                OrganizationJson.ServiceAccount::id);
    }

    /** Creates a service account with its key; the key's value is in this answer only. */
    @PostMapping(path = "/{projectId}/service_accounts", consumes = MediaType.APPLICATION_JSON_VALUE)
    OrganizationJson.ServiceAccount createServiceAccount(@PathVariable String projectId, @RequestBody JsonNode body) {
        Project p = keys.project(projectId);
        if (!p.active()) {
            throw ApiException.badRequest("project_id", "project_archived", "project '" + projectId + "' is archived");
        }
        String permission = body.path("permission").asString("all");
        Caller.Permission level = switch (permission) {
            case "all" -> Caller.Permission.ALL;
            case "read_only" -> Caller.Permission.READ_ONLY;
            default ->
                throw ApiException.badRequest("permission", "invalid_value", "permission must be all or read_only");
        };
        ApiKey.Created created = keys.create(projectId, name(body, true), level);
        return OrganizationJson.ServiceAccount.of(created.key(), created.secret());
    }

    @GetMapping("/{projectId}/service_accounts/{serviceAccountId}")
    OrganizationJson.ServiceAccount serviceAccount(
            @PathVariable String projectId, @PathVariable String serviceAccountId) {
        return OrganizationJson.ServiceAccount.of(keys.key(projectId, keyId(serviceAccountId)), null);
    }

    @DeleteMapping("/{projectId}/service_accounts/{serviceAccountId}")
    OrganizationJson.Deleted deleteServiceAccount(
            @PathVariable String projectId, @PathVariable String serviceAccountId) {
        keys.revoke(projectId, keyId(serviceAccountId));
        return new OrganizationJson.Deleted("organization.project.service_account.deleted", serviceAccountId, true);
    }

    @GetMapping("/{projectId}/api_keys")
    ListPage<OrganizationJson.ApiKeyJson> apiKeys(@PathVariable String projectId) {
        keys.project(projectId);
        return ListPage.of(
                keys.keys(projectId).stream()
                        .map(OrganizationJson.ApiKeyJson::of)
                        .toList(),
                false,
                OrganizationJson.ApiKeyJson::id);
    }

    @GetMapping("/{projectId}/api_keys/{keyId}")
    OrganizationJson.ApiKeyJson apiKey(@PathVariable String projectId, @PathVariable String keyId) {
        return OrganizationJson.ApiKeyJson.of(keys.key(projectId, keyId));
    }

    /** Revokes the key: every replica refuses it within seconds. */
    @DeleteMapping("/{projectId}/api_keys/{keyId}")
    OrganizationJson.Deleted deleteApiKey(@PathVariable String projectId, @PathVariable String keyId) {
        keys.revoke(projectId, keyId);
        return new OrganizationJson.Deleted("organization.project.api_key.deleted", keyId, true);
    }

    private static final KeyStore.ProjectChanges NO_CHANGES = new KeyStore.ProjectChanges(null, null, null, null);

    private static String keyId(String serviceAccountId) {
        String id = OrganizationJson.keyIdOf(serviceAccountId);
        if (id == null) {
            throw ApiException.badRequest(
                    "service_account_id", "invalid_value", "not a service account id: " + serviceAccountId);
        }
        return id;
    }

    private static String name(JsonNode body, boolean required) {
        JsonNode n = body.path("name");
        if (n.isMissingNode() || n.isNull()) {
            if (required) throw ApiException.badRequest("name", "missing_required_parameter", "name is required");
            return null;
        }
        String name = n.asString("").strip();
        if (name.isEmpty() || name.length() > 256) {
            throw ApiException.badRequest("name", "invalid_value", "name must be 1 to 256 characters");
        }
        return name;
    }

    /** Patchwork's extension fields; absent: unchanged, null: cleared. */
    private static KeyStore.ProjectChanges changes(JsonNode body) {
        Optional<List<String>> models = null;
        if (body.has("allowed_base_models")) {
            JsonNode m = body.get("allowed_base_models");
            if (m.isNull()) models = Optional.empty();
            else if (!m.isArray() || m.size() > 100) {
                throw ApiException.badRequest(
                        "allowed_base_models",
                        "invalid_value",
                        "allowed_base_models must be a list " + "of up to 100 base model ids, or null for all");
            } else {
                List<String> ids = new ArrayList<>();
                m.forEach(x -> ids.add(x.asString()));
                models = Optional.of(ids);
            }
        }
        Optional<Long> jobs = positive(body, "max_concurrent_fine_tuning_jobs", Integer.MAX_VALUE);
        return new KeyStore.ProjectChanges(
                null,
                models,
                jobs == null ? null : jobs.map(Long::intValue),
                positive(body, "max_stored_bytes", Long.MAX_VALUE / 2));
    }

    /** A positive integer field: null when absent (unchanged), empty when null (no quota). */
    private static Optional<Long> positive(JsonNode body, String field, long max) {
        if (!body.has(field)) return null;
        JsonNode v = body.get(field);
        if (v.isNull()) return Optional.empty();
        if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > max) {
            throw ApiException.badRequest(
                    field, "invalid_value", field + " must be a positive integer, or null for none");
        }
        return Optional.of(v.asLong());
    }
}
