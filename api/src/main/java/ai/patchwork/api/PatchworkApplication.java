package ai.patchwork.api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Starts the platform with the roles named by {@code patchwork.roles} (api, worker, serving; all by default). */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PatchworkApplication {

    public static void main(String[] args) {
        SpringApplication.run(PatchworkApplication.class, args);
    }
}
