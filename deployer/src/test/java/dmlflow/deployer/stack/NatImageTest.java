package dmlflow.deployer.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.testing.Moto;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Which deploy pins the NAT instance's image, and from where: the newest from SSM when the instance
 * is made, the running instance's own when a stack made before NatInstanceImageId existed is
 * updated, nothing otherwise (the stack keeps its value).
 */
class NatImageTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static final StackTemplate MLFLOW = StackTemplate.load(ROOT.resolve("templates/mlflow.yaml"));
    private static final Map<String, String> INSTANCE = Map.of("NatMode", "instance");

    @Test
    void theNewestImageIsReadOnlyWhenTheInstanceIsMade() {
        assertThat(NatImage.toPin(MLFLOW, INSTANCE, INSTANCE, Map.of(), true)).as("a new stack")
                .contains("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
        assertThat(NatImage.toPin(MLFLOW, INSTANCE, INSTANCE, Map.of("NatMode", "gateway"), false))
                .as("the gateway gives way to an instance").isPresent();
        assertThat(NatImage.toPin(MLFLOW, Map.of(), INSTANCE, Map.of("NatMode", "instance", NatImage.PARAMETER, "ami-0123456789abcdef0"),
                false)).as("an update keeps the stack's").isEmpty();
        assertThat(NatImage.toPin(MLFLOW, Map.of(NatImage.PARAMETER, "ami-0123456789abcdef0"), INSTANCE, Map.of(), true))
                .as("the user's own").isEmpty();
        assertThat(NatImage.toPin(MLFLOW, Map.of(), Map.of("NatMode", "gateway"), Map.of(), true)).as("no instance").isEmpty();
    }

    @Test
    void aStackFromBeforeThePinKeepsTheImageItsInstanceRuns() {
        Map<String, String> before = Map.of("NatMode", "instance", "NatInstanceImage",
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
        assertThat(NatImage.keepsRunningImage(MLFLOW, Map.of(), INSTANCE, before, false)).isTrue();
        assertThat(NatImage.keepsRunningImage(MLFLOW, Map.of(), INSTANCE, Map.of("NatMode", "instance", NatImage.PARAMETER, ""),
                false)).as("a console stack with the reference: its text stays, so it is not read again").isFalse();
        assertThat(NatImage.keepsRunningImage(MLFLOW, Map.of(), INSTANCE, before, true)).isFalse();

        Moto.start();
        String stack = "natpin-" + UUID.randomUUID().toString().substring(0, 8);
        CloudFormationClient cloudFormation = CloudFormationClient.create();
        cloudFormation.createStack(r -> r.stackName(stack).templateBody("""
                Resources:
                  NetworkNatInstanceInstance:
                    Type: AWS::EC2::Instance
                    Properties:
                      ImageId: ami-03cf127a
                      InstanceType: t4g.nano
                """));
        assertThat(NatImage.runningImage(cloudFormation, Ec2Client.create(), stack)).contains("ami-03cf127a");
        assertThat(NatImage.runningImage(cloudFormation, Ec2Client.create(), "no-such-stack")).isEmpty();
    }
}
