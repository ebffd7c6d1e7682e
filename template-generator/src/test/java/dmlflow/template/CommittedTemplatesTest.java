package dmlflow.template;

import dmlflow.template.delivery.BootstrapStack;
import dmlflow.template.docs.TemplateYaml;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommittedTemplatesTest {
    private static final String REGENERATE = "templates/ is generated: run"
            + " ./mvnw -q -pl template-generator compile exec:java and commit the result";

    @ParameterizedTest
    @ValueSource(strings = {Synthesis.MLFLOW_STACK, Synthesis.BOOTSTRAP_STACK, Synthesis.PIPELINE_STACK})
    void committedTemplateEqualsAFreshSynth(String stack) throws Exception {
        Path committed = Templates.repositoryRoot().resolve("templates/" + stack + ".yaml");
        assertThat(committed).as(REGENERATE).exists();
        assertThat(Files.readString(committed))
                .as(REGENERATE)
                .isEqualTo(TemplateYaml.write(Templates.synthesis().template(stack)));
    }

    @Test
    void theAssetsBucketIsPrivateAndOutlivesItsStack() {
        com.fasterxml.jackson.databind.JsonNode bucket = Templates.synthesis().template(Synthesis.BOOTSTRAP_STACK)
                .path("Resources").path("Assets");
        assertThat(bucket.path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(bucket.path("Properties").path("PublicAccessBlockConfiguration").path("RestrictPublicBuckets").asBoolean()).isTrue();
        assertThat(Templates.synthesis().template(Synthesis.BOOTSTRAP_STACK).path("Outputs").has(BootstrapStack.BUCKET_OUTPUT)).isTrue();
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
