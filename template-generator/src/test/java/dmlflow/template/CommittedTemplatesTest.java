package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommittedTemplatesTest {
    private static final String REGENERATE = "templates/ is generated: run"
            + " ./mvnw -q -pl template-generator compile exec:java and commit the result";

    @Test
    void committedMlflowTemplateEqualsAFreshSynth() throws Exception {
        Path committed = Templates.repositoryRoot().resolve("templates/mlflow.yaml");
        assertThat(committed).as(REGENERATE).exists();
        assertThat(Files.readString(committed))
                .as(REGENERATE)
                .isEqualTo(TemplateYaml.write(Templates.mlflow()));
    }

    @Test
    void yamlReadsBackAsTheSynthesizedJson() {
        String yaml = TemplateYaml.write(Templates.mlflow());
        assertThat(TemplateYaml.read(yaml)).isEqualTo(Templates.mlflow());
    }

    @Test
    void twoSynthesesWriteTheSameBytes() {
        String again = TemplateYaml.write(Synthesis.run().template(Synthesis.MLFLOW_STACK));
        assertThat(again).isEqualTo(TemplateYaml.write(Templates.mlflow()));
    }

    @Test
    void templateIsSelfContained() {
        assertThat(Templates.mlflow().path("Parameters").has("BootstrapVersion")).isFalse();
        assertThat(Templates.mlflow().path("Rules").has("CheckBootstrapVersion")).isFalse();
        assertThat(Templates.ofType("AWS::CDK::Metadata")).isEmpty();
        assertThat(Templates.mlflow().toString()).doesNotContain("cdk-hnb659fds", "AssetParameters");
    }
}
