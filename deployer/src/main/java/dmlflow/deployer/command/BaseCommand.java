package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.aws.Identity;
import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.stack.NextStep;
import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.stack.StackWatcher;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Mixin;

/** What every subcommand has: the shared options, the console, and a way to reach AWS. */
public abstract class BaseCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    Console console;
    Function<CommonOptions, AwsSession> sessions;
    final Clock clock = Clock.systemUTC();

    /** What picocli cannot give a command: the run's console and how to reach AWS. */
    public void connect(Console console, Function<CommonOptions, AwsSession> sessions) {
        this.console = console;
        this.sessions = sessions;
    }

    /** --verbose: failures with their stack traces. */
    public boolean verbose() {
        return options != null && options.verbose;
    }

    AwsSession session() {
        options.validate();
        if (change() != null) {
            change().validate();
        }
        return sessions.apply(options);
    }

    /** --yes and --timeout-minutes, for a command that changes a stack and follows it; null otherwise. */
    ChangeOptions change() {
        return null;
    }

    StackWatcher watcher(AwsSession aws) {
        return new StackWatcher(aws.cloudFormation(), console, options.poll(),
                change() != null ? change().timeout() : new ChangeOptions().timeout(), clock);
    }

    /** Who and where, before anything changes; fails early on missing or expired credentials. */
    Identity announce(AwsSession aws, String doing) {
        Identity who = Identity.check(aws.sts());
        console.info(doing + " stack " + options.stackName + " in account " + who.account() + ", region "
                + aws.region().id() + ", as " + who.arn());
        return who;
    }

    /** Deletes a stack by id (which still answers once it is gone) and follows it to the end. */
    StackWatcher.Result deleteAndWatch(AwsSession aws, StackState state) {
        String id = state.stack().stackId();
        StackWatcher watcher = watcher(aws);
        String before = watcher.newestEvent(id);
        aws.cloudFormation().deleteStack(r -> r.stackName(id));
        return watcher.watch(id, before, 0);
    }

    /** The stack of --stack-name, for a command that reads it; a sentence saying where it looked otherwise. */
    StackState existingStack(AwsSession aws) {
        StackState state = StackState.describe(aws.cloudFormation(), options.stackName);
        if (!state.exists()) {
            throw DeployerException.failed("stack " + options.stackName + " does not exist in " + aws.region().id()
                    + ": ./deploy.sh creates it (--stack-name and --region name another)");
        }
        return state;
    }

    /** A followed operation's end: the cause, the stack's status and the next step when it failed. */
    void requireSucceeded(String stack, StackWatcher.Result result) {
        if (!result.succeeded()) {
            throw DeployerException.failed("deployment failed: " + result.rootCause() + "\nThe stack is now "
                    + result.finalStatus() + ". " + NextStep.after(result.finalStatus(), stack));
        }
    }

    void refuseWhenBusy(StackState state) {
        if (state.busy()) {
            throw DeployerException.failed("stack " + state.name() + " is " + state.status()
                    + ": wait for it to finish (./deploy.sh status shows where it is) and run again");
        }
    }
}
