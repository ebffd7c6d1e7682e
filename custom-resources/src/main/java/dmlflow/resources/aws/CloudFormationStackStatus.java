package dmlflow.resources.aws;

import dmlflow.resources.protocol.Lazy;
import dmlflow.resources.protocol.StackStatus;
import java.util.function.Supplier;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/** Reads a stack's status with DescribeStacks on its own stack id (the only permission it needs). */
public final class CloudFormationStackStatus implements StackStatus {
    private final Supplier<CloudFormationClient> cloudFormation;

    public CloudFormationStackStatus() {
        this(new Lazy<>(AwsClients::cloudFormation));
    }

    public CloudFormationStackStatus(Supplier<CloudFormationClient> cloudFormation) {
        this.cloudFormation = cloudFormation;
    }

    @Override
    public String of(String stackId) {
        return cloudFormation.get().describeStacks(r -> r.stackName(stackId)).stacks().stream()
                .findFirst().map(Stack::stackStatusAsString)
                .orElseThrow(() -> new IllegalStateException("DescribeStacks returned no stack " + stackId));
    }
}
