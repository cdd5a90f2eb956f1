package ai.patchwork.api.deploy;

import static ai.patchwork.api.deploy.DeployFiles.at;
import static ai.patchwork.api.deploy.DeployFiles.list;
import static ai.patchwork.api.deploy.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.platform.PatchworkProperties;
import ai.patchwork.api.platform.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** deploy/: plain Kubernetes manifests with kustomize files; every object is checked for what the platform needs. */
class KubernetesManifestsTest {
    static final List<String> ROLES = List.of("api", "worker", "serving");
    static final Path BASE = DeployFiles.root().resolve("deploy/base");
    /** "Kind/name" of every object in the base. */
    static final Map<String, Map<String, Object>> objects = new LinkedHashMap<>();

    @BeforeAll
    static void parse() {
        for (Path file : DeployFiles.deployYamlFiles()) {
            if (!file.startsWith(BASE) || file.endsWith("kustomization.yaml")) continue;
            for (Map<String, Object> doc : DeployFiles.documents(file)) {
                assertNotNull(doc.get("apiVersion"), file + ": apiVersion");
                String key = doc.get("kind") + "/" + at(doc, "metadata.name");
                assertEquals(null, objects.put(key, doc), "duplicate " + key);
            }
        }
    }

    static Map<String, Object> object(String key) {
        Map<String, Object> o = objects.get(key);
        assertNotNull(o, key + " missing from deploy/base; have " + objects.keySet());
        return o;
    }

    static Map<String, Object> container(Map<String, Object> workload) {
        List<Object> containers = list(at(workload, "spec.template.spec.containers"));
        assertEquals(1, containers.size());
        return map(containers.getFirst());
    }

    @Test
    void theBaseHasTheDatabaseTheBucketTheModelsAndEachRole() {
        assertEquals(
                new TreeSet<>(Set.of(
                        "Namespace/patchwork",
                        "ConfigMap/patchwork-config",
                        "Service/postgres",
                        "StatefulSet/postgres",
                        "Service/minio",
                        "StatefulSet/minio",
                        "Job/minio-bucket",
                        "PersistentVolumeClaim/models",
                        "Deployment/api",
                        "Service/api",
                        "Deployment/worker",
                        "Deployment/serving",
                        "Service/serving",
                        "Ingress/patchwork")),
                new TreeSet<>(objects.keySet()));
        assertEquals(1, at(object("StatefulSet/postgres"), "spec.replicas"), "one PostgreSQL");
        assertEquals(2, at(object("Deployment/worker"), "spec.replicas"));
        assertEquals(2, at(object("Deployment/serving"), "spec.replicas"));
        assertEquals(List.of("ReadWriteMany"), at(object("PersistentVolumeClaim/models"), "spec.accessModes"));
    }

    @Test
    void kustomizationListsEveryManifest() throws Exception {
        Map<String, Object> k =
                DeployFiles.documents(BASE.resolve("kustomization.yaml")).getFirst();
        List<String> files = new ArrayList<>();
        try (var s = Files.list(BASE)) {
            s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .sorted()
                    .forEach(files::add);
        }
        assertEquals(
                files,
                list(k.get("resources")).stream().map(Object::toString).sorted().toList());
        Map<String, Object> gpu = DeployFiles.documents(DeployFiles.root().resolve("deploy/gpu/kustomization.yaml"))
                .getFirst();
        assertEquals(List.of("../base"), gpu.get("resources"));
    }

    @Test
    void eachRoleDeploymentRunsItsRoleWithProbesResourcesAndTheModels() {
        for (String role : ROLES) {
            Map<String, Object> d = object("Deployment/" + role);
            Map<String, Object> c = container(d);
            assertEquals("patchwork", c.get("image"), role);
            assertEquals(List.of(Map.of("name", "PATCHWORK_ROLES", "value", role)), c.get("env"), role);
            assertEquals("patchwork-config", at(c, "envFrom.0.configMapRef.name"), role);
            assertEquals("patchwork-secrets", at(c, "envFrom.1.secretRef.name"), role);
            assertEquals("/actuator/health", at(c, "readinessProbe.httpGet.path"), role);
            assertEquals("/actuator/health/liveness", at(c, "livenessProbe.httpGet.path"), role);
            assertEquals("/actuator/health/liveness", at(c, "startupProbe.httpGet.path"), role);
            assertEquals(8080, at(c, "ports.0.containerPort"), role);
            assertNotNull(at(c, "resources.requests.cpu"), role);
            assertNotNull(at(c, "resources.requests.memory"), role);
            assertNotNull(at(c, "resources.limits.memory"), role);
            assertEquals(
                    Map.of("name", "models", "mountPath", "/models", "readOnly", true), at(c, "volumeMounts.0"), role);
            assertEquals("models", at(d, "spec.template.spec.volumes.0.persistentVolumeClaim.claimName"), role);
            assertEquals(at(d, "spec.selector.matchLabels"), at(d, "spec.template.metadata.labels"), role);
        }
    }

    @Test
    void servicesSelectTheirPodsAndTheIngressSendsCompletionsToServing() {
        for (String name : List.of("api", "serving", "postgres", "minio")) {
            Map<String, Object> selector = map(at(object("Service/" + name), "spec.selector"));
            long matches = objects.values().stream()
                    .filter(o -> Set.of("Deployment", "StatefulSet").contains(o.get("kind")))
                    .filter(o -> map(at(o, "spec.template.metadata.labels"))
                            .entrySet()
                            .containsAll(selector.entrySet()))
                    .count();
            assertEquals(1, matches, "Service/" + name + " selects exactly one workload");
        }
        Map<String, String> routes = new LinkedHashMap<>();
        for (Object p : list(at(object("Ingress/patchwork"), "spec.rules.0.http.paths"))) {
            routes.put(at(p, "path").toString(), at(p, "backend.service.name").toString());
        }
        assertEquals(Map.of("/v1/chat/completions", "serving", "/v1/completions", "serving", "/", "api"), routes);
    }

    @Test
    void theBucketJobAndTheDatabaseUseTheSharedSecret() {
        Map<String, Object> job = container(object("Job/minio-bucket"));
        assertTrue(String.join(
                        "\n",
                        list(job.get("args")).stream().map(Object::toString).toList())
                .contains("mc mb --ignore-existing \"patchwork/$BUCKET\""));
        Map<String, Object> pg = container(object("StatefulSet/postgres"));
        assertTrue(pg.get("image").toString().matches("postgres:1[6-9].*"), "PostgreSQL 16+");
        assertEquals(
                "pg_isready", at(pg, "readinessProbe.exec.command.2").toString().split(" ")[0]);
        assertEquals("PATCHWORK_DB_PASSWORD", at(pg, "env.2.valueFrom.secretKeyRef.key"));
        assertEquals(
                "PATCHWORK_S3_SECRET_KEY",
                at(container(object("StatefulSet/minio")), "env.1.valueFrom.secretKeyRef.key"));
    }

    @Test
    void theGpuOverlayGivesServingAndWorkersAGpuAndTheCudaFlavor() {
        Map<String, Map<String, Object>> patches = new LinkedHashMap<>();
        for (Map<String, Object> doc : DeployFiles.documents(DeployFiles.root().resolve("deploy/gpu/gpu-pods.yaml"))) {
            patches.put(at(doc, "metadata.name").toString(), doc);
        }
        assertEquals(Set.of("serving", "worker"), patches.keySet());
        for (var e : patches.entrySet()) {
            Map<String, Object> c = container(e.getValue());
            assertEquals(e.getKey(), c.get("name"), "a strategic merge patch finds its container by name");
            assertEquals(1, map(at(c, "resources.limits")).get("nvidia.com/gpu"), e.getKey());
            assertTrue(list(c.get("env")).contains(Map.of("name", "PYTORCH_FLAVOR", "value", "cu128")));
            assertTrue(list(c.get("env")).contains(Map.of("name", "DJL_OFFLINE", "value", "false")));
        }
    }

    /** The ConfigMap, the Secret and a Deployment's own env, bound by Spring as in a pod. */
    @Test
    void aPodsEnvironmentBindsToItsRoleTheServicesAndTheModels() {
        Map<String, String> shared = new LinkedHashMap<>();
        map(at(object("ConfigMap/patchwork-config"), "data")).forEach((k, v) -> shared.put(k, v.toString()));
        secretKeys().forEach(k -> shared.put(k, "from-secret-" + k));
        for (String role : ROLES) {
            Map<String, String> env = new LinkedHashMap<>(shared);
            for (Object e : list(container(object("Deployment/" + role)).get("env"))) {
                env.put(at(e, "name").toString(), at(e, "value").toString());
            }
            try (ConfigurableApplicationContext ctx = DeployFiles.bind(env)) {
                PatchworkProperties p = ctx.getBean(PatchworkProperties.class);
                assertEquals(EnumSet.of(Role.valueOf(role.toUpperCase())), p.roles(), role);
                assertEquals(
                        Map.of(
                                "demo-random-llama",
                                new PatchworkProperties.BaseModel(Path.of("/models/demo-random-llama"))),
                        p.baseModels());
                assertEquals("http://minio:9000", p.s3().endpoint());
                assertEquals("from-secret-PATCHWORK_S3_SECRET_KEY", p.s3().secretKey());
                assertEquals(
                        "jdbc:postgresql://postgres:5432/patchwork",
                        ctx.getEnvironment().getProperty("spring.datasource.url"));
                assertEquals(
                        "from-secret-PATCHWORK_DB_PASSWORD",
                        ctx.getEnvironment().getProperty("spring.datasource.password"));
                if (role.equals("api")) {
                    assertEquals(
                            "from-secret-PATCHWORK_BOOTSTRAP_ADMIN_KEY",
                            ctx.getEnvironment().getProperty("patchwork.auth.bootstrap-admin-key"));
                }
                assertEquals("true", ctx.getEnvironment().getProperty("management.endpoint.health.probes.enabled"));
            }
        }
    }

    @Test
    void theSecretIsGeneratedFromAnUncommittedFileWithoutDefaultPasswords() throws Exception {
        Map<String, Object> kustomization =
                DeployFiles.documents(BASE.resolve("kustomization.yaml")).getFirst();
        assertEquals("patchwork-secrets", at(kustomization, "secretGenerator.0.name"));
        assertEquals(List.of("secrets.env"), at(kustomization, "secretGenerator.0.envs"));
        assertTrue(Files.readAllLines(DeployFiles.root().resolve(".gitignore")).contains("deploy/base/secrets.env"));
        for (String line : Files.readAllLines(BASE.resolve("secrets.env.example"))) {
            if (line.contains("PASSWORD=") || line.contains("SECRET_KEY=") || line.contains("ADMIN_KEY=")) {
                assertTrue(line.endsWith("="), "no default secret: " + line);
            }
        }
        assertTrue(secretKeys().contains("PATCHWORK_BOOTSTRAP_ADMIN_KEY"));
        assertEquals(
                List.of("server", "/data"),
                container(object("StatefulSet/minio")).get("args"),
                "no MinIO console");
    }

    /** The keys of the generated Secret, as secrets.env.example lists them. */
    static List<String> secretKeys() {
        try {
            return Files.readAllLines(BASE.resolve("secrets.env.example")).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.substring(0, l.indexOf('=')))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
