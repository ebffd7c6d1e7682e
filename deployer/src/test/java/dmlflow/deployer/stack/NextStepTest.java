package dmlflow.deployer.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/** Every status CloudFormation can report gets its own meaning and a command to run next. */
class NextStepTest {
    private static final String UNKNOWN = NextStep.after("NO_SUCH_STATUS", "ml-prod");

    @Test
    void everyStatusTheSdkKnowsHasItsOwnNextStepSpeltForTheStack() {
        for (StackStatus status : StackStatus.knownValues()) {
            String step = NextStep.after(status.toString(), "ml-prod");
            assertThat(step).as(status.toString()).isNotEqualTo(UNKNOWN)
                    .containsPattern("\\./deploy\\.sh|\\./remove\\.sh|aws cloudformation")
                    .contains("--stack-name ml-prod");
        }
        assertThat(NextStep.after("DOES_NOT_EXIST", "ml-prod")).startsWith("./deploy.sh --stack-name ml-prod creates it");
    }

    @Test
    void theDefaultStackNeedsNoName() {
        assertThat(NextStep.after("ROLLBACK_COMPLETE", "mlflow")).contains("run ./deploy.sh again")
                .doesNotContain("--stack-name");
    }

    @Test
    void onlyCompleteOrForwardStacksGoWell() {
        assertThat(StackStatus.knownValues().stream().map(StackStatus::toString).filter(NextStep::goingWell))
                .containsExactlyInAnyOrder("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "CREATE_IN_PROGRESS",
                        "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "IMPORT_IN_PROGRESS");
    }
}
