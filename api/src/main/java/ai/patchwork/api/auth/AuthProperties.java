package ai.patchwork.api.auth;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code patchwork.auth.*} settings.
 *
 * @param bootstrapAdminKey an admin key ({@code sk-admin-…}, env {@code PATCHWORK_BOOTSTRAP_ADMIN_KEY}) installed on
 *     a start that finds no admin key; without it such a start generates one and writes it to {@code adminKeyFile}
 * @param adminKeyFile where a generated admin key is written (mode 0600)
 * @param bootstrapProjectKey a project key ({@code sk-proj-…}) installed into the default project when missing:
 *     for tests and scripted set-ups
 * @param projectKeyFile where {@code ./patchwork up} keeps the default project's key (created when the file is
 *     missing or its key no longer works); null: no key is created
 * @param cacheTtl how long a replica trusts an authenticated key before asking the database again; revocations are
 *     also pushed to every replica at once
 */
@ConfigurationProperties("patchwork.auth")
public record AuthProperties(
        String bootstrapAdminKey,
        @DefaultValue("data/admin-key") Path adminKeyFile,
        String bootstrapProjectKey,
        Path projectKeyFile,
        @DefaultValue("5s") Duration cacheTtl) {

    public AuthProperties {
        if (bootstrapAdminKey != null && bootstrapAdminKey.isBlank()) bootstrapAdminKey = null;
        if (bootstrapProjectKey != null && bootstrapProjectKey.isBlank()) bootstrapProjectKey = null;
        if (bootstrapAdminKey != null
                && !(bootstrapAdminKey.startsWith(Secrets.ADMIN_PREFIX) && Secrets.wellFormed(bootstrapAdminKey))) {
            throw new IllegalArgumentException(
                    "patchwork.auth.bootstrap-admin-key must be 'sk-admin-' and at least " + Secrets.MIN_RANDOM_CHARS
                            + " letters, digits, '-' or '_' (e.g. sk-admin-$(openssl rand -hex 32))");
        }
        if (bootstrapProjectKey != null
                && !(bootstrapProjectKey.startsWith(Secrets.PROJECT_PREFIX)
                        && Secrets.wellFormed(bootstrapProjectKey))) {
            throw new IllegalArgumentException("patchwork.auth.bootstrap-project-key must be 'sk-proj-' and at least "
                    + Secrets.MIN_RANDOM_CHARS + " letters, digits, '-' or '_'");
        }
        if (cacheTtl.isNegative() || cacheTtl.compareTo(Duration.ofSeconds(5)) > 0) {
            throw new IllegalArgumentException("patchwork.auth.cache-ttl must be between 0 and 5s, got " + cacheTtl);
        }
    }
}
