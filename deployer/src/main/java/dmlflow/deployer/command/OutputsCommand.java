package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.Table;
import dmlflow.deployer.stack.StackState;
import picocli.CommandLine.Command;

/** The stack's outputs, and how to use the tracking server from a shell. */
@Command(name = "outputs", mixinStandardHelpOptions = true, description = "Print the stack's outputs and the lines to log in from a shell.")
public final class OutputsCommand extends BaseCommand {
    @Override
    public Integer call() {
        try (AwsSession aws = session()) {
            StackState state = existingStack(aws);
            Table table = new Table("");
            state.stack().outputs().forEach(o -> table.row(o.outputKey(), o.outputValue()));
            table.lines().forEach(console::info);
            console.info("");
            Outputs.printUsage(console, state, aws.region().id());
            return 0;
        }
    }
}
