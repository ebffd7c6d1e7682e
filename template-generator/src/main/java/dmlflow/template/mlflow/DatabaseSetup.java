package dmlflow.template.mlflow;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;

/**
 * {@code Custom::MlflowDatabase}: creates MLflow's databases and the least-privilege user the
 * tasks log in with.
 *
 * <p>Properties: {@code Endpoint}, {@code Port}, {@code MasterSecretArn}, {@code UserSecretArn}
 * (the secret {@code {username,password}} of the tasks' user), {@code Databases} (list),
 * {@code CredentialsVersion} (a trigger: changing it re-applies the password, keeping the old one
 * valid on MySQL 8 until {@link #discardOldPasswordAfter} ends the rotation). Returns
 * {@code Username}.
 */
final class DatabaseSetup extends Construct {
    static final String TYPE = CustomResourceTypes.DATABASE;
    static final String HANDLER = "dmlflow.resources.database.DatabaseSetupHandler::handleRequest";
    static final String TRACKING_DATABASE = "mlflow";
    static final String AUTH_DATABASE = "mlflow_auth";

    record Props(Network network, Database database, CustomResourceFunction.Code code, CfnCondition basicAuth,
            String credentialsVersion) {
        Props {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(basicAuth, "basicAuth");
            Objects.requireNonNull(credentialsVersion, "credentialsVersion");
        }
    }

    static final String PASSWORD_TYPE = "Custom::MlflowDatabasePassword";

    private final CustomResourceFunction function;
    private final Map<String, Object> connection;
    private final Network network;
    private final CustomResource resource;

    DatabaseSetup(Construct scope, String id, Props props) {
        super(scope, id);
        network = props.network();
        function = new CustomResourceFunction(this, "Handler", new CustomResourceFunction.Props(
                HANDLER, "creates the MLflow databases and their user", Duration.seconds(300),
                props.code(), props.network()));
        function.grant(List.of("secretsmanager:GetSecretValue"),
                List.of(props.database().masterSecret().getSecretArn(), props.database().appUserSecret().getSecretArn()));
        props.database().allowFrom(function.securityGroup(), "MySQL from the database-setup function");

        Object databases = Fn.conditionIf(props.basicAuth().getLogicalId(),
                List.of(TRACKING_DATABASE, AUTH_DATABASE), List.of(TRACKING_DATABASE));
        connection = Map.of(
                "Endpoint", props.database().endpoint(),
                "Port", props.database().port(),
                "MasterSecretArn", props.database().masterSecret().getSecretArn(),
                "UserSecretArn", props.database().appUserSecret().getSecretArn(),
                "Databases", databases,
                // Not read by the handler: a new value makes CloudFormation send an Update, which sets
                // the user's password again from its (rotated) secret.
                "CredentialsVersion", props.credentialsVersion());
        resource = function.resource("Resource", TYPE, connection);
        // The function answers through the NAT or the S3 endpoint, and needs the writer instance.
        props.network().requireEgress(resource);
        resource.getNode().addDependency(props.database().writer());
    }

    CustomResource resource() {
        return resource;
    }

    /**
     * {@code Custom::MlflowDatabasePassword}: once the tasks with a rotated password are healthy
     * (after {@code healthGate}), the old password, kept valid while they rolled out, is discarded.
     * Created and updated with the same CredentialsVersion, so it runs exactly when a rotation does.
     */
    void discardOldPasswordAfter(Construct healthGate) {
        Map<String, Object> properties = new java.util.TreeMap<>(connection);
        properties.put("Step", "DiscardOldPassword");
        CustomResource discard = function.resource("Password", PASSWORD_TYPE, properties);
        discard.getNode().addDependency(healthGate);
        network.requireEgress(discard);
    }
}
