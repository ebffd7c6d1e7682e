package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.testing.TestConsole;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/** What a finished deploy tells a person about signing in, by the stack's SignIn. */
class OutputsTest {
    private static StackState stack(String signIn, Map<String, String> extraOutputs) {
        Map<String, String> outputs = new java.util.TreeMap<>(Map.of("TrackingUri", "https://mlflow.example.com",
                "AdminUsername", "admin", "MlflowVersion", "3.17.0",
                "AdminSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf"));
        outputs.putAll(extraOutputs);
        return new StackState("mlflow", Stack.builder().stackName("mlflow").stackStatus(StackStatus.UPDATE_COMPLETE)
                .parameters(Parameter.builder().parameterKey("SignIn").parameterValue(signIn).build(),
                        Parameter.builder().parameterKey("AuthMode").parameterValue("basic").build())
                .outputs(outputs.entrySet().stream().map(e -> Output.builder().outputKey(e.getKey())
                        .outputValue(e.getValue()).build()).toList())
                .build());
    }

    @Test
    void withSignInPeopleAreToldWhereToSignInAndScriptsWhereToGetAPassword() {
        TestConsole oidc = new TestConsole();
        Outputs.printUsage(oidc.console, stack("oidc", Map.of()), "eu-west-1");
        assertThat(oidc.out()).contains("People sign in at https://mlflow.example.com with your identity provider",
                "https://mlflow.example.com/dmlflow/token", "Log in as admin").doesNotContain("cognito-idp");

        TestConsole cognito = new TestConsole();
        Outputs.printUsage(cognito.console, stack("cognito", Map.of("CognitoUserPoolId", "eu-west-1_AbC123")), "eu-west-1");
        assertThat(cognito.out()).contains("Cognito user pool", "aws cognito-idp admin-create-user --region eu-west-1"
                + " --user-pool-id eu-west-1_AbC123", "/dmlflow/token");

        TestConsole basic = new TestConsole();
        Outputs.printUsage(basic.console, stack("basic", Map.of()), "eu-west-1");
        assertThat(basic.out()).contains("Log in as admin").doesNotContain("sign in at", "/dmlflow/token");
    }
}
