package ai.patchwork.api.platform;

import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;

/**
 * Flyway at startup: a process with the api role migrates the one shared schema; any other process only validates it
 * and refuses to start against a schema that is behind, rather than migrating concurrently with the api.
 */
public final class RoleAwareMigration implements FlywayMigrationStrategy {
    private final Set<Role> roles;

    public RoleAwareMigration(Set<Role> roles) {
        this.roles = Set.copyOf(roles);
    }

    @Override
    public void migrate(Flyway flyway) {
        if (roles.contains(Role.API)) {
            flyway.migrate();
            return;
        }
        try {
            flyway.validate();
        } catch (FlywayException e) {
            throw new IllegalStateException(
                    "the database schema is not at the version this build needs, and roles " + roles
                            + " do not migrate it: start a process with the api role first (" + e.getMessage() + ")",
                    e);
        }
    }
}
