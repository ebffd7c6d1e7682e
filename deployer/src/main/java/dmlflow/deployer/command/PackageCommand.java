package dmlflow.deployer.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Interruption;
import dmlflow.deployer.console.Problems;
import dmlflow.deployer.stack.ChangeSetPlanner;
import dmlflow.deployer.stack.StackState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The pipeline's first step: everything ./deploy.sh does up to the change set, which it leaves for
 * the pipeline's approval and its execute step ({@link ExecuteCommand}), recorded in a file.
 *
 * <p>Why not CodePipeline's CloudFormation action with TemplatePath: it sends the template as a
 * body, limited to 51,200 bytes (awsdocs/aws-codepipeline-user-guide PRs 21 and 40; the
 * cloudformation-coverage-roadmap issue 1023 reports 512 KB), and templates/mlflow.yaml is three
 * times that. A change set made here takes it by S3 URL (1 MB), as deploy.sh does. And a parameter
 * the file leaves out keeps the live stack's value (UsePreviousValue), where the action would put
 * the template's default: on a restored stack that would replace the database with an empty one.
 */
@Command(name = "package", mixinStandardHelpOptions = true,
        description = "For CodePipeline: upload the custom-resources jar and the template, and make the change set"
                + " ./deploy.sh would make (parameters not given keep the live stack's values), without executing it;"
                + " record it for './deploy.sh execute'.")
public final class PackageCommand extends DeployCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");

    @Option(names = "--role-arn", paramLabel = "ARN",
            description = "The IAM role CloudFormation acts with on the stack (the pipeline's deploy role).")
    String roleArn;

    @Option(names = "--output", defaultValue = ExecuteCommand.RECORD, paramLabel = "FILE",
            description = "Where to record the change set for './deploy.sh execute' (default: ${DEFAULT-VALUE}).")
    Path output;

    @Override
    public Integer call() {
        if (restoreFrom != null) {
            throw DeployerException.usage("--restore is for ./deploy.sh: restore the stack with it once, then the"
                    + " pipeline updates it (parameters its file leaves out keep the restored values)");
        }
        if (roleArn != null && !ROLE_ARN.matcher(roleArn).matches()) {
            throw DeployerException.usage("--role-arn '" + roleArn + "' is not an IAM role ARN such as"
                    + " arn:aws:iam::123456789012:role/NAME");
        }
        return super.call();
    }

    @Override
    String doing() {
        return "Packaging for";
    }

    @Override
    boolean executes() {
        return false;
    }

    @Override
    String roleArn() {
        return roleArn;
    }

    /** The pipeline's build may not delete the stack: a failed first creation is removed by a person. */
    @Override
    StackState deleteFailedStack(AwsSession aws, StackState state) {
        throw DeployerException.failed("stack " + state.name() + " is " + state.status() + " (its first creation failed)"
                + " and can only be deleted: delete it (./remove.sh --stack-name " + state.name() + ") and run the"
                + " pipeline again");
    }

    /** Nothing to make: the stack already leaves the change set; the empty REVIEW_IN_PROGRESS one is reused. */
    @Override
    void abandon(AwsSession aws, ChangeSetPlanner planner, ChangeSetPlanner.Plan plan, boolean creating) {
        planner.discard(plan);
    }

    @Override
    Integer noChanges(AwsSession aws) {
        console.info("No changes: stack " + options.stackName + " is up to date; the execute step has nothing to do.");
        record(null, 0, false);
        return 0;
    }

    /** Refuses a change that would swap data out unless --confirm-data-changes; else records it. */
    @Override
    Integer planned(AwsSession aws, Planned planned) {
        ChangeSetPlanner.Plan plan = planned.plan();
        if (warnAboutData(plan, planned.parameterChanges(), planned.snapshot()) && !confirmDataChanges) {
            abandon(aws, planned.planner(), plan, planned.creating());
            StringBuilder keep = new StringBuilder();
            for (String change : planned.parameterChanges()) {
                String name = change.substring(0, change.indexOf(':'));
                String before = change.substring(change.indexOf(": ") + 2, change.indexOf(" -> "));
                keep.append("\n  \"").append(name).append("\": \"").append(before.equals("(none)") ? "" : before)
                        .append('"');
            }
            throw DeployerException.failed("the change set would replace or remove what holds data, and a pipeline"
                    + " does not do that unasked; it was deleted." + (keep.length() == 0 ? ""
                    : " To keep the data, put these values into the parameters file:" + keep)
                    + "\nTo go ahead on purpose, pass --confirm-data-changes to this step once.");
        }
        record(plan.changeSetId(), plan.changes().size(), planned.creating());
        Interruption.settled();
        console.info("Change set " + plan.changeSetId() + " is ready (" + plan.changes().size() + " resource changes);"
                + " recorded in " + output + " for the execute step (./deploy.sh execute --change-set-file " + output
                + " runs it).");
        return 0;
    }

    private void record(String changeSetId, int changes, boolean creating) {
        ObjectNode record = JSON.createObjectNode();
        record.put("stackName", options.stackName);
        if (changeSetId == null) {
            record.put("empty", true);
        } else {
            record.put("changeSetId", changeSetId);
            record.put("changes", changes);
            record.put("creating", creating);
        }
        try {
            if (output.getParent() != null) {
                Files.createDirectories(output.getParent());
            }
            Files.writeString(output, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        } catch (IOException e) {
            throw DeployerException.failed("cannot write " + output + ": " + Problems.of(e));
        }
    }
}
