package ai.patchwork.api.platform;

import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.ObjectStore;
import ai.patchwork.registry.store.StoreSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans every role needs: the schema strategy, the object store with its artifacts, and the base models. */
@Configuration(proxyBeanMethods = false)
class PlatformConfiguration {

    @Bean
    FlywayMigrationStrategy roleAwareMigration(PatchworkProperties properties) {
        return new RoleAwareMigration(properties.roles(), properties.migrateSchema());
    }

    @Bean(destroyMethod = "close")
    ObjectStore objectStore(PatchworkProperties properties) {
        PatchworkProperties.S3 s3 = properties.s3();
        ObjectStore store = new ObjectStore(new StoreSettings(
                s3.endpoint(),
                s3.accessKey(),
                s3.secretKey(),
                s3.region(),
                s3.bucket(),
                s3.partSize().toBytes()));
        store.ensureBucket();
        return store;
    }

    @Bean
    Artifacts artifacts(DataSource dataSource, ObjectStore objectStore) {
        return new Artifacts(dataSource, objectStore);
    }

    /** The configured base models, each folder's config.json validated; a bad folder stops the startup. */
    @Bean
    BaseModels baseModels(PatchworkProperties properties) {
        Map<String, Path> folders = new LinkedHashMap<>();
        properties.baseModels().forEach((id, model) -> {
            if (model.path() == null)
                throw new IllegalArgumentException("patchwork.base-models." + id + ".path is not set");
            folders.put(id, model.path());
        });
        return BaseModels.load(folders);
    }
}
