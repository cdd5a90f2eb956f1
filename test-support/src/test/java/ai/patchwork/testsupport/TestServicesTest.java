package ai.patchwork.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.services.TestPostgres;
import ai.patchwork.testsupport.services.TestS3;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestServicesTest {

    @Test
    void postgresIsSharedAndRunsQueries() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        assertSame(pg, TestPostgres.shared());
        try (Connection c = pg.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 150000, "PostgreSQL 15 or newer");
        }
    }

    @Test
    void createDatabaseGivesAnEmptyDatabase() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        String name = pg.createDatabase("Fresh-One");
        assertTrue(name.startsWith("fresh_one_"), name);
        try (Connection c = pg.dataSource(name).getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void s3StoresAndReturnsBytes() throws Exception {
        TestS3 s3 = TestS3.shared();
        assertSame(s3, TestS3.shared());
        s3.ensureBucket("support-test");
        s3.ensureBucket("support-test");
        MinioClient client = s3.client();
        byte[] bytes = "hello object store".getBytes();
        client.putObject(PutObjectArgs.builder().bucket("support-test").object("a/b.txt").stream(
                        new ByteArrayInputStream(bytes), (long) bytes.length, null)
                .build());
        try (InputStream in = client.getObject(
                GetObjectArgs.builder().bucket("support-test").object("a/b.txt").build())) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        assertTrue(s3.keys("support-test").contains("a/b.txt"));
        assertTrue(s3.keys("no-such-bucket").isEmpty());
    }
}
