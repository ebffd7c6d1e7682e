package dmlflow.resources.database;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.protocol.InvalidRequestException;
import dmlflow.resources.protocol.Properties;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Custom::MlflowDatabase and Custom::MlflowDatabasePassword properties, as the template writes
 * them: the same connection, and for the second, {@code Step: DiscardOldPassword}.
 */
record DatabaseSetupProperties(String endpoint, int port, String masterSecretArn, String userSecretArn,
        List<String> databases, Step step) {
    /** What a request does: set up databases and user, or end a password rotation. */
    enum Step { SETUP, DISCARD_OLD_PASSWORD }

    /** The properties the template sets (besides ServiceToken and ServiceTimeout). */
    static final List<String> NAMES = List.of("Endpoint", "Port", "MasterSecretArn", "UserSecretArn", "Databases",
            // Read by no one: changing it is what makes CloudFormation send an Update.
            "CredentialsVersion");
    static final String TYPE = "Custom::MlflowDatabase";
    /** Ends a rotation once the tasks with the new password are healthy (it depends on the health gate). */
    static final String PASSWORD_TYPE = "Custom::MlflowDatabasePassword";
    static final List<String> PASSWORD_NAMES = List.of("Endpoint", "Port", "MasterSecretArn", "UserSecretArn",
            "Databases", "CredentialsVersion", "Step");
    static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}");
    static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_]{1,64}");
    static final Pattern SECRET = Pattern.compile("arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+");

    static DatabaseSetupProperties parse(JsonNode node) {
        Properties p = new Properties(node, TYPE);
        return new DatabaseSetupProperties(
                p.string("Endpoint", HOST, "a host name"),
                p.integer("Port", 1, 65535),
                p.string("MasterSecretArn", SECRET, "a Secrets Manager secret ARN"),
                p.string("UserSecretArn", SECRET, "a Secrets Manager secret ARN"),
                p.strings("Databases", DATABASE, "database names of letters, digits and _"),
                step(node.path("Step")));
    }

    private static Step step(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return Step.SETUP;
        }
        return switch (value.asText()) {
            case "Setup" -> Step.SETUP;
            case "DiscardOldPassword" -> Step.DISCARD_OLD_PASSWORD;
            default -> throw new InvalidRequestException("Step must be Setup or DiscardOldPassword, not '"
                    + value.asText() + "'");
        };
    }

    String address() {
        return endpoint + ":" + port;
    }
}
