package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.stack.NextStep;
import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.stack.StackWatcher;
import dmlflow.deployer.stack.Version;
import java.util.List;
import picocli.CommandLine.Command;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;

/** Where the stack is: its status, and why when that is a failure. */
@Command(name = "status", mixinStandardHelpOptions = true, description = {"Show the stack's status, the cause of its latest operation's failure, and what to run next.",
            "Exits 0 when the stack is complete or on its way there (being created or updated); 1 when it failed,"
                    + " rolled back, is being deleted or does not exist."})
public final class StatusCommand extends BaseCommand {
    @Override
    public Integer call() {
        try (AwsSession aws = session()) {
            StackState state = StackState.describe(aws.cloudFormation(), options.stackName);
            if (!state.exists()) {
                console.info("Stack " + options.stackName + " does not exist in " + aws.region().id() + ".");
                console.info(NextStep.after(state.status(), options.stackName));
                return 1;
            }
            var stack = state.stack();
            console.info("Stack " + options.stackName + ": " + state.status()
                    + (stack.lastUpdatedTime() != null ? " (last updated " + stack.lastUpdatedTime() + ")"
                    : " (created " + stack.creationTime() + ")"));
            state.output("TrackingUri").ifPresent(uri -> console.info("Tracking URI: " + uri));
            state.output("MlflowVersion").ifPresent(v -> console.info("MLflow version: " + v));
            console.info("dmlflow version: " + state.output(Version.OUTPUT).orElse("unrecorded (deployed before"
                    + " dmlflow recorded it)") + (state.output(Version.OUTPUT).filter(Version.current()::equals).isPresent()
                    ? "" : "; this checkout is " + Version.current()));
            if (state.status().contains("FAILED") || state.status().contains("ROLLBACK")) {
                List<StackEvent> events = StackWatcher.latestOperation(aws.cloudFormation(), options.stackName);
                console.info("Last failure: " + StackWatcher.rootCause(events, stack.stackStatusReason()));
            }
            console.info(NextStep.after(state.status(), options.stackName));
            return NextStep.goingWell(state.status()) ? 0 : 1;
        }
    }
}
