package dmlflow.deployer.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.stack.StackTemplate;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The figures plan shows are the ones the template states to console and pipeline users. */
class ServerCapacityTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static final StackTemplate MLFLOW = StackTemplate.load(ROOT.resolve("templates/mlflow.yaml"));

    @Test
    void theTemplateDescribesTheSameWorkerMemoryAndImageSizeAsPlan() {
        assertThat(MLFLOW.parameters().get("Workers").description())
                .contains("~" + ServerCapacity.WORKER_PEAK_MIB + " MiB");
        assertThat(MLFLOW.parameters().get("EphemeralStorageGiB").description())
                .contains("~" + ServerCapacity.IMAGE_GIB + " GiB")
                .contains((30 - ServerCapacity.IMAGE_GIB) + " GiB at 30");
    }

    @Test
    void theDefaultTaskPeaksAtAThirdOfItsMemoryAndServesArtifactsUpToItsDiskLessTheImage() {
        assertThat(ServerCapacity.describe(Map.of("Workers", "1", "TaskMemory", "2048", "EphemeralStorageGiB", "30")))
                .anySatisfy(line -> assertThat(line).contains("~680 MiB of 2048 (33%)").contains("1 worker at"))
                .anySatisfy(line -> assertThat(line).contains("largest artifact  ~25 GiB"));
        assertThat(ServerCapacity.describe(Map.of("Workers", "1", "TaskMemory", "1024", "EphemeralStorageGiB", "21")))
                .anySatisfy(line -> assertThat(line).contains("~680 MiB of 1024 (66%)"))
                .allSatisfy(line -> assertThat(line.length()).as(line).isLessThanOrEqualTo(100))
                .anySatisfy(line -> assertThat(line).contains("largest artifact  ~16 GiB"));
    }
}
