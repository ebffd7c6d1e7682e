package dmlflow.deployer.command;

import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.stack.NextStep;
import dmlflow.deployer.stack.StackState;
import java.util.Map;

/** How a deployed stack is used: its URL, the login, and lines to paste into a shell. */
final class Outputs {
    private Outputs() {
    }

    /**
     * Prints how to use the server, ending on the line that says it is ready; a stack without a
     * TrackingUri output (one that is gone, never got that far, or is not dmlflow's) is no server
     * to use, and that is a failure that says what to run next.
     */
    static void printUsage(Console console, StackState state, String region) {
        if (!state.exists() || state.neverDeployed()) {
            throw DeployerException.failed("stack " + state.name() + " is " + state.status() + ". "
                    + NextStep.after(state.status(), state.name()));
        }
        Map<String, String> outputs = state.outputs();
        String uri = outputs.get("TrackingUri");
        if (!NextStep.serving(state.status())) {
            throw DeployerException.failed("stack " + state.name() + " is " + state.status() + (uri == null ? ""
                    : ": its server at " + uri + " may not work as it should") + ". "
                    + NextStep.after(state.status(), state.name()));
        }
        if (uri == null) {
            throw DeployerException.failed("stack " + state.name() + " is " + state.status() + " but has no TrackingUri"
                    + " output, so there is no tracking server to use: it was not made from dmlflow's template"
                    + (outputs.isEmpty() ? " (it has no outputs at all)" : " (its outputs: "
                    + String.join(", ", outputs.keySet()) + ")") + ". ./deploy.sh --stack-name " + state.name()
                    + " puts dmlflow's template on it; --stack-name names another stack.");
        }
        boolean login = !"none".equals(state.parameters().get("AuthMode")) && outputs.containsKey("AdminSecretArn");
        String readPassword = "aws secretsmanager get-secret-value --secret-id " + outputs.get("AdminSecretArn")
                + " --region " + region + " --query SecretString --output text";
        String signIn = state.parameters().getOrDefault("SignIn", "basic");
        if (login && !"basic".equals(signIn)) {
            console.info("People sign in at " + uri + " with " + ("cognito".equals(signIn)
                    ? "the stack's Cognito user pool. Invite each one (the e-mail brings a temporary password):"
                    : "your identity provider (their first sign-in makes their MLflow user)."));
            if ("cognito".equals(signIn)) {
                console.info("  aws cognito-idp admin-create-user --region " + region + " --user-pool-id "
                        + outputs.getOrDefault("CognitoUserPoolId", "POOL_ID") + " --username PERSON@EXAMPLE.COM"
                        + " --user-attributes Name=email,Value=PERSON@EXAMPLE.COM Name=email_verified,Value=true");
            }
            console.info("Scripts: a signed-in person gets a password of their own at " + uri + "/dmlflow/token.");
        }
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
        console.info("");
        String version = outputs.get("MlflowVersion");
        console.success("Stack " + state.name() + " is " + state.status() + ": MLflow" + (version == null ? "" : " " + version)
                + " is ready at " + uri);
    }
}
