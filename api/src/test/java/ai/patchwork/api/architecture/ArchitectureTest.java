package ai.patchwork.api.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package boundaries of the production code (test classes are not imported): which module may use which, and no
 * cycles between the feature packages of a module. Maven Enforcer checks the same at the level of artifacts; this
 * checks the classes, including those of modules that share a classpath.
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("ai.patchwork");
    }

    @Test
    void theModelIsAPlainLibrary() {
        noClasses()
                .that()
                .resideInAPackage("ai.patchwork.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "ai.patchwork.serving..",
                        "ai.patchwork.registry..",
                        "ai.patchwork.trainer..",
                        "ai.patchwork.api..",
                        "org.springframework..")
                .check(classes);
    }

    @Test
    void servingKnowsTheModelOnly() {
        noClasses()
                .that()
                .resideInAPackage("ai.patchwork.serving..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "ai.patchwork.registry..",
                        "ai.patchwork.trainer..",
                        "ai.patchwork.api..",
                        "org.springframework..")
                .check(classes);
    }

    @Test
    void theRegistryAndTheTrainerKnowNoHttp() {
        noClasses()
                .that()
                .resideInAnyPackage("ai.patchwork.registry..", "ai.patchwork.trainer..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "ai.patchwork.api..",
                        "ai.patchwork.serving..",
                        "org.springframework.web..",
                        "org.springframework.http..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("ai.patchwork.registry..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.patchwork.trainer..")
                .check(classes);
    }

    @Test
    void productionCodeNeverUsesTestSupport() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "ai.patchwork.model..",
                        "ai.patchwork.serving..",
                        "ai.patchwork.registry..",
                        "ai.patchwork.trainer..",
                        "ai.patchwork.api..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.patchwork.testsupport..")
                .check(classes);
    }

    @Test
    void featurePackagesHaveNoCycles() {
        slices().matching("ai.patchwork.api.(*)..").should().beFreeOfCycles().check(classes);
        slices().matching("ai.patchwork.trainer.(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
        slices().matching("ai.patchwork.registry.(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
        // One known pair: the forward takes a LoraOps (nn -> lora) and adapters name the projections they adapt
        // (lora -> nn.Projection). Any other cycle in the model fails.
        slices().matching("ai.patchwork.model.(*)..")
                .should()
                .beFreeOfCycles()
                .ignoreDependency(
                        resideInAPackage("ai.patchwork.model.nn.."), resideInAPackage("ai.patchwork.model.lora.."))
                .check(classes);
    }
}
