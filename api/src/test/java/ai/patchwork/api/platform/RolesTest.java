package ai.patchwork.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.services.TestPostgres;
import java.util.EnumSet;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class RolesTest {

    @Configuration(proxyBeanMethods = false)
    static class RoleBeans {
        @Bean
        @ConditionalOnRole(Role.API)
        String apiOnly() {
            return "api";
        }
    }

    @Test
    void conditionalOnRoleFollowsPatchworkRoles() {
        ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(RoleBeans.class);
        runner.run(ctx -> assertTrue(ctx.containsBean("apiOnly"), "every role by default"));
        runner.withPropertyValues("patchwork.roles=api").run(ctx -> assertTrue(ctx.containsBean("apiOnly")));
        runner.withPropertyValues("patchwork.roles=worker,serving")
                .run(ctx -> assertEquals(0, ctx.getBeanNamesForType(String.class).length));
    }

    @Test
    void everyRoleMigratesUnlessToldNotToAndThenRefusesAnOutdatedSchema() {
        TestPostgres pg = TestPostgres.shared();
        DataSource db = pg.dataSource(pg.createDatabase("roles"));
        Flyway flyway = Flyway.configure().dataSource(db).load();
        // a worker told not to migrate cannot start against an empty database
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> new RoleAwareMigration(EnumSet.of(Role.WORKER), false).migrate(flyway));
        assertTrue(
                e.getMessage()
                        .startsWith("the database schema is not at the version this build needs, and this process "
                                + "(roles [WORKER]) has patchwork.migrate-schema=false"),
                e.getMessage());
        assertTrue(flyway.info().pending().length > 0, "nothing applied");
        // a serving replica alone migrates a fresh database; then one that only validates starts too
        new RoleAwareMigration(EnumSet.of(Role.SERVING), true).migrate(flyway);
        assertEquals(0, flyway.info().pending().length, "every migration applied");
        new RoleAwareMigration(EnumSet.of(Role.WORKER, Role.SERVING), false).migrate(flyway);
        new RoleAwareMigration(EnumSet.of(Role.API), true).migrate(flyway);
    }
}
