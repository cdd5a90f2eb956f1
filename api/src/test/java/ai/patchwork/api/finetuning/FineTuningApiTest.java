package ai.patchwork.api.finetuning;

import ai.patchwork.api.TaskModelServices;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * The whole application (api, worker and serving roles) on a random port against the shared test PostgreSQL and S3,
 * with the generated task model as base model {@value TaskModelServices#BASE} next to the tiny-llama fixture, and a
 * worker with short leases so that a dead worker's job is taken over within seconds, and small file limits (8 MB per
 * file, 256 KB per line). The test classes annotated with
 * it share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.roles=api,worker,serving",
            "patchwork.fine-tuning.worker.id=worker-in-test",
            "patchwork.fine-tuning.worker.lease=3s",
            "patchwork.fine-tuning.worker.heartbeat=1s",
            "patchwork.fine-tuning.worker.poll=200ms",
            "patchwork.serving.max-batch-size=64",
            "patchwork.fine-tuning.max-line-length=256KB",
            "patchwork.fine-tuning.max-file-size=8MB",
            "logging.level.org.testcontainers=OFF",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN",
            "logging.level.org.springframework.batch.core.step.AbstractStep=OFF"
        })
@Import({PatchworkTestServices.class, TaskModelServices.class})
@interface FineTuningApiTest {}
