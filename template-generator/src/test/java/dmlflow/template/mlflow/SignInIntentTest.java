package dmlflow.template.mlflow;

import static dmlflow.template.Templates.mlflow;
import static dmlflow.template.Templates.ofType;
import static dmlflow.template.Templates.references;
import static dmlflow.template.Templates.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * SignIn oidc and cognito (issue 17): browsers sign in at the load balancer, scripts with
 * credentials pass to MLflow, which trusts only this load balancer's signature.
 */
class SignInIntentTest {
    private static final String SIGNS_IN = "SignsInAtLoadBalancer";

    /** The HTTPS listener's rules by priority. */
    private static Map<Integer, JsonNode> httpsRules() {
        Map<Integer, JsonNode> rules = new TreeMap<>();
        for (Map.Entry<String, JsonNode> rule : ofType("AWS::ElasticLoadBalancingV2::ListenerRule")) {
            JsonNode properties = rule.getValue().path("Properties");
            if (references(properties.path("ListenerArn")).contains("LoadBalancerHttps")) {
                assertThat(rules.put(properties.path("Priority").asInt(), rule.getValue()))
                        .as("priorities are unique per listener").isNull();
            }
        }
        return rules;
    }

    private static List<String> values(JsonNode rule, String field, String config) {
        List<String> values = new ArrayList<>();
        for (JsonNode condition : rule.path("Properties").path("Conditions")) {
            if (condition.path("Field").asText().equals(field)) {
                condition.path(config).path("Values").forEach(v -> values.add(v.asText()));
            }
        }
        return values;
    }

    /** The action lists a rule may take: both branches of Fn::If (cognito, oidc), or its one list. */
    private static List<JsonNode> actionLists(JsonNode actions) {
        if (actions.has("Fn::If")) {
            List<JsonNode> lists = new ArrayList<>();
            lists.addAll(actionLists(actions.get("Fn::If").get(1)));
            lists.addAll(actionLists(actions.get("Fn::If").get(2)));
            return lists;
        }
        return List.of(actions);
    }

    private static void assertAuthenticatesThenForwards(JsonNode actions, String onUnauthenticated) {
        List<JsonNode> lists = actionLists(actions);
        assertThat(lists).hasSize(2);
        List<String> types = new ArrayList<>();
        for (JsonNode list : lists) {
            assertThat(list).hasSize(2);
            JsonNode authenticate = list.get(0);
            types.add(authenticate.path("Type").asText());
            JsonNode config = authenticate.has("AuthenticateOidcConfig") ? authenticate.get("AuthenticateOidcConfig")
                    : authenticate.get("AuthenticateCognitoConfig");
            assertThat(config.path("OnUnauthenticatedRequest").asText()).isEqualTo(onUnauthenticated);
            assertThat(config.path("Scope").asText()).contains("openid", "email");
            assertThat(authenticate.path("Order").asInt()).isLessThan(list.get(1).path("Order").asInt());
            assertThat(list.get(1).path("Type").asText()).isEqualTo("forward");
        }
        assertThat(types).containsExactly("authenticate-cognito", "authenticate-oidc");
    }

    @Test
    void requestsWithCredentialsAndHealthChecksPassAndEverythingElseSignsIn() {
        Map<Integer, JsonNode> rules = httpsRules();
        assertThat(rules).containsOnlyKeys(1, 2, 3, 4);
        rules.values().forEach(rule -> assertThat(rule.path("Condition").asText()).isEqualTo(SIGNS_IN));
        // 1: a script's basic credentials (or a token page's password) go to MLflow, which checks them.
        JsonNode credentials = rules.get(1).path("Properties");
        assertThat(credentials.path("Conditions").get(0).path("HttpHeaderConfig").path("HttpHeaderName").asText())
                .isEqualTo("Authorization");
        assertThat(values(rules.get(1), "http-header", "HttpHeaderConfig")).containsExactly("*");
        assertThat(credentials.path("Actions")).hasSize(1);
        assertThat(credentials.path("Actions").get(0).path("Type").asText()).isEqualTo("forward");
        // 2: monitors and the health gate's first probe, never sent to the identity provider.
        assertThat(values(rules.get(2), "path-pattern", "PathPatternConfig")).containsExactly("/health", "/version");
        assertThat(rules.get(2).path("Properties").path("Actions").get(0).path("Type").asText()).isEqualTo("forward");
        // 3 and 4: the UI's background calls get 401 when the session has expired, not a redirect.
        List<String> denied = new ArrayList<>(values(rules.get(3), "path-pattern", "PathPatternConfig"));
        denied.addAll(values(rules.get(4), "path-pattern", "PathPatternConfig"));
        assertThat(denied).containsExactlyInAnyOrder("/ajax-api/*", "/api/*", "/graphql", "/get-artifact",
                "/model-versions/get-artifact");
        assertAuthenticatesThenForwards(rules.get(3).path("Properties").path("Actions"), "deny");
        assertAuthenticatesThenForwards(rules.get(4).path("Properties").path("Actions"), "deny");
        for (JsonNode rule : rules.values()) {
            assertThat(values(rule, "path-pattern", "PathPatternConfig")).as("ELB: 3 values per path condition")
                    .hasSizeLessThanOrEqualTo(3);
        }
    }

    @Test
    void theHttpsListenerSignsInByDefaultOnlyWhenSignInIsOn() {
        JsonNode defaults = resource("LoadBalancerHttps").path("Properties").path("DefaultActions").path("Fn::If");
        assertThat(defaults.get(0).asText()).isEqualTo(SIGNS_IN);
        assertAuthenticatesThenForwards(defaults.get(1), "authenticate");
        assertThat(defaults.get(2)).hasSize(1);
        assertThat(defaults.get(2).get(0).path("Type").asText()).isEqualTo("forward");
    }

    @Test
    void signInNeedsTheHttpsListenerAndTheRulesSayWhyBeforeAnythingChanges() {
        JsonNode condition = mlflow().path("Conditions").path(SIGNS_IN).path("Fn::And");
        assertThat(condition.toString()).contains("{\"Condition\":\"HasCertificate\"}");
        JsonNode rule = mlflow().path("Rules").path("SignInNeedsHttpsAndBasicAuth");
        assertThat(rule.path("RuleCondition").toString()).contains("SignIn", "basic");
        assertThat(rule.path("Assertions").toString()).contains("HostedZoneId", "CertificateArn", "DomainName", "AuthMode");
        assertThat(mlflow().path("Rules").path("OidcNeedsItsProvider").path("Assertions").toString())
                .contains("OidcIssuer", "OidcAuthorizationEndpoint", "OidcTokenEndpoint", "OidcUserInfoEndpoint",
                        "OidcClientId", "OidcClientSecretArn");
        assertThat(mlflow().path("Parameters").path("SignIn").path("Default").asText()).isEqualTo("basic");
    }

    @Test
    void theClientSecretIsADynamicReferenceNeverAValue() {
        String template = mlflow().toString();
        assertThat(template).contains("{{resolve:secretsmanager:");
        mlflow().path("Parameters").fieldNames().forEachRemaining(name -> {
            if (name.toLowerCase().contains("clientsecret")) {
                assertThat(name).as("only the secret's ARN and version are parameters").isIn("OidcClientSecretArn",
                        "OidcClientSecretVersion");
            }
        });
        for (JsonNode list : actionLists(resource("LoadBalancerApiDeniedWithoutSession").path("Properties").path("Actions"))) {
            JsonNode oidc = list.get(0).path("AuthenticateOidcConfig");
            if (!oidc.isMissingNode()) {
                assertThat(oidc.path("ClientSecret").path("Fn::Join").get(1).get(0).asText())
                        .isEqualTo("{{resolve:secretsmanager:");
            }
        }
    }

    @Test
    void theLoadBalancerMayReachTheIdentityProviderOnlyWhenSigningIn() {
        JsonNode egress = resource("LoadBalancerSignInEgress");
        assertThat(egress.path("Condition").asText()).isEqualTo(SIGNS_IN);
        assertThat(egress.path("Properties").path("FromPort").asInt()).isEqualTo(443);
        assertThat(egress.path("Properties").path("ToPort").asInt()).isEqualTo(443);
        assertThat(references(egress.path("Properties").path("GroupId"))).containsExactly("LoadBalancerSecurityGroup");
        // Otherwise EC2's default allow-all egress would stay, and the rule above would mean nothing.
        JsonNode inline = resource("LoadBalancerSecurityGroup").path("Properties").path("SecurityGroupEgress");
        assertThat(inline).as("an inline egress rule removes the default one").hasSize(1);
        assertThat(inline.get(0).path("FromPort").asInt()).isEqualTo(LoadBalancer.SERVER_PORT);
        assertThat(references(inline.get(0).path("CidrIp"))).containsExactly("NetworkVpc");
    }

    @Test
    void theServerTrustsOnlyThisLoadBalancersSignatureAndItsClient() {
        Map<String, JsonNode> environment = new TreeMap<>();
        for (JsonNode variable : resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0)
                .path("Environment")) {
            environment.put(variable.path("Name").asText(), variable.path("Value"));
        }
        assertThat(references(environment.get("DMLFLOW_SIGNIN_SIGNER"))).containsExactly("LoadBalancerAlb");
        assertThat(environment.get("DMLFLOW_SIGNIN").path("Fn::If").get(0).asText()).isEqualTo(SIGNS_IN);
        assertThat(environment.get("DMLFLOW_SIGNIN").path("Fn::If").get(2).asText()).isEqualTo("basic");
        assertThat(references(environment.get("DMLFLOW_SIGNIN_CLIENT")))
                .containsExactlyInAnyOrder("CognitoLoadBalancerClient", "OidcClientId");
        assertThat(references(environment.get("DMLFLOW_ADMIN_EMAILS"))).containsExactly("AdminEmails");
        assertThat(references(environment.get("DMLFLOW_SIGNIN_UNVERIFIED_EMAILS"))).containsExactly("OidcUnverifiedEmails");
    }

    @Test
    void theCognitoPoolIsPeoplesAccountsAndOutlivesSignInChangesAndTheStack() {
        JsonNode pool = resource("CognitoUserPool");
        assertThat(pool.path("Condition").asText()).as("kept while its prefix is, whatever SignIn says")
                .isEqualTo("KeepsCognitoUserPool");
        assertThat(pool.path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(pool.path("UpdateReplacePolicy").asText()).isEqualTo("Retain");
        JsonNode properties = pool.path("Properties");
        assertThat(properties.path("AdminCreateUserConfig").path("AllowAdminCreateUserOnly").asBoolean()).isTrue();
        assertThat(properties.path("UsernameAttributes").toString()).isEqualTo("[\"email\"]");
        assertThat(references(properties.path("MfaConfiguration"))).containsExactly("CognitoMfa");
        assertThat(mlflow().path("Parameters").path("CognitoMfa").path("Default").asText()).isEqualTo("ON");
        JsonNode client = resource("CognitoLoadBalancerClient").path("Properties");
        assertThat(client.path("GenerateSecret").asBoolean()).isTrue();
        assertThat(client.path("AllowedOAuthFlows").toString()).isEqualTo("[\"code\"]");
        assertThat(client.path("CallbackURLs").toString()).contains("/oauth2/idpresponse", "DomainName");
        assertThat(mlflow().path("Conditions").path("SignsInWithCognito").toString())
                .as("the actions refer to the pool only when it exists").contains("KeepsCognitoUserPool");
    }
}
