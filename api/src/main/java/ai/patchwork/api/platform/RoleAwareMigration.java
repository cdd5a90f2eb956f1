package ai.patchwork.api.platform;

import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;

/**
 * Flyway at startup. By default every process migrates the one shared schema, whatever its roles, so that any process
 * can be the first one against a fresh database (a serving replica alone, a worker alone): Flyway holds a PostgreSQL
 * advisory lock while it migrates, so processes starting together take turns and the later ones find nothing left to
 * do. With {@code patchwork.migrate-schema=false} a process only validates the schema and refuses to start against
 * one that is behind, for deployments where one api process (or an operator) owns the migrations.
 */
public final class RoleAwareMigration implements FlywayMigrationStrategy {
    private final Set<Role> roles;
    private final boolean migrate;

    /**
     * @param roles this process's roles, named in the refusal
     * @param migrate whether this process migrates ({@code patchwork.migrate-schema}), or only validates
     */
    public RoleAwareMigration(Set<Role> roles, boolean migrate) {
        this.roles = Set.copyOf(roles);
        this.migrate = migrate;
    }

    @Override
    public void migrate(Flyway flyway) {
        if (migrate) {
            flyway.migrate();
            return;
        }
        try {
            flyway.validate();
        } catch (FlywayException e) {
            throw new IllegalStateException(
                    "the database schema is not at the version this build needs, and this process (roles " + roles
                            + ") has patchwork.migrate-schema=false: start one that migrates it first ("
                            + e.getMessage() + ")",
                    e);
        }
    }
}
