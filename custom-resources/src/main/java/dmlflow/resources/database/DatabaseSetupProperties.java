package dmlflow.resources.database;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.protocol.Properties;
import java.util.List;
import java.util.regex.Pattern;

/** Custom::MlflowDatabase properties, as the template writes them. */
record DatabaseSetupProperties(String endpoint, int port, String masterSecretArn, String userSecretArn,
        List<String> databases) {
    /** The properties the template sets (besides ServiceToken and ServiceTimeout). */
    static final List<String> NAMES = List.of("Endpoint", "Port", "MasterSecretArn", "UserSecretArn", "Databases",
            // Read by no one: changing it is what makes CloudFormation send an Update.
            "CredentialsVersion");
    static final String TYPE = "Custom::MlflowDatabase";
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
                p.strings("Databases", DATABASE, "database names of letters, digits and _"));
    }

    String address() {
        return endpoint + ":" + port;
    }
}
