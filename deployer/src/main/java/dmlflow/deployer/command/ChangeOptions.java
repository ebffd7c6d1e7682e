package dmlflow.deployer.command;

import dmlflow.deployer.console.DeployerException;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Options of the commands that change a stack and follow it: deploy, package, execute, remove.
 * The others neither ask nor wait, so their help does not offer these.
 */
final class ChangeOptions {
    @Option(names = {"-y", "--yes"}, description = "Answer yes to confirmations (needed when not on a terminal).")
    boolean yes;

    @Option(names = "--timeout-minutes", defaultValue = "120", paramLabel = "MINUTES",
            description = "Stop watching a stack operation after this long (it goes on in CloudFormation; default: ${DEFAULT-VALUE}).")
    int timeoutMinutes;

    Duration timeout() {
        return Duration.ofMinutes(timeoutMinutes);
    }

    void validate() {
        if (timeoutMinutes < 1) {
            throw DeployerException.usage("--timeout-minutes must be at least 1");
        }
    }
}
