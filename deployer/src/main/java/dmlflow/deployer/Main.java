package dmlflow.deployer;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.command.BaseCommand;
import dmlflow.deployer.command.CommonOptions;
import dmlflow.deployer.command.DeployCommand;
import dmlflow.deployer.command.ExecuteCommand;
import dmlflow.deployer.command.LogsCommand;
import dmlflow.deployer.command.OutputsCommand;
import dmlflow.deployer.command.PackageCommand;
import dmlflow.deployer.command.PlanCommand;
import dmlflow.deployer.command.RemoveCommand;
import dmlflow.deployer.command.StatusCommand;
import dmlflow.deployer.command.UsersCommand;
import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Interruption;
import dmlflow.deployer.stack.Version;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** {@code dmlflow}: the CLI behind deploy.sh and remove.sh. Exit codes: 0 ok, 1 failed, 2 usage. */
@Command(name = "dmlflow", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Deploys, inspects and removes a production MLflow tracking server on your AWS account.",
        subcommands = {DeployCommand.class, RemoveCommand.class, StatusCommand.class, OutputsCommand.class,
            LogsCommand.class, UsersCommand.class, PlanCommand.class, PackageCommand.class, ExecuteCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: deploy, remove, status, outputs, logs, users, plan, package or execute");
    }

    public static void main(String[] args) {
        Console console = Console.system();
        Interruption.install(console);
        int code = run(args, console, options -> new AwsSession(options, console));
        Interruption.finished();
        System.exit(code);
    }

    public static int run(String[] args, Console console, Function<CommonOptions, AwsSession> sessions) {
        CommandLine cli = new CommandLine(new Main(), new Factory(console, sessions));
        // Every command answers -V as the top one does (./deploy.sh -V runs deploy's).
        cli.getSubcommands().values().forEach(sub -> sub.getCommandSpec().version(cli.getCommandSpec().version()));
        cli.setExecutionExceptionHandler((failure, command, parsed) -> report(failure, console, verbose(command)));
        cli.setOut(new java.io.PrintWriter(System.out, true));
        return cli.execute(args);
    }

    private static boolean verbose(CommandLine command) {
        return command.getCommand() instanceof BaseCommand base && base.verbose();
    }

    /** One catch for every command: a sentence the operator can act on; the trace only with --verbose. */
    static int report(Exception failure, Console console, boolean verbose) {
        console.clearProgress();
        int code = DeployerException.FAILED;
        String message;
        if (failure instanceof DeployerException known) {
            code = known.exitCode();
            message = known.getMessage();
        } else if (failure instanceof AwsServiceException aws) {
            message = explain(aws);
        } else if (failure instanceof SdkClientException client) {
            message = explain(client);
        } else {
            message = "unexpected failure: " + failure + " (run again with --verbose for the details)";
        }
        console.error("Error: " + message);
        if (verbose) {
            java.io.StringWriter trace = new java.io.StringWriter();
            failure.printStackTrace(new java.io.PrintWriter(trace));
            console.error(trace.toString());
        }
        return code;
    }

    static String explain(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        String text = e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null
                ? e.getMessage() : e.awsErrorDetails().errorMessage();
        String service = e.awsErrorDetails() == null ? "AWS" : e.awsErrorDetails().serviceName();
        if (code != null && (code.startsWith("ExpiredToken") || code.equals("RequestExpired")
                || code.equals("InvalidClientTokenId") || code.equals("UnrecognizedClientException"))) {
            return "the AWS credentials are expired or invalid (" + code + "): refresh them (for example"
                    + " aws sso login, or aws configure) and run again";
        }
        if (code != null && (code.contains("AccessDenied") || code.equals("UnauthorizedOperation"))) {
            return service + " refused the call (" + code + "): " + text
                    + ". The identity needs CloudFormation, S3, IAM and the services the stack creates.";
        }
        if (code != null && code.startsWith("Throttl")) {
            return service + " kept throttling the requests (" + code + "), even after retries: wait a minute and run again";
        }
        return service + " " + code + ": " + text;
    }

    static String explain(SdkClientException e) {
        String text = e.getMessage() == null ? e.toString() : e.getMessage();
        if (text.contains("Unable to load credentials")) {
            return "no AWS credentials found: run aws configure (or aws sso login), set AWS_PROFILE, or pass --profile";
        }
        if (text.contains("Unable to load region")) {
            return "no AWS region: pass --region or set AWS_REGION";
        }
        return "cannot reach AWS: " + text;
    }

    /** Builds every command with the run's console and AWS session factory. */
    private record Factory(Console console, Function<CommonOptions, AwsSession> sessions) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K instance = CommandLine.defaultFactory().create(type);
            if (instance instanceof BaseCommand command) {
                command.connect(console, sessions);
            }
            return instance;
        }
    }
}
