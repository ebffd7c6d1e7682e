package dmlflow.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pipeline: source → build → change set → (approval) → execute, wired to the committed buildspec. */
class PipelineTest {
    private static JsonNode pipeline() {
        return Templates.synthesis().template(Synthesis.PIPELINE_STACK);
    }

    private static JsonNode stages() {
        return pipeline().path("Resources").path("Pipeline").path("Properties").path("Stages");
    }

    @Test
    void itIsAVersionTwoPipelineThatBuildsThenDeploysThroughAChangeSet() {
        assertThat(pipeline().path("Resources").path("Pipeline").path("Properties").path("PipelineType").asText()).isEqualTo("V2");
        List<String> names = new ArrayList<>();
        stages().forEach(stage -> names.add(stage.path("Name").asText()));
        assertThat(names).containsExactly("Source", "Build", "Deploy");
        assertThat(stages().get(0).path("Actions").get(0).path("ActionTypeId").path("Provider").asText())
                .isEqualTo("CodeStarSourceConnection");
        JsonNode withApproval = stages().get(2).path("Actions").path("Fn::If");
        assertThat(withApproval.get(0).asText()).isEqualTo("ApprovalRequired");
        assertThat(withApproval.get(1).findValuesAsText("Name")).containsSubsequence("CreateChangeSet", "Approve", "ExecuteChangeSet");
        assertThat(withApproval.get(2).findValuesAsText("Name")).doesNotContain("Approve");
    }

    @Test
    void theChangeSetReadsWhatTheCommittedBuildspecProduces() throws Exception {
        String buildspec = Files.readString(Templates.repositoryRoot().resolve("buildspec.yml"));
        JsonNode changeSet = stages().get(2).path("Actions").path("Fn::If").get(1).get(0).path("Configuration");
        assertThat(changeSet.path("ActionMode").asText()).isEqualTo("CHANGE_SET_REPLACE");
        assertThat(changeSet.path("TemplatePath").asText()).isEqualTo("Build::templates/mlflow.yaml");
        assertThat(changeSet.path("TemplateConfiguration").asText()).isEqualTo("Build::" + PipelineStack.TEMPLATE_CONFIGURATION);
        assertThat(buildspec).contains("templates/mlflow.yaml", PipelineStack.TEMPLATE_CONFIGURATION, "bash .ci/run",
                "dmlflow-deployer.jar package", "java: corretto17", "nodejs: 20");
        assertThat(Templates.repositoryRoot().resolve("pipeline/mlflow-parameters.json")).exists();
    }

    @Test
    void thePipelineMayHandCloudFormationOnlyItsDeployRole() {
        JsonNode statements = pipeline().path("Resources").path("PipelineRoleDefaultPolicy").path("Properties")
                .path("PolicyDocument").path("Statement");
        for (JsonNode statement : statements) {
            if (statement.path("Action").toString().contains("iam:PassRole")) {
                assertThat(Templates.references(statement.path("Resource"))).containsExactly("DeployRole");
            }
        }
        for (JsonNode statement : pipeline().path("Resources").path("DeployRoleDefaultPolicy").path("Properties")
                .path("PolicyDocument").path("Statement")) {
            assertThat(statement.path("Action").toString()).doesNotContain("\"iam:*\"", "\"*\"", "iam:CreateUser",
                    "iam:AttachRolePolicy", "iam:CreatePolicy");
        }
    }

    @Test
    void pipelineArtifactsArePrivate() {
        JsonNode bucket = pipeline().path("Resources").path("Artifacts").path("Properties");
        assertThat(bucket.path("PublicAccessBlockConfiguration").path("BlockPublicPolicy").asBoolean()).isTrue();
        assertThat(pipeline().path("Resources").path("ArtifactsPolicy").toString()).contains("aws:SecureTransport");
    }
}
