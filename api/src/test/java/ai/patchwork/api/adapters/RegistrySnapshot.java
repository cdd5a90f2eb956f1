package ai.patchwork.api.adapters;

import ai.patchwork.testsupport.services.TestS3;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import org.springframework.jdbc.core.simple.JdbcClient;

/** What an adapter upload can leave behind, counted: equal before and after shows a refused upload left nothing. */
record RegistrySnapshot(long adapters, long names, long artifacts, long objects) {

    static RegistrySnapshot of(JdbcClient jdbc) {
        return new RegistrySnapshot(
                count(jdbc, "adapters"),
                count(jdbc, "adapter_names"),
                count(jdbc, "artifacts"),
                TestS3.shared().keys(PatchworkTestServices.BUCKET).size());
    }

    private static long count(JdbcClient jdbc, String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }
}
