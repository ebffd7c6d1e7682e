package dmlflow.deployer.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.deployer.aws.AwsErrors;
import dmlflow.deployer.console.DeployerException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The NAT instance's image, pinned when the instance is made. With NatInstanceImageId empty the
 * template reads AWS's public SSM parameter through a dynamic reference; ImageId is create-only,
 * so whatever changes the resolved id replaces the instance and cuts the private subnets off for
 * a few minutes. A deploy that makes the instance (a new stack, or NatMode turning to instance)
 * therefore reads the newest id itself and passes it; later deploys keep the stack's value.
 */
public final class NatImage {
    public static final String PARAMETER = "NatInstanceImageId";
    public static final String INSTANCE = "NetworkNatInstanceInstance";
    private static final Pattern SSM_REFERENCE = Pattern.compile("\\{\\{resolve:ssm:([^}:]+)}}");
    private static final Pattern IMAGE_ID = Pattern.compile("ami-([0-9a-f]{8}|[0-9a-f]{17})");

    private NatImage() {
    }

    /** The SSM parameter the template would read, when this deploy is the one that makes the instance. */
    public static Optional<String> toPin(StackTemplate template, Map<String, String> given, Map<String, String> effective,
            Map<String, String> previous, boolean creating) {
        if (!template.parameters().containsKey(PARAMETER) || given.containsKey(PARAMETER)
                || !"instance".equals(effective.get("NatMode"))) {
            return Optional.empty();
        }
        boolean makesInstance = creating || !"instance".equals(previous.get("NatMode"));
        return makesInstance ? latestImageParameter(template.resources()) : Optional.empty();
    }

    /**
     * A stack whose NAT instance was made before NatInstanceImageId existed (its image came from an
     * SSM-typed parameter) has no id on record: an update would resolve the newest image and
     * replace the instance. Its running instance's own image is pinned instead.
     */
    public static boolean keepsRunningImage(StackTemplate template, Map<String, String> given, Map<String, String> effective,
            Map<String, String> previous, boolean creating) {
        return !creating && template.parameters().containsKey(PARAMETER) && !given.containsKey(PARAMETER)
                && "instance".equals(effective.get("NatMode")) && "instance".equals(previous.get("NatMode"))
                && !previous.containsKey(PARAMETER);
    }

    /** The image the stack's NAT instance runs, if it has one. */
    public static Optional<String> runningImage(CloudFormationClient cloudFormation, Ec2Client ec2, String stack) {
        try {
            String instanceId = cloudFormation.describeStackResource(r -> r.stackName(stack).logicalResourceId(INSTANCE))
                    .stackResourceDetail().physicalResourceId();
            return ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().stream()
                    .flatMap(reservation -> reservation.instances().stream())
                    .map(Instance::imageId).findFirst();
        } catch (SdkException e) {
            return Optional.empty();
        }
    }

    /** The id to pass as NatInstanceImageId, read from SSM now. */
    public static String read(SsmClient ssm, String parameter) {
        String value;
        try {
            value = ssm.getParameter(request -> request.name(parameter)).parameter().value();
        } catch (SdkException e) {
            throw DeployerException.failed("cannot read the NAT instance's image from SSM parameter " + parameter + ": "
                    + AwsErrors.explain(e) + "\nGive one with -p " + PARAMETER + "=ami-… (an Amazon Linux 2023 arm64 AMI),"
                    + " or use -p NatMode=gateway.");
        }
        if (value == null || !IMAGE_ID.matcher(value).matches()) {
            throw DeployerException.failed("SSM parameter " + parameter + " holds " + (value == null ? "no value"
                    : "'" + value + "'") + ", not an AMI id;"
                    + " give one with -p " + PARAMETER + "=ami-…");
        }
        return value;
    }

    private static Optional<String> latestImageParameter(JsonNode resources) {
        Matcher matcher = SSM_REFERENCE.matcher(resources.toString());
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }
}
