package dmlflow.deployer.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dmlflow.deployer.command.CommonOptions;
import dmlflow.deployer.testing.Moto;
import dmlflow.deployer.testing.TestConsole;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;

/** AWS's refusals name the service and the call; the SDK's own words stay behind --verbose. */
class AwsErrorsTest {
    @BeforeAll
    static void moto() {
        Moto.start();
    }

    @Test
    void aRefusalNamesTheServiceTheCallTheCodeAndAwssSentence() {
        CommonOptions options = CommandLine.populateCommand(new CommonOptionsHolder()).options;
        try (AwsSession aws = new AwsSession(options, new TestConsole().console)) {
            // moto answers as CloudFormation does: ValidationError, "Stack with id … does not exist".
            CloudFormationException refused = catchThrowableOfType(CloudFormationException.class,
                    () -> aws.cloudFormation().describeStackResources(r -> r.stackName("no-such-stack")));
            String said = AwsErrors.explain(refused);
            assertThat(said).startsWith("CloudFormation DescribeStackResources failed with ValidationError: ")
                    .contains("no-such-stack").doesNotContain("Request ID", "Status Code", "null");
        }
    }

    @Test
    void anAnswerWithoutDetailsSaysSoInsteadOfNull() {
        AwsServiceException bare = AwsServiceException.builder().statusCode(503).build();
        assertThat(AwsErrors.explain(bare)).isEqualTo("AWS failed: no message (HTTP 503). That is on AWS's side: wait a"
                + " little and run again (AWS Health shows outages).").doesNotContain("null");
    }

    @Test
    void aConnectionThatFailsSaysWhyWithoutTheHttpClientsText() {
        SdkClientException refused = SdkClientException.create("Unable to execute HTTP request: Connect to"
                + " 127.0.0.1:1 [/127.0.0.1] failed: Connection refused", new java.net.ConnectException("Connection refused"));
        assertThat(AwsErrors.explain(refused)).startsWith("cannot reach AWS").contains("the connection was refused",
                "--verbose").doesNotContain("Unable to execute HTTP request");
    }

    /** CommonOptions as the commands mix it in. */
    static final class CommonOptionsHolder {
        @CommandLine.Mixin
        CommonOptions options;
    }
}
