package dmlflow.deployer.stack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/** A stack as it is now: whether it exists, its status, parameters and outputs. */
public record StackState(String name, Stack stack) {

    public static StackState describe(CloudFormationClient cloudFormation, String name) {
        try {
            return new StackState(name, cloudFormation.describeStacks(r -> r.stackName(name)).stacks().stream()
                    .findFirst().orElse(null));
        } catch (CloudFormationException e) {
            if (e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                    && e.awsErrorDetails().errorMessage().contains("does not exist")) {
                return new StackState(name, null);
            }
            throw e;
        }
    }

    public boolean exists() {
        return stack != null && stack.stackStatus() != StackStatus.DELETE_COMPLETE;
    }

    /** Created as a change set that was never executed: a new stack as far as deploying goes. */
    public boolean neverDeployed() {
        return !exists() || stack.stackStatus() == StackStatus.REVIEW_IN_PROGRESS;
    }

    public String status() {
        return stack == null ? "DOES_NOT_EXIST" : stack.stackStatusAsString();
    }

    public boolean busy() {
        return exists() && status().endsWith("_IN_PROGRESS") && stack.stackStatus() != StackStatus.REVIEW_IN_PROGRESS;
    }

    /** A failed first creation: CloudFormation allows nothing but deleting it. */
    public boolean deadOnArrival() {
        return exists() && (stack.stackStatus() == StackStatus.ROLLBACK_COMPLETE
                || stack.stackStatus() == StackStatus.ROLLBACK_FAILED || stack.stackStatus() == StackStatus.CREATE_FAILED);
    }

    public Map<String, String> parameters() {
        Map<String, String> values = new LinkedHashMap<>();
        if (exists()) {
            stack.parameters().forEach(p -> values.put(p.parameterKey(), p.parameterValue()));
        }
        return values;
    }

    public Map<String, String> outputs() {
        Map<String, String> values = new LinkedHashMap<>();
        if (exists()) {
            stack.outputs().forEach(o -> values.put(o.outputKey(), o.outputValue()));
        }
        return values;
    }

    public Optional<String> output(String key) {
        return Optional.ofNullable(outputs().get(key));
    }
}
