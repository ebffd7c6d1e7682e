package dmlflow.resources.database;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.resources.protocol.ResourceFailure;
import java.io.IOException;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Reads {"username": …, "password": …} secrets. Errors name the secret, never its value. */
final class SecretLogins {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Supplier<SecretsManagerClient> client;

    SecretLogins(Supplier<SecretsManagerClient> client) {
        this.client = client;
    }

    Login read(String secretArn) {
        String text = client.get().getSecretValue(r -> r.secretId(secretArn)).secretString();
        if (text == null) {
            throw new ResourceFailure("secret " + secretArn + " has no string value");
        }
        JsonNode json;
        try {
            json = JSON.readTree(text);
        } catch (IOException e) {
            throw new ResourceFailure("secret " + secretArn + " is not JSON with username and password");
        }
        return new Login(field(json, secretArn, "username"), field(json, secretArn, "password"));
    }

    private static String field(JsonNode json, String secretArn, String name) {
        JsonNode value = json == null ? null : json.get(name);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new ResourceFailure("secret " + secretArn + " has no '" + name + "' field");
        }
        return value.asText();
    }
}
