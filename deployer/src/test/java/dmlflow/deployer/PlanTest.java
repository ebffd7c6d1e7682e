package dmlflow.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;

/** Which planned changes put data at risk: removing or replacing what holds runs, artifacts or logins. */
class PlanTest {
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
}
