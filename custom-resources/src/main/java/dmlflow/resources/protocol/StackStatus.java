package dmlflow.resources.protocol;

/**
 * The status of the stack a request comes from. CloudFormation's request carries no sign that
 * an Update is part of a rollback: on UPDATE_ROLLBACK it sends an ordinary Update whose
 * ResourceProperties are the old ones (AWS CloudFormation User Guide, "Custom resources" and
 * "Stack status codes"); only the stack's own status, UPDATE_ROLLBACK_IN_PROGRESS, tells.
 */
@FunctionalInterface
public interface StackStatus {
    String ROLLING_BACK = "UPDATE_ROLLBACK_IN_PROGRESS";

    /** The stack's status, as DescribeStacks reports it for this stack id. */
    String of(String stackId);
}
