package dmlflow.deployer.command;

import dmlflow.deployer.console.Console;
import dmlflow.deployer.stack.StackState;
import java.util.Map;

/** How a deployed stack is used: its URL, the login, and lines to paste into a shell. */
final class Outputs {
    private Outputs() {
    }

    static void printUsage(Console console, StackState state, String region) {
        Map<String, String> outputs = state.outputs();
        String uri = outputs.get("TrackingUri");
        if (uri == null) {
            console.info("The stack has no TrackingUri output; its outputs: " + outputs);
            return;
        }
        String version = outputs.get("MlflowVersion");
        console.info("MLflow" + (version == null ? "" : " " + version) + " is ready at " + uri);
        boolean login = !"none".equals(state.parameters().get("AuthMode")) && outputs.containsKey("AdminSecretArn");
        String readPassword = "aws secretsmanager get-secret-value --secret-id " + outputs.get("AdminSecretArn")
                + " --region " + region + " --query SecretString --output text";
        if (login) {
            console.info("Log in as " + outputs.getOrDefault("AdminUsername", "admin")
                    + "; the password is in Secrets Manager:");
            console.info("  " + readPassword);
        } else {
            console.info("Authentication is off (AuthMode=none): anyone in AllowedCidr can use it.");
        }
        console.info("");
        console.info("To log runs from a shell:");
        console.info("  export MLFLOW_TRACKING_URI=" + uri);
        if (login) {
            console.info("  export MLFLOW_TRACKING_USERNAME=" + outputs.getOrDefault("AdminUsername", "admin"));
            console.info("  export MLFLOW_TRACKING_PASSWORD=\"$(" + readPassword
                    + " | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"password\"])')\"");
        }
    }
}
