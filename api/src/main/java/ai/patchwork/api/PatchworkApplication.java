package ai.patchwork.api;

import ai.patchwork.api.inference.ServingHeadStart;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Starts the platform with the roles named by {@code patchwork.roles} (api, worker, serving; all by default). */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PatchworkApplication {

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(PatchworkApplication.class);
        ServingHeadStart.install(app); // the serving role's weights load while the rest of the context starts
        app.run(args);
    }
}
