package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.stack.StackWatcher;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.ResourceStatus;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;

/**
 * A removal that failed only because ACM still counted the stack's certificate as in use (it
 * releases it a little after the listener is deleted: aws-cdk issue 4179) is tried once more;
 * any other failure is reported as it is.
 */
class CertificateReleaseTest {
    private static StackEvent failed(String logicalId, String reason) {
        return StackEvent.builder().stackName("mlflow").logicalResourceId(logicalId)
                .resourceStatus(ResourceStatus.DELETE_FAILED).resourceStatusReason(reason).build();
    }

    private static StackWatcher.Result result(StackEvent... events) {
        return new StackWatcher.Result("DELETE_FAILED", false, "root cause", List.of(events));
    }

    @Test
    void aCertificateStillInUseIsWorthASecondDeletion() {
        assertThat(RemoveCommand.onlyTheCertificateWasStillInUse(result(
                failed(RemoveCommand.CERTIFICATE, "Resource handler returned message: \"Certificate"
                        + " arn:aws:acm:eu-west-1:123456789012:certificate/abc is in use. (Service: Acm, Status Code: 400)\""),
                failed("mlflow", "The following resource(s) failed to delete: [LoadBalancerCertificate]. ")))).isTrue();
    }

    @Test
    void anyOtherFailureIsReportedAsItIs() {
        assertThat(RemoveCommand.onlyTheCertificateWasStillInUse(result(
                failed(RemoveCommand.CERTIFICATE, "Certificate arn:… is in use"),
                failed("ArtifactsBucket", "The bucket you tried to delete is not empty")))).isFalse();
        assertThat(RemoveCommand.onlyTheCertificateWasStillInUse(result(
                failed(RemoveCommand.CERTIFICATE, "Access denied for acm:DeleteCertificate")))).isFalse();
        assertThat(RemoveCommand.onlyTheCertificateWasStillInUse(result())).isFalse();
    }
}
