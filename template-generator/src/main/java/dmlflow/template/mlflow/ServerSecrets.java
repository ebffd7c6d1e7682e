package dmlflow.template.mlflow;

import java.util.List;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretProps;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;

/**
 * The tracking server's own secrets: basic-auth's admin password, and the Flask secret key that
 * every task must share (sessions and CSRF tokens made by one task are checked by another). Both
 * outlive the stack, and a restored stack takes the kept ones.
 */
final class ServerSecrets extends Construct {
    static final String ADMIN_USERNAME = "admin";

    record Props(KeptSecrets.Choice adminPassword, KeptSecrets.Choice flaskSecretKey) {
        Props {
            Objects.requireNonNull(adminPassword, "adminPassword");
            Objects.requireNonNull(flaskSecretKey, "flaskSecretKey");
        }
    }

    private final KeptSecrets.Made adminPassword;
    private final KeptSecrets.Made flaskSecretKey;

    ServerSecrets(Construct scope, String id, Props props) {
        super(scope, id);
        adminPassword = KeptSecrets.login(this, "AdminPassword", "ServerSecretsAdminPassword",
                "dmlflow: MLflow basic-auth admin login (set once, when the user store is first created; change it"
                        + " later through MLflow)", ADMIN_USERNAME, 24, props.adminPassword());
        flaskSecretKey = KeptSecrets.newOrKept(this, "FlaskSecretKey", "ServerSecretsFlaskSecretKey", SecretProps.builder()
                .description("dmlflow: Flask secret key shared by all MLflow tasks")
                .generateSecretString(SecretStringGenerator.builder()
                        .excludePunctuation(true)
                        .passwordLength(64)
                        .build())
                .build(), props.flaskSecretKey());
    }

    ISecret adminPassword() {
        return adminPassword.used();
    }

    ISecret flaskSecretKey() {
        return flaskSecretKey.used();
    }

    /** The secrets this stack makes when no kept ones are given. */
    List<Secret> createdSecrets() {
        return List.of(adminPassword.created(), flaskSecretKey.created());
    }
}
