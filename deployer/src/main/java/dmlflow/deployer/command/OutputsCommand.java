package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.stack.StackState;
import picocli.CommandLine.Command;

/** The stack's outputs, and how to use the tracking server from a shell. */
@Command(name = "outputs", mixinStandardHelpOptions = true, description = "Print the stack's outputs and the lines to log in from a shell.")
public final class OutputsCommand extends BaseCommand {
    @Override
    public Integer call() {
        try (AwsSession aws = session()) {
            StackState state = existingStack(aws);
            state.stack().outputs().forEach(o -> console.info(String.format("%-20s %s", o.outputKey(), o.outputValue())));
            console.info("");
            Outputs.printUsage(console, state, aws.region().id());
            return 0;
        }
    }
}
