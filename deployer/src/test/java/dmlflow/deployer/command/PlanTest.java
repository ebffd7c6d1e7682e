package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dmlflow.deployer.data.Restore;
import dmlflow.deployer.data.RetainedData;
import dmlflow.deployer.stack.ChangeSetPlanner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;
import software.amazon.awssdk.services.cloudformation.model.ResourceChangeDetail;
import software.amazon.awssdk.services.cloudformation.model.ResourceTargetDefinition;

/** Which planned changes put data at risk: removing or replacing what holds runs, artifacts or logins. */
class PlanTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();

    private static ResourceChange change(String id, String type, String action, String replacement) {
        return ResourceChange.builder().logicalResourceId(id).resourceType(type).action(action).replacement(replacement).build();
    }

    @Test
    void removalsAndReplacementsOfDataHoldersAreRisksAndNothingElseIs() {
        ChangeSetPlanner.Plan plan = new ChangeSetPlanner.Plan("id", ChangeSetType.UPDATE, List.of(
                change("DatabaseCluster", "AWS::RDS::DBCluster", "Modify", "True"),
                change("ArtifactsBucket", "AWS::S3::Bucket", "Remove", null),
                change("ServerSecretsAdmin", "AWS::SecretsManager::Secret", "Modify", "Conditional"),
                change("DatabaseClusterWriter", "AWS::RDS::DBInstance", "Modify", "True"),
                change("TrackingTask", "AWS::ECS::TaskDefinition", "Modify", "True"),
                change("DatabaseCluster2", "AWS::RDS::DBCluster", "Modify", "False"),
                change("NewBucket", "AWS::S3::Bucket", "Add", null)), false);

        assertThat(plan.dataRisks()).extracting(ResourceChange::logicalResourceId)
                .containsExactly("DatabaseCluster", "ArtifactsBucket", "ServerSecretsAdmin");
    }

    @Test
    void pointingALiveStackAtOtherDataIsARiskButCreatingOrKeepingItIsNot() {
        Map<String, String> previous = Map.of("DatabaseSnapshotIdentifier", "mlflow-snapshot-databasecluster-abc",
                "ExistingArtifactBucket", "", "Greeting", "hello");
        assertThat(DeployCommand.dataParameterChanges(Map.of("DatabaseSnapshotIdentifier", "other"), previous, false))
                .containsExactly("DatabaseSnapshotIdentifier: mlflow-snapshot-databasecluster-abc -> other");
        assertThat(DeployCommand.dataParameterChanges(Map.of("DatabaseSnapshotIdentifier", ""), previous, false))
                .containsExactly("DatabaseSnapshotIdentifier: mlflow-snapshot-databasecluster-abc -> (none)");
        assertThat(DeployCommand.dataParameterChanges(Map.of("ExistingArtifactBucket", "kept-bucket"), previous, false))
                .containsExactly("ExistingArtifactBucket: (none) -> kept-bucket");
        assertThat(DeployCommand.dataParameterChanges(Map.of("ExistingAdminSecretArn", "arn:x"), Map.of(), false))
                .as("a stack from before these parameters existed had none").hasSize(1);
        assertThat(DeployCommand.dataParameterChanges(Map.of("DatabaseSnapshotIdentifier",
                "mlflow-snapshot-databasecluster-abc", "Greeting", "hi"), previous, false)).as("same value, other parameter").isEmpty();
        assertThat(DeployCommand.dataParameterChanges(Map.of("Greeting", "hi"), previous, false)).as("not given: kept").isEmpty();
        assertThat(DeployCommand.dataParameterChanges(Map.of("DatabaseSnapshotIdentifier", "x"), Map.of(), true))
                .as("a restore creates").isEmpty();
    }

    @Test
    void theDeployersDataNamesAreTheTemplatesOwn() throws Exception {
        JsonNode template = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("templates/mlflow.yaml").toFile());
        for (String parameter : RetainedData.DATA_PARAMETERS) {
            assertThat(template.path("Parameters").has(parameter)).as(parameter).isTrue();
        }
        assertThat(template.path("Parameters").has(RetainedData.ENGINE_PARAMETER)).isTrue();
        RetainedData.SECRET_PARAMETERS.forEach((resource, parameter) -> {
            assertThat(template.path("Resources").path(resource).path("Type").asText()).isEqualTo("AWS::SecretsManager::Secret");
            assertThat(template.path("Resources").path(resource).path("DeletionPolicy").asText()).isEqualTo("RetainExceptOnCreate");
            assertThat(RetainedData.SECRET_LABELS).containsKey(resource);
        });
        assertThat(template.path("Resources").path(RetainedData.BUCKET_RESOURCE).path("Type").asText()).isEqualTo("AWS::S3::Bucket");
        assertThat(template.path("Resources").path(RetainedData.CLUSTER_RESOURCE).path("Type").asText()).isEqualTo("AWS::RDS::DBCluster");
    }

    @Test
    void aRestoreNeverAsksForAnOlderAuroraThanTheSnapshots() {
        assertThat(Restore.compare("3.10.3", "3.10.3")).isZero();
        assertThat(Restore.compare("3.10.10", "3.10.3")).isPositive();
        assertThat(Restore.compare("3.09.1", "3.10.0")).isNegative();
        // CloudFormation's DBCluster handler names the final snapshot <stack>-snapshot-<logical id>-<random>, lower case.
        assertThat(RetainedData.finalSnapshotPrefix("MlFlow-Prod")).isEqualTo("mlflow-prod-snapshot-databasecluster-");
        // IdentifierFactory makes runs of hyphens one (aws-rds-cfn-common): stack names may hold them.
        assertThat(RetainedData.finalSnapshotPrefix("mlflow-")).isEqualTo("mlflow-snapshot-databasecluster-");
        assertThat(RetainedData.finalSnapshotPrefix("a--b")).isEqualTo("a-b-snapshot-databasecluster-");
    }

    @Test
    void replacingTheNatInstanceIsSaidBeforeItHappens() {
        ChangeSetPlanner.Plan plan = new ChangeSetPlanner.Plan("id", ChangeSetType.UPDATE, List.of(
                change("NetworkNatInstanceInstance", "AWS::EC2::Instance", "Modify", "True"),
                change("TrackingTask", "AWS::ECS::TaskDefinition", "Modify", "True")), false);
        assertThat(DeployCommand.outageNotes(plan)).singleElement().asString().contains("NAT instance is replaced",
                "signals that it forwards, then the address and the routes move to it");
        ChangeSetPlanner.Plan quiet = new ChangeSetPlanner.Plan("id", ChangeSetType.UPDATE, List.of(
                change("NetworkNatInstanceInstance", "AWS::EC2::Instance", "Modify", "False")), false);
        assertThat(DeployCommand.outageNotes(quiet)).as("a tag, say").isEmpty();
        ChangeSetPlanner.Plan restarted = new ChangeSetPlanner.Plan("id", ChangeSetType.UPDATE, List.of(
                change("NetworkNatInstanceInstance", "AWS::EC2::Instance", "Modify", "False").toBuilder()
                        .details(ResourceChangeDetail.builder().target(ResourceTargetDefinition.builder()
                                .attribute("Properties").name("InstanceType").requiresRecreation("Never").build()).build())
                        .build()), false);
        assertThat(DeployCommand.outageNotes(restarted)).singleElement().asString().contains("NAT instance is stopped and started");
    }
}
