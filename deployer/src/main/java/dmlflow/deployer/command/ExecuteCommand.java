package dmlflow.deployer.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.stack.StackWatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetNotFoundException;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.ExecutionStatus;

/**
 * The pipeline's last step: executes the change set './deploy.sh package' recorded (after the
 * approval, when the pipeline has one) and follows the stack to its end, as ./deploy.sh does. A
 * record of no changes ends at once, successfully.
 */
@Command(name = "execute", mixinStandardHelpOptions = true,
        description = "For CodePipeline: execute the change set './deploy.sh package' recorded and follow the stack to its"
                + " end; print the tracking URI.")
public final class ExecuteCommand extends BaseCommand {
    @Mixin
    ChangeOptions change = new ChangeOptions();

    @Override
    ChangeOptions change() {
        return change;
    }

    static final String RECORD = "build/change-set.json";

    @Option(names = "--change-set-file", defaultValue = RECORD, paramLabel = "FILE",
            description = "The record './deploy.sh package' wrote (default: ${DEFAULT-VALUE}).")
    Path record;

    @Override
    public Integer call() {
        JsonNode recorded = read(record);
        String stack = recorded.path("stackName").asText(options.stackName);
        options.stackName = stack;
        try (AwsSession aws = session()) {
            announce(aws, "Executing the change set for");
            if (recorded.path("empty").asBoolean()) {
                console.info("No changes: './deploy.sh package' found stack " + stack + " up to date.");
                Outputs.printUsage(console, StackState.describe(aws.cloudFormation(), stack), aws.region().id());
                return 0;
            }
            String id = recorded.path("changeSetId").asText();
            DescribeChangeSetResponse changeSet;
            try {
                changeSet = aws.cloudFormation().describeChangeSet(r -> r.changeSetName(id));
            } catch (ChangeSetNotFoundException gone) {
                throw DeployerException.failed("the change set " + id + " is gone (executed or deleted since 'dmlflow"
                        + " package' made it): run the pipeline again");
            }
            if (changeSet.executionStatus() != ExecutionStatus.AVAILABLE) {
                throw DeployerException.failed("the change set " + id + " cannot run: it is "
                        + changeSet.executionStatusAsString() + (changeSet.statusReason() == null ? ""
                        : " (" + changeSet.statusReason() + ")") + (changeSet.executionStatus() == ExecutionStatus.OBSOLETE
                        ? ". The stack changed after it was made: run the pipeline again." : "."));
            }
            StackWatcher watcher = watcher(aws);
            String before = watcher.newestEvent(stack);
            aws.cloudFormation().executeChangeSet(r -> r.changeSetName(id));
            StackWatcher.Result result = watcher.watch(stack, before, recorded.path("changes").asInt());
            requireSucceeded(stack, result);
            Outputs.printUsage(console, StackState.describe(aws.cloudFormation(), stack), aws.region().id());
            return 0;
        }
    }

    private static JsonNode read(Path record) {
        try {
            JsonNode node = new ObjectMapper().readTree(Files.readString(record));
            if (!node.path("empty").asBoolean() && !node.path("changeSetId").isTextual()) {
                throw DeployerException.usage(record + " records no change set: it is not what './deploy.sh package' wrote");
            }
            return node;
        } catch (IOException e) {
            throw DeployerException.usage("cannot read " + record + " (" + Problems.of(e) + "): run"
                    + " './deploy.sh package' first; the pipeline passes its record from the build step");
        }
    }
}
