package ai.patchwork.api.organization;

import ai.patchwork.api.auth.ApiKey;
import ai.patchwork.api.auth.Project;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The objects of the administration API. */
final class OrganizationJson {
    private OrganizationJson() {}

    /** OpenAI's {@code organization.project}, with Patchwork's allow-list and quotas. */
    record ProjectJson(
            String id,
            String object,
            String name,
            long createdAt,
            Long archivedAt,
            String status,
            List<String> allowedBaseModels,
            Integer maxConcurrentFineTuningJobs,
            Long maxStoredBytes) {
        static ProjectJson of(Project p) {
            return new ProjectJson(
                    p.id(),
                    "organization.project",
                    p.name(),
                    p.createdAt().getEpochSecond(),
                    seconds(p.archivedAt()),
                    p.status(),
                    p.allowedBaseModels(),
                    p.maxConcurrentFineTuningJobs(),
                    p.maxStoredBytes());
        }
    }

    /** The owner of a key: its service account (every project key here has one). */
    record Owner(String type, ServiceAccount serviceAccount) {}

    /** OpenAI's {@code organization.project.service_account}; {@code apiKey} only in the answer to its creation. */
    record ServiceAccount(
            String object, String id, String name, String role, long createdAt, String permission, CreatedKey apiKey) {
        static ServiceAccount of(ApiKey k, String secret) {
            return new ServiceAccount(
                    "organization.project.service_account",
                    serviceAccountId(k.id()),
                    k.name(),
                    "member",
                    k.createdAt().getEpochSecond(),
                    wire(k),
                    secret == null
                            ? null
                            : new CreatedKey(
                                    "organization.project.service_account.api_key",
                                    secret,
                                    "Secret Key",
                                    k.createdAt().getEpochSecond(),
                                    k.id()));
        }
    }

    /** The key in the answer to a service account's creation: the only time its value is shown. */
    record CreatedKey(String object, String value, String name, long createdAt, String id) {}

    /** OpenAI's {@code organization.project.api_key}, with Patchwork's {@code permission}. */
    record ApiKeyJson(
            String object,
            String id,
            String name,
            String redactedValue,
            long createdAt,
            Long lastUsedAt,
            String permission,
            Owner owner) {
        static ApiKeyJson of(ApiKey k) {
            return new ApiKeyJson(
                    "organization.project.api_key",
                    k.id(),
                    k.name(),
                    k.redactedValue(),
                    k.createdAt().getEpochSecond(),
                    seconds(k.lastUsedAt()),
                    wire(k),
                    new Owner("service_account", ServiceAccount.of(k, null)));
        }
    }

    /** The answer to a delete. */
    record Deleted(String object, String id, boolean deleted) {}

    /** A service account's id for its key's id: {@code key_X} belongs to {@code svc_acct_X}. */
    static String serviceAccountId(String keyId) {
        return "svc_acct_" + keyId.substring("key_".length());
    }

    /** The key id of a service account id, or null when it is not one. */
    static String keyIdOf(String serviceAccountId) {
        return serviceAccountId.startsWith("svc_acct_")
                ? "key_" + serviceAccountId.substring("svc_acct_".length())
                : null;
    }

    private static String wire(ApiKey k) {
        return k.permission().name().toLowerCase(Locale.ROOT);
    }

    private static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }
}
