package dmlflow.template;

import software.constructs.Construct;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretProps;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;

/**
 * The tracking server's own secrets: basic-auth's admin password, and the Flask secret key that
 * every task must share (sessions and CSRF tokens made by one task are checked by another).
 */
final class ServerSecrets extends Construct {
    static final String ADMIN_USERNAME = "admin";

    private final Secret adminPassword;
    private final Secret flaskSecretKey;

    ServerSecrets(Construct scope, String id) {
        super(scope, id);
        adminPassword = new Secret(this, "AdminPassword", SecretProps.builder()
                .description("dmlflow: MLflow basic-auth admin login (set once, when the user store is"
                        + " first created; change it later through MLflow)")
                .generateSecretString(SecretStringGenerator.builder()
                        .secretStringTemplate("{\"username\":\"" + ADMIN_USERNAME + "\"}")
                        .generateStringKey("password")
                        .excludeCharacters(Database.EXCLUDED_PASSWORD_CHARACTERS)
                        .passwordLength(24)
                        .build())
                .build());
        flaskSecretKey = new Secret(this, "FlaskSecretKey", SecretProps.builder()
                .description("dmlflow: Flask secret key shared by all MLflow tasks")
                .generateSecretString(SecretStringGenerator.builder()
                        .excludePunctuation(true)
                        .passwordLength(64)
                        .build())
                .build());
    }

    ISecret adminPassword() {
        return adminPassword;
    }

    ISecret flaskSecretKey() {
        return flaskSecretKey;
    }
}
