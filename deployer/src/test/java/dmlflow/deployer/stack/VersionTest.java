package dmlflow.deployer.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;

/** Which dmlflow made a stack: the build's version with the checkout's git describe, as a tag takes it. */
class VersionTest {
    @Test
    void aCheckoutOffATagCarriesItsCommitAndATaggedOneItsTag() {
        assertThat(Version.of("0.1.0-SNAPSHOT", "e68169c")).isEqualTo("0.1.0+e68169c");
        assertThat(Version.of("0.1.0-SNAPSHOT", "e68169c-dirty")).isEqualTo("0.1.0+e68169c-dirty");
        assertThat(Version.of("0.1.0-SNAPSHOT", "v0.2.0")).isEqualTo("0.2.0");
        assertThat(Version.of("0.1.0-SNAPSHOT", "v0.2.0-3-gabc1234")).isEqualTo("0.2.0-3-gabc1234");
        assertThat(Version.of(null, null)).as("no jar manifest, no git: the source's version").isEqualTo("0.1.0");
        assertThat(Version.of("0.1.0", "")).isEqualTo("0.1.0");
    }

    @Test
    void whatATagOrTheParameterWouldRefuseNeverReachesThem() {
        assertThat(Version.of("0.1.0", "odd name;$(x)")).isEqualTo("0.1.0+odd-name---x-");
        assertThat(Version.of("0.1.0", "x".repeat(80))).as("longer than DeployerVersion takes").isEqualTo("0.1.0");
    }

    @Test
    void aPlanFoldsChangesOfTagsAloneIntoOneLine() {
        ResourceChange retagged = ResourceChange.builder().action("Modify").logicalResourceId("TrackingTask")
                .resourceType("AWS::ECS::TaskDefinition").scopeWithStrings("Tags").replacement("False").build();
        ResourceChange alsoRetagged = retagged.toBuilder().logicalResourceId("Database").build();
        ResourceChange changed = ResourceChange.builder().action("Modify").logicalResourceId("TrackingServiceService")
                .resourceType("AWS::ECS::Service").scopeWithStrings("Properties", "Tags").replacement("False").build();
        ResourceChange replacedForATag = retagged.toBuilder().logicalResourceId("WebAcl").replacement("True").build();
        List<String> lines = ChangeSetPlanner.describe(new ChangeSetPlanner.Plan("id", ChangeSetType.UPDATE,
                List.of(retagged, changed, alsoRetagged, replacedForATag), false));

        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("TrackingServiceService");
        assertThat(lines.get(1)).as("a tag change that replaces is listed").contains("WebAcl", "(REPLACED)");
        assertThat(lines.get(2)).contains("2 resources: only tags change", Version.TAG);
    }
}
