package dmlflow.deployer.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.stack.StackState;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * The tracking server's users, through MLflow's own API as the stack's admin (its password read
 * from the stack's admin secret): add, list, reset-password. A new password is printed once,
 * as the lines a user pastes into a shell, and stored nowhere by dmlflow.
 */
@Command(name = "users", mixinStandardHelpOptions = true,
        description = "Manage the tracking server's users (AuthMode basic) through MLflow's API, as the stack's admin.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.ResetPassword.class})
public final class UsersCommand implements Runnable {
    /** What MLflow's usernames are here: an email address or a plain name, nothing a shell or URL would bend. */
    static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "./deploy.sh users needs what to do:"
                + " ./deploy.sh users add NAME, ./deploy.sh users list or ./deploy.sh users reset-password NAME");
    }

    /** The stack's server and its admin, found from the stack's outputs and secret. */
    abstract static class UserCommand extends BaseCommand {
        String trackingUri;
        String adminUsername;

        MlflowUsers admin(AwsSession aws) {
            StackState state = existingStack(aws);
            if ("none".equals(state.parameters().get("AuthMode"))) {
                throw DeployerException.failed("stack " + options.stackName + " runs with AuthMode=none: there are no"
                        + " users to manage. ./deploy.sh -p AuthMode=basic turns sign-in on.");
            }
            trackingUri = state.output("TrackingUri").orElseThrow(() -> DeployerException.failed("stack "
                    + options.stackName + " has no TrackingUri output (it is " + state.status() + "): ./deploy.sh status"));
            String secretArn = state.output("AdminSecretArn").orElseThrow(() -> DeployerException.failed("stack "
                    + options.stackName + " has no AdminSecretArn output: deploy it again with this dmlflow"));
            adminUsername = state.output("AdminUsername").orElse("admin");
            return new MlflowUsers(trackingUri, adminUsername, password(aws, secretArn), secretArn);
        }

        private static String password(AwsSession aws, String secretArn) {
            String text;
            try {
                text = aws.secretsManager().getSecretValue(r -> r.secretId(secretArn)).secretString();
            } catch (ResourceNotFoundException gone) {
                throw DeployerException.failed("the admin secret " + secretArn + " is gone (deleted outside the stack?):"
                        + " restore it in Secrets Manager (a deleted secret can be restored for 7 to 30 days)");
            }
            try {
                JsonNode secret = new ObjectMapper().readTree(text);
                if (secret.path("password").isTextual()) {
                    return secret.path("password").asText();
                }
            } catch (IOException notJson) {
                // Said below, without the secret's text.
            }
            throw DeployerException.failed("the admin secret " + secretArn + " holds no JSON with a \"password\" field,"
                    + " as the stack made it: put {\"username\":\"admin\",\"password\":\"…\"} back into it");
        }

        static String checkedName(String username) {
            if (!USERNAME.matcher(username).matches()) {
                throw DeployerException.usage("'" + username + "' is not a username here: up to 128 letters, digits and"
                        + " . _ @ + -, starting with a letter or digit (an email address works)");
            }
            return username;
        }

        void printLogin(String username, String password) {
            console.info("Their password is shown this once; dmlflow keeps no copy. Hand them these lines:");
            console.info("  export MLFLOW_TRACKING_URI=" + trackingUri);
            console.info("  export MLFLOW_TRACKING_USERNAME=" + username);
            console.info("  export MLFLOW_TRACKING_PASSWORD=" + password);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create a user with a new random password, printed once.")
    static final class Add extends UserCommand {
        @Parameters(paramLabel = "USERNAME", description = "The new user's name, for example an email address.")
        String username;

        @Option(names = "--admin", description = "Make them an admin: they may do anything, other users included.")
        boolean makeAdmin;

        @Override
        public Integer call() {
            checkedName(username);
            try (AwsSession aws = session()) {
                MlflowUsers users = admin(aws);
                String password = MlflowUsers.newPassword();
                users.create(username, password);
                if (makeAdmin) {
                    users.makeAdmin(username);
                }
                console.info("Created " + (makeAdmin ? "admin " : "user ") + username + " on " + trackingUri
                        + (makeAdmin ? "." : ": they may read what DefaultPermission allows; grant more in MLflow's UI."));
                printLogin(username, password);
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the users, admins marked.")
    static final class ListUsers extends UserCommand {
        @Override
        public Integer call() {
            try (AwsSession aws = session()) {
                List<MlflowUsers.User> users = admin(aws).list();
                int width = users.stream().mapToInt(user -> user.username().length()).max().orElse(4);
                console.info(String.format("%-" + Math.max(width, 8) + "s  %s", "USERNAME", "ROLE"));
                users.forEach(user -> console.info(String.format("%-" + Math.max(width, 8) + "s  %s", user.username(),
                        user.admin() ? "admin" : "user")));
                return 0;
            }
        }
    }

    @Command(name = "reset-password", mixinStandardHelpOptions = true,
            description = "Give a user a new random password, printed once; the old one stops working.")
    static final class ResetPassword extends UserCommand {
        @Parameters(paramLabel = "USERNAME", description = "The user whose password to replace.")
        String username;

        @Override
        public Integer call() {
            checkedName(username);
            try (AwsSession aws = session()) {
                MlflowUsers users = admin(aws);
                if (username.equals(adminUsername)) {
                    throw DeployerException.failed("the admin's password is the one in the stack's admin secret, which"
                            + " this command signs in with: change it in MLflow's UI (Account, change password) and then"
                            + " put the new one into the secret (./deploy.sh outputs shows AdminSecretArn)");
                }
                String password = MlflowUsers.newPassword();
                users.setPassword(username, password);
                console.info("New password for " + username + " on " + trackingUri + "; the old one is refused from now"
                        + " on (a task that checked it in the last minute may still take it until its cache ends).");
                printLogin(username, password);
                return 0;
            }
        }
    }
}
