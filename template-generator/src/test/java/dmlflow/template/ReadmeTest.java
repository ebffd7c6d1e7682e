package dmlflow.template;

import dmlflow.template.docs.ParameterTable;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The README's parameter table is the template's, and every parameter is in it. */
class ReadmeTest {
    @Test
    void theParameterTableEqualsTheTemplates() throws Exception {
        String readme = Files.readString(Templates.repositoryRoot().resolve("README.md"));
        assertThat(readme).as("README.md's parameter table is generated: run ./mvnw -q -pl template-generator compile exec:java")
                .isEqualTo(Templates.synthesis().readme(readme));
    }

    @Test
    void everyParameterHasARow() throws Exception {
        String table = ParameterTable.markdown(Templates.mlflow());
        Templates.mlflow().path("Parameters").fieldNames()
                .forEachRemaining(name -> assertThat(table).contains("| `" + name + "` |"));
        assertThat(table).contains("| `TaskCpu` | `512` | 512, 1024, 2048, 4096 |", "*(set by deploy.sh)*");
    }
}
