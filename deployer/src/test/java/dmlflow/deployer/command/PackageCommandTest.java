package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.Main;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.data.AssetStore;
import dmlflow.deployer.stack.Version;
import dmlflow.deployer.testing.Moto;
import dmlflow.deployer.testing.TestConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the pipeline's build runs: the jar uploaded, the template configuration written. Against moto_server. */
class PackageCommandTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @BeforeAll
    static void moto() {
        Moto.start();
    }

    @Test
    void writesTheUsersParametersWithTheJarsLocation() throws Exception {
        Moto.start();
        Path jar = Files.writeString(dir.resolve("custom-resources.jar"), "jar bytes");
        Path output = dir.resolve("build/template-config.json");
        TestConsole console = new TestConsole();

        int code = Main.run(new String[] {"package", "--parameters", ROOT.resolve("pipeline/mlflow-parameters.json").toString(),
            "--output", output.toString(), "--jar", jar.toString(),
            "--template", ROOT.resolve("templates/mlflow.yaml").toString(),
            "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString(), "--poll-seconds", "0.1"},
                console.console, AwsSession::new);

        assertThat(code).as(console.all()).isZero();
        JsonNode configuration = new ObjectMapper().readTree(output.toFile());
        assertThat(configuration.path("Parameters").path("AuthMode").asText()).isEqualTo("basic");
        assertThat(configuration.path("Parameters").path("CustomResourcesCodeBucket").asText()).startsWith("dmlflow-bootstrap");
        assertThat(configuration.path("Parameters").path("CustomResourcesCodeKey").asText())
                .isEqualTo("custom-resources/" + AssetStore.sha256(jar) + ".jar");
        assertThat(configuration.path("Tags").path("project").asText()).isEqualTo("mlflow");
        assertThat(configuration.path("Tags").path(Version.TAG).asText()).as("the stack says which dmlflow made it")
                .isEqualTo(Version.current());
        assertThat(configuration.path("Parameters").path(Version.PARAMETER).asText()).isEqualTo(Version.current());
    }

    @Test
    void refusesBadParametersBeforeUploadingAnything() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.json"), "{\"Parameters\": {\"TaskCpu\": \"3\"}}");
        TestConsole console = new TestConsole();
        int code = Main.run(new String[] {"package", "--parameters", file.toString(),
            "--template", ROOT.resolve("templates/mlflow.yaml").toString()}, console.console, options -> {
                throw new AssertionError("must not reach AWS");
            });
        assertThat(code).isEqualTo(2);
        assertThat(console.err()).contains("TaskCpu '3' is not one of its AllowedValues");
    }
}
