package dmlflow.template.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.template.Templates;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Image pulls through the NAT instance at its baseline bandwidth, once burst is spent (AWS sizes no
 * burst credits, and an upgrade pulls the whole image two or three times in a row: Fargate caches
 * none). Pulls are counted at the default image's ~2 GB download, plus a minute for each task to
 * be placed and started. Each must fit its wait with a fifth to spare: the schema function (the
 * check and the migration task) and the health gate (a service task).
 */
class NatBandwidthTest {
    private static final double IMAGE_GIGABITS = 2 * 8;
    private static final double TASK_START_SECONDS = 60;

    private static double pulls(String type, int count) {
        return count * (IMAGE_GIGABITS * 1000 / NatInstance.BASELINE_MBPS.get(type) + TASK_START_SECONDS);
    }

    @Test
    void theDefaultInstancePullsAnUpgradesImagesWithinItsWaitsWithAFifthToSpare() {
        var parameters = Templates.mlflow().path("Parameters");
        assertThat(parameters.path("NatInstanceType").path("Default").asText()).isEqualTo(NatInstance.DEFAULT_TYPE);
        double schemaFunction = Templates.resource("SchemaMigrationHandlerFunction").path("Properties").path("Timeout")
                .asDouble();
        double healthWait = parameters.path("HealthCheckTimeoutSeconds").path("Default").asDouble();
        assertThat(schemaFunction).isEqualTo(900);

        assertThat(pulls(NatInstance.DEFAULT_TYPE, 2)).as("check and migration task").isLessThanOrEqualTo(0.8 * schemaFunction);
        assertThat(pulls(NatInstance.DEFAULT_TYPE, 1)).as("a service task").isLessThanOrEqualTo(0.8 * healthWait);
        assertThat(pulls("t4g.nano", 2)).as("why not t4g.nano: 1,120 s").isGreaterThan(schemaFunction);
        assertThat(parameters.path("NatInstanceType").path("AllowedValues").toString()).contains("t4g.nano", "t4g.small");
        assertThat(List.copyOf(NatInstance.BASELINE_MBPS.keySet())).containsExactly("t4g.nano", "t4g.micro", "t4g.small");
    }
}
