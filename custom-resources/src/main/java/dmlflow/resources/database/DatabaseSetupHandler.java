package dmlflow.resources.database;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.aws.CloudFormationStackStatus;
import dmlflow.resources.protocol.AnswerSender;
import dmlflow.resources.protocol.CustomResourceHandler;
import dmlflow.resources.protocol.CustomResourceRequest;
import dmlflow.resources.protocol.Deadline;
import dmlflow.resources.protocol.HttpAnswerSender;
import dmlflow.resources.protocol.Lazy;
import dmlflow.resources.protocol.Outcome;
import dmlflow.resources.protocol.Progress;
import dmlflow.resources.protocol.ResourceFailure;
import dmlflow.resources.protocol.StackStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code Custom::MlflowDatabase}: creates MLflow's databases (utf8mb4) and the user the tasks log
 * in with, sets its password from the user secret (Update sets it again, so a rotated secret
 * takes effect; on MySQL 8 the old password stays valid beside it) and grants it everything on
 * exactly the listed databases. {@code Custom::MlflowDatabasePassword} ({@code Step:
 * DiscardOldPassword}), which waits for the health gate, then discards the old password. Delete
 * keeps it all: the cluster's own deletion policy decides about data.
 */
public final class DatabaseSetupHandler extends CustomResourceHandler<DatabaseSetupProperties> {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(5);
    /** MySQL's "Access denied": retrying with the same password cannot help. */
    private static final int ACCESS_DENIED = 1045;

    private final SecretLogins secrets;
    private final MysqlConnector connector;

    public DatabaseSetupHandler() {
        this(new HttpAnswerSender(), Clock.systemUTC(), new CloudFormationStackStatus(), new Lazy<>(AwsClients::secretsManager),
                new MysqlConnector(System.getenv().getOrDefault("DMLFLOW_DB_SSL_MODE", "REQUIRED")));
    }

    DatabaseSetupHandler(AnswerSender sender, Clock clock, StackStatus stackStatus, Supplier<SecretsManagerClient> secrets, MysqlConnector connector) {
        super(sender, clock, stackStatus);
        this.secrets = new SecretLogins(secrets);
        this.connector = connector;
    }

    @Override
    protected DatabaseSetupProperties parseProperties(JsonNode properties) {
        return DatabaseSetupProperties.parse(properties);
    }

    /** Update does the same (the protocol's default): a rotated user secret is set again. */
    @Override
    protected Outcome create(CustomResourceRequest<DatabaseSetupProperties> request, Deadline deadline, Progress progress)
            throws Exception {
        DatabaseSetupProperties properties = request.properties();
        return properties.step() == DatabaseSetupProperties.Step.DISCARD_OLD_PASSWORD
                ? discardOldPassword(properties, deadline, progress) : createDatabasesAndUser(properties, deadline, progress);
    }

    @Override
    protected Outcome delete(CustomResourceRequest<DatabaseSetupProperties> request, Deadline deadline, Progress progress) {
        return Outcome.done();
    }

    /** After the tasks with the new password are healthy: the old one, retained during the rollout, stops working. */
    private Outcome discardOldPassword(DatabaseSetupProperties properties, Deadline deadline, Progress progress)
            throws Exception {
        Login master = secrets.read(properties.masterSecretArn());
        Login user = secrets.read(properties.userSecretArn());
        try (Connection connection = connectWithRetry(properties, master, deadline, progress)) {
            progress.now("DISCARD OLD PASSWORD of " + user.username() + " on " + properties.address());
            new MysqlAccounts(connection).discardOldPassword(user.username());
        }
        return Outcome.done(Map.of("Username", user.username()));
    }

    private Outcome createDatabasesAndUser(DatabaseSetupProperties properties, Deadline deadline, Progress progress)
            throws Exception {
        progress.now("the master secret " + properties.masterSecretArn());
        Login master = secrets.read(properties.masterSecretArn());
        progress.now("the user secret " + properties.userSecretArn());
        Login user = secrets.read(properties.userSecretArn());
        if (user.username().equals(master.username())) {
            throw new ResourceFailure("the user secret names the master user " + master.username()
                    + "; MLflow needs a user of its own");
        }
        try (Connection connection = connectWithRetry(properties, master, deadline, progress)) {
            MysqlAccounts accounts = new MysqlAccounts(connection);
            for (String database : properties.databases()) {
                progress.now("CREATE DATABASE " + database + " on " + properties.address());
                accounts.createDatabase(database);
            }
            progress.now("the user " + user.username() + " on " + properties.address());
            accounts.createOrResetUser(user);
            accounts.grantAll(user.username(), properties.databases());
        }
        return Outcome.done(Map.of("Username", user.username()));
    }

    /**
     * Aurora Serverless v2 resuming from 0 ACU, or DNS that has not settled, refuses connections
     * for a while: retry until the deadline, but not a wrong password.
     */
    private Connection connectWithRetry(DatabaseSetupProperties properties, Login master, Deadline deadline,
            Progress progress) throws InterruptedException {
        String target = "the database at " + properties.address() + " to accept connections as " + master.username();
        progress.now(target);
        SQLException last;
        do {
            try {
                return connector.connect(properties.endpoint(), properties.port(), master, CONNECT_TIMEOUT);
            } catch (SQLException e) {
                last = e;
                if (e.getErrorCode() == ACCESS_DENIED) {
                    throw new ResourceFailure("cannot log in to " + properties.address() + " as " + master.username()
                            + ": " + firstLine(e) + " (does the master secret match the cluster?)");
                }
                progress.now(target + " (last error: " + firstLine(e) + ")");
            }
            deadline.sleep(RETRY_PAUSE);
        } while (!deadline.passed());
        throw new ResourceFailure("cannot connect to " + properties.address() + " as " + master.username()
                + " before the deadline: " + firstLine(last));
    }

    private static String firstLine(SQLException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        String first = newline < 0 ? message : message.substring(0, newline);
        Throwable cause = e.getCause();
        return cause != null && cause.getMessage() != null && !first.contains(cause.getMessage())
                ? first + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")" : first;
    }
}
