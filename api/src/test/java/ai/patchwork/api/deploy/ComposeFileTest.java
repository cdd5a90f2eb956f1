package ai.patchwork.api.deploy;

import static ai.patchwork.api.deploy.DeployFiles.at;
import static ai.patchwork.api.deploy.DeployFiles.list;
import static ai.patchwork.api.deploy.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.platform.PatchworkProperties;
import ai.patchwork.api.platform.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** compose.yaml: its services are the platform's roles plus PostgreSQL and MinIO, wired and checked for health. */
class ComposeFileTest {
    static final List<String> ROLES = List.of("api", "worker", "serving");
    static Map<String, Object> services;

    @BeforeAll
    static void parse() {
        List<Map<String, Object>> docs =
                DeployFiles.documents(DeployFiles.root().resolve("compose.yaml"));
        assertEquals(1, docs.size());
        services = map(docs.getFirst().get("services"));
    }

    static Map<String, Object> service(String name) {
        return map(services.get(name));
    }

    @Test
    void servicesAreTheRolesAndTheirInfrastructure() {
        assertEquals(
                List.of("postgres", "minio", "minio-init", "api", "worker", "serving", "gateway"),
                List.copyOf(services.keySet()));
        for (String name : services.keySet()) {
            assertNull(service(name).get("container_name"), name + ": a fixed container name prevents scaling");
        }
    }

    @Test
    void eachPlatformServiceRunsTheImageWithItsOwnRole() {
        for (String role : ROLES) {
            Map<String, Object> s = service(role);
            assertEquals(".", s.get("build"), role);
            assertEquals("${PATCHWORK_IMAGE:-patchwork:local}", s.get("image"), role);
            assertEquals(role, at(s, "environment.PATCHWORK_ROLES"), role);
            assertTrue(list(s.get("volumes")).contains("./models:/models:ro"), role + " mounts the models read-only");
            assertEquals(
                    List.of("CMD", "curl", "-fsS", "http://localhost:8080/actuator/health"),
                    at(s, "healthcheck.test"),
                    role);
        }
    }

    @Test
    void workersScaleAndOnlyApiAndServingPublishPorts() {
        assertNull(service("worker").get("ports"), "a published port prevents --scale worker=2");
        assertEquals(List.of("8080:8080"), service("api").get("ports"));
        assertEquals(List.of("8081:8080"), service("serving").get("ports"));
        assertEquals(List.of("8000:80"), service("gateway").get("ports"));
    }

    @Test
    void theGatewayRoutesCompletionsToServingAndTheRestToTheApi() throws Exception {
        String conf = java.nio.file.Files.readString(java.nio.file.Path.of("../deploy/compose/gateway.conf"));
        assertTrue(conf.contains("upstream api { server api:8080; }"), conf);
        assertTrue(conf.contains("upstream serving { server serving:8080; }"), conf);
        assertTrue(conf.contains("location = /v1/chat/completions { proxy_pass http://serving;"), conf);
        assertTrue(conf.contains("location = /v1/completions { proxy_pass http://serving;"), conf);
        assertTrue(conf.contains("location / { proxy_pass http://api;"), conf);
        assertTrue(list(service("gateway").get("volumes"))
                .contains("./deploy/compose/gateway.conf:/etc/nginx/conf.d/default.conf:ro"));
        assertTrue(
                java.nio.file.Files.readString(java.nio.file.Path.of("../deploy/compose/proxy-common"))
                        .contains("proxy_buffering off;"),
                "SSE streams pass through unbuffered");
        assertEquals("service_healthy", at(service("gateway"), "depends_on.serving.condition"));
    }

    @Test
    void startupOrderWaitsForHealthAndTheBucket() {
        assertEquals("service_healthy", at(service("api"), "depends_on.postgres.condition"));
        assertEquals("service_completed_successfully", at(service("api"), "depends_on.minio-init.condition"));
        assertEquals("service_healthy", at(service("minio-init"), "depends_on.minio.condition"));
        // workers and serving replicas only validate the schema: the api must have migrated it
        assertEquals("service_healthy", at(service("worker"), "depends_on.api.condition"));
        assertEquals("service_healthy", at(service("serving"), "depends_on.api.condition"));
    }

    @Test
    void postgresAndMinioHaveHealthChecksAndTheBucketIsCreated() {
        assertTrue(service("postgres").get("image").toString().matches("postgres:1[6-9].*"), "PostgreSQL 16+");
        assertEquals(
                List.of("CMD", "pg_isready", "-U", "patchwork", "-d", "patchwork"),
                at(service("postgres"), "healthcheck.test"));
        assertEquals(List.of("CMD", "mc", "ready", "local"), at(service("minio"), "healthcheck.test"));
        String init = DeployFiles.interpolate(String.join(
                " ",
                list(at(service("minio-init"), "command")).stream()
                        .map(Object::toString)
                        .toList()));
        assertTrue(
                init.contains("mc alias set patchwork http://minio:9000 \"$MINIO_ROOT_USER\" \"$MINIO_ROOT_PASSWORD\""),
                init);
        assertTrue(init.contains("mc mb --ignore-existing \"patchwork/$BUCKET\""), init);
        assertEquals(
                "patchwork",
                DeployFiles.interpolate(
                        at(service("minio-init"), "environment.BUCKET").toString()));
        assertEquals(
                DeployFiles.interpolate(
                        at(service("minio"), "environment.MINIO_ROOT_PASSWORD").toString()),
                DeployFiles.interpolate(at(service("api"), "environment.PATCHWORK_S3_SECRET_KEY")
                        .toString()));
        assertEquals(
                DeployFiles.interpolate(
                        at(service("postgres"), "environment.POSTGRES_PASSWORD").toString()),
                DeployFiles.interpolate(
                        at(service("api"), "environment.PATCHWORK_DB_PASSWORD").toString()));
    }

    /** The environment of each platform container, bound by Spring exactly as the application binds it. */
    @Test
    void theEnvironmentBindsToTheRoleTheServicesAndTheMountedModel() {
        for (String role : ROLES) {
            Map<String, String> env = new LinkedHashMap<>();
            map(service(role).get("environment")).forEach((k, v) -> env.put(k, DeployFiles.interpolate(v.toString())));
            try (ConfigurableApplicationContext ctx = DeployFiles.bind(env)) {
                PatchworkProperties p = ctx.getBean(PatchworkProperties.class);
                assertEquals(EnumSet.of(Role.valueOf(role.toUpperCase())), p.roles(), role);
                assertEquals(
                        Map.of(
                                "demo-random-llama",
                                new PatchworkProperties.BaseModel(Path.of("/models/demo-random-llama"))),
                        p.baseModels(),
                        role);
                assertEquals("http://minio:9000", p.s3().endpoint());
                assertEquals("patchwork", p.s3().bucket());
                assertEquals(DeployFiles.required("MINIO_ROOT_PASSWORD"), p.s3().secretKey());
                assertEquals(
                        "jdbc:postgresql://postgres:5432/patchwork",
                        ctx.getEnvironment().getProperty("spring.datasource.url"));
                assertEquals(
                        DeployFiles.required("POSTGRES_PASSWORD"),
                        ctx.getEnvironment().getProperty("spring.datasource.password"));
            }
        }
    }

    @Test
    void noPasswordHasADefaultTheAdminKeyIsASecretAndMinioPublishesNothing() throws Exception {
        String compose = Files.readString(DeployFiles.root().resolve("compose.yaml"));
        for (String secret : List.of("POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD")) {
            assertFalse(compose.contains("${" + secret + ":-"), secret + " must not have a default");
            assertTrue(compose.contains("${" + secret + ":?"), secret + " must be required");
        }
        assertNull(service("minio").get("ports"), "MinIO's API and console stay inside the compose network");
        assertFalse(list(service("minio").get("command")).contains("--console-address"));
        assertEquals("patchwork-admin-key", at(service("api"), "secrets.0.source"));
        assertEquals("patchwork.auth.bootstrap-admin-key", at(service("api"), "secrets.0.target"));
        assertEquals("optional:configtree:/run/secrets/", at(service("api"), "environment.SPRING_CONFIG_IMPORT"));
        Map<String, Object> secrets =
                map(DeployFiles.documents(DeployFiles.root().resolve("compose.yaml"))
                        .getFirst()
                        .get("secrets"));
        assertEquals(Map.of("environment", "PATCHWORK_BOOTSTRAP_ADMIN_KEY"), secrets.get("patchwork-admin-key"));
    }

    @Test
    void theDockerfileBuildsTheJarAndRunsTheApplication() throws Exception {
        Path root = DeployFiles.root();
        String dockerfile = Files.readString(root.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("./mvnw -B -q -DskipTests -pl api -am package"), "builds with the wrapper");
        assertTrue(dockerfile.contains("api/target/classpath.txt"), "copies the launcher's runtime classpath");
        assertTrue(
                dockerfile.contains("\"ai.patchwork.api.PatchworkApplication\"]"),
                "starts the application, not ./patchwork up");
        assertTrue(
                Files.readString(root.resolve("api/pom.xml"))
                        .contains("<outputFile>${project.build.directory}/classpath.txt</outputFile>"),
                "api/pom.xml writes the classpath file the Dockerfile reads");
        List<String> ignored = Files.readAllLines(root.resolve(".dockerignore"));
        for (String entry : List.of("**/target", "models", "data", ".git")) assertTrue(ignored.contains(entry), entry);
        assertFalse(ignored.contains(".mvn"), "the wrapper must reach the build");
        assertNotNull(service("api").get("build"));
    }
}
