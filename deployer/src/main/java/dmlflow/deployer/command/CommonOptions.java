package dmlflow.deployer.command;

import dmlflow.deployer.console.DeployerException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options every command takes. */
public final class CommonOptions {
    @Option(names = "--stack-name", defaultValue = "mlflow", paramLabel = "NAME",
            description = "CloudFormation stack name (default: ${DEFAULT-VALUE}).")
    String stackName;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region (default: from AWS_REGION or the profile).")
    String region;

    @Option(names = "--profile", paramLabel = "PROFILE", description = "AWS credentials profile (default: AWS_PROFILE or default).")
    String profile;

    @Option(names = {"-y", "--yes"}, description = "Answer yes to confirmations (needed when not on a terminal).")
    boolean yes;

    @Option(names = {"-v", "--verbose"}, description = "Show stack traces of failures.")
    boolean verbose;

    @Option(names = "--poll-seconds", defaultValue = "5", hidden = true,
            description = "Seconds between CloudFormation status checks.")
    double pollSeconds;

    @Option(names = "--timeout-minutes", defaultValue = "120", paramLabel = "MINUTES",
            description = "Stop watching a stack operation after this long (it goes on in CloudFormation; default: ${DEFAULT-VALUE}).")
    int timeoutMinutes;

    /** --profile, or null for the default chain. */
    public String profile() {
        return profile;
    }

    /** --region, or null for the profile's or the environment's. */
    public String region() {
        return region;
    }

    Duration poll() {
        return Duration.ofMillis((long) (pollSeconds * 1000));
    }

    Duration timeout() {
        return Duration.ofMinutes(timeoutMinutes);
    }

    void validate() {
        if (timeoutMinutes < 1) {
            throw DeployerException.usage("--timeout-minutes must be at least 1");
        }
        if (!stackName.matches("[A-Za-z][A-Za-z0-9-]{0,127}")) {
            throw DeployerException.usage("--stack-name '" + stackName + "' is not a stack name: start with a letter,"
                    + " then letters, digits and hyphens, 128 at most");
        }
        if (region != null && !region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
            throw DeployerException.usage("--region '" + region + "' is not an AWS region name such as eu-west-1");
        }
    }
}
