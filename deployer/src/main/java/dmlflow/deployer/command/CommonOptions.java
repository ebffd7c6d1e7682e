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

    @Option(names = {"-v", "--verbose"}, description = "Show stack traces of failures.")
    boolean verbose;

    @Option(names = "--poll-seconds", defaultValue = "5", hidden = true,
            description = "Seconds between CloudFormation status checks.")
    double pollSeconds;

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

    void validate() {
        if (!stackName.matches("[A-Za-z][A-Za-z0-9-]{0,127}")) {
            throw DeployerException.usage("--stack-name '" + stackName + "' is not a stack name: start with a letter,"
                    + " then letters, digits and hyphens, 128 at most");
        }
        if (region != null && !region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
            throw DeployerException.usage("--region '" + region + "' is not an AWS region name such as eu-west-1");
        }
    }
}
