package dmlflow.deployer;

import dmlflow.deployer.aws.AwsErrors;
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
import dmlflow.deployer.stack.ParameterValidator;
import dmlflow.deployer.stack.Version;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.SdkException;

/** {@code dmlflow}: the CLI behind deploy.sh and remove.sh. Exit codes: 0 ok, 1 failed, 2 usage. */
@Command(name = "./deploy.sh", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Deploys, inspects and removes a production MLflow tracking server on your AWS account.",
        subcommands = {DeployCommand.class, RemoveCommand.class, StatusCommand.class, OutputsCommand.class,
            LogsCommand.class, UsersCommand.class, PlanCommand.class, PackageCommand.class, ExecuteCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: ./deploy.sh [status | outputs | logs | users | plan | package | execute],"
                + " or ./remove.sh");
    }

    public static void main(String[] args) {
        Console console = Console.system();
        Interruption.install(console);
        int code = run(args, console, options -> new AwsSession(options, console));
        Interruption.finished();
        System.exit(code);
    }

    public static int run(String[] args, Console console, Function<CommonOptions, AwsSession> sessions) {
        CommandLine cli = asTyped(new CommandLine(new Main(), new Factory(console, sessions)));
        cli.setExecutionExceptionHandler((failure, command, parsed) -> report(failure, console, verbose(command)));
        cli.setParameterExceptionHandler((mistake, given) -> usageError(mistake, console));
        cli.setOut(new java.io.PrintWriter(System.out, true));
        return cli.execute(args);
    }

    /**
     * The CLI as deploy.sh and remove.sh run it: each command's usage line spelt as a person types
     * it (./deploy.sh status, ./remove.sh, ./deploy.sh rather than ./deploy.sh deploy), and every
     * command answering -V as the top one does.
     */
    static CommandLine asTyped(CommandLine cli) {
        cli.getSubcommands().values().forEach(sub -> {
            sub.getCommandSpec().version(cli.getCommandSpec().version());
            if (sub.getCommandName().equals("remove") || sub.getCommandName().equals("deploy")) {
                String typed = sub.getCommandName().equals("remove") ? "./remove.sh" : "./deploy.sh";
                var synopsis = sub.getHelpSectionMap().get(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS);
                sub.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS,
                        help -> retyped(synopsis.render(help), "./deploy.sh " + sub.getCommandName(), typed));
            }
        });
        return cli;
    }

    /** A usage line with the command as typed, its continuation lines moved left as far as it shrank. */
    static String retyped(String synopsis, String written, String typed) {
        int at = synopsis.indexOf(written);
        if (at < 0) {
            return synopsis;
        }
        String indent = " ".repeat(written.length() - typed.length());
        String[] lines = (synopsis.substring(0, at) + typed + synopsis.substring(at + written.length())).split("\n", -1);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].startsWith(indent)) {
                lines[i] = lines[i].substring(indent.length());
            }
        }
        return String.join("\n", lines);
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
        } else if (failure instanceof SdkException aws) {
            message = AwsErrors.explain(aws);
        } else {
            message = "unexpected failure (" + failure.getClass().getSimpleName() + "), which is a bug in dmlflow: run"
                    + " again with --verbose and report what it prints";
        }
        console.error("Error: " + message);
        if (verbose) {
            java.io.StringWriter trace = new java.io.StringWriter();
            failure.printStackTrace(new java.io.PrintWriter(trace));
            console.error(trace.toString());
        }
        return code;
    }

    /**
     * A command line picocli cannot read: what is wrong in one line, the closest command or option
     * when one was misspelt, and a short usage line naming the script the person typed.
     */
    static int usageError(CommandLine.ParameterException mistake, Console console) {
        CommandLine where = mistake.getCommandLine();
        String script = script(where);
        String message = mistake.getMessage();
        if (mistake instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().get(0);
            if (first.startsWith("-")) {
                message = unknownOption(where, first.split("=", 2)[0], script);
            } else if (!where.getSubcommands().isEmpty()) {
                String closest = ParameterValidator.closest(first, where.getSubcommands().keySet());
                message = "'" + first + "' is not a command" + (closest == null ? ""
                        : ": did you mean " + script(where.getSubcommands().get(closest)) + "?");
            } else {
                message = script + " takes no argument '" + first + "'";
            }
        }
        console.error("Error: " + message);
        String more = where.getSubcommands().isEmpty() ? "[OPTIONS]" : "[COMMAND] [OPTIONS]";
        console.error("Usage: " + script + " " + more + "   (" + script + " --help lists "
                + (where.getSubcommands().isEmpty() ? "the options" : "the commands and options") + ")");
        return DeployerException.USAGE;
    }

    /** An option this command does not have: the one meant, or the commands that have it. */
    private static String unknownOption(CommandLine where, String option, String script) {
        // A misspelt long option has a closest one; a one-letter option is too short to guess from.
        List<String> names = where.getCommandSpec().options().stream().filter(o -> !o.hidden())
                .flatMap(o -> Arrays.stream(o.names())).filter(name -> name.startsWith("--")).toList();
        String closest = option.startsWith("--") ? ParameterValidator.closest(option, names) : null;
        if (closest != null) {
            return "unknown option " + option + " for " + script + ": did you mean " + closest + "?";
        }
        List<String> having = new ArrayList<>();
        collect(where.getCommandSpec().root().commandLine(), option, having);
        return "unknown option " + option + " for " + script + (having.isEmpty() ? ""
                : ": it is an option of " + String.join(", ", having));
    }

    private static void collect(CommandLine command, String option, List<String> having) {
        if (command.getCommandSpec().findOption(option) != null && command.getCommandSpec().parent() != null) {
            having.add(script(command));
        }
        command.getSubcommands().values().forEach(sub -> collect(sub, option, having));
    }

    /** How a person types the command: ./deploy.sh status, ./deploy.sh users add, ./remove.sh. */
    static String script(CommandLine command) {
        List<String> words = new ArrayList<>(Arrays.asList(command.getCommandSpec().qualifiedName(" ").split(" ")));
        words.remove(0);
        if (words.isEmpty() || words.get(0).equals("deploy")) {
            return String.join(" ", prepend("./deploy.sh", words.isEmpty() ? words : words.subList(1, words.size())));
        }
        if (words.get(0).equals("remove")) {
            return String.join(" ", prepend("./remove.sh", words.subList(1, words.size())));
        }
        return String.join(" ", prepend("./deploy.sh", words));
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> words = new ArrayList<>(List.of(first));
        words.addAll(rest);
        return words;
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
