package ai.patchwork.api.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/** Which process does what: only serving replicas report, only the api lists and prunes; ids and intervals. */
class ReplicasRolesTest {
    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(ReplicasConfiguration.class, ReplicasController.class)
            .withBean(DataSource.class, SimpleDriverDataSource::new);

    @Test
    void aWorkerNeitherReportsNorServesTheList() {
        runner.withPropertyValues("patchwork.roles=worker").run(ctx -> {
            assertEquals(1, ctx.getBeanNamesForType(ServingReplicas.class).length, "every role can read replicas");
            assertEquals(0, ctx.getBeanNamesForType(ReplicaReporter.class).length);
            assertEquals(0, ctx.getBeanNamesForType(ReplicasController.class).length);
            assertEquals(0, ctx.getBeanNamesForType(ReplicasConfiguration.ReplicaPruner.class).length);
        });
    }

    @Test
    void theApiListsAndPrunesButDoesNotReport() {
        runner.withPropertyValues("patchwork.roles=api").run(ctx -> {
            assertEquals(1, ctx.getBeanNamesForType(ReplicasController.class).length);
            assertEquals(1, ctx.getBeanNamesForType(ReplicasConfiguration.ReplicaPruner.class).length);
            assertEquals(0, ctx.getBeanNamesForType(ReplicaReporter.class).length);
        });
    }

    @Test
    void theReplicaIdIsConfiguredOrHostAndPid() {
        assertEquals("serving-0", ReplicaReporter.defaultId(" serving-0 "));
        String id = ReplicaReporter.defaultId("");
        assertTrue(id.endsWith("-" + ProcessHandle.current().pid()) && id.length() > 2, id);
        assertEquals(id, ReplicaReporter.defaultId(null));
    }

    @Test
    void aHeartbeatIntervalTooLongForTheFreshnessWindowIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new ReplicaReporter(null, null, List.of(), "r", Duration.ofSeconds(20)));
        assertTrue(e.getMessage().contains("at most 15s"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> new ReplicaReporter(null, null, List.of(), "r", Duration.ZERO));
    }
}
