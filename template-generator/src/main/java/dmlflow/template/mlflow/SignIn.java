package dmlflow.template.mlflow;

import dmlflow.template.cdk.Json;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnDeletionPolicy;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.cognito.CfnUserPool;
import software.amazon.awscdk.services.cognito.CfnUserPoolClient;
import software.amazon.awscdk.services.cognito.CfnUserPoolDomain;

/**
 * Who the load balancer lets through to MLflow when SignIn is oidc or cognito: people sign in
 * there with the company's identity provider, or with a Cognito user pool made here, and MLflow
 * trusts the load balancer's signed {@code x-amzn-oidc-data} header (container/dmlflow_signin.py).
 *
 * <p>The user pool is people's accounts: it exists while CognitoDomainPrefix is given, whatever
 * SignIn says, so cognito → basic → cognito keeps everyone, and it is retained when it leaves the
 * stack (cleared prefix, deleted stack).
 */
final class SignIn extends Construct {
    /**
     * How long the load balancer's session cookie lasts: a working day. The longest a person removed
     * from the identity provider keeps using the UI (README, Offboarding); the default is 7 days.
     */
    static final int SESSION_SECONDS = 12 * 3600;
    /** What the load balancer asks the provider for: the e-mail is the MLflow user's name. */
    static final String SCOPE = "openid email";
    /** Where a provider sends people back to the load balancer (ELB guide, "Prepare to use an OIDC-compliant IdP"). */
    static final String CALLBACK_PATH = "/oauth2/idpresponse";

    record Oidc(String issuer, String authorizationEndpoint, String tokenEndpoint, String userInfoEndpoint,
            String clientId, String clientSecretArn, String clientSecretVersion, CfnCondition versionGiven,
            String unverifiedEmails) {
        Oidc {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(authorizationEndpoint, "authorizationEndpoint");
            Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
            Objects.requireNonNull(userInfoEndpoint, "userInfoEndpoint");
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecretArn, "clientSecretArn");
            Objects.requireNonNull(clientSecretVersion, "clientSecretVersion");
            Objects.requireNonNull(versionGiven, "versionGiven");
            Objects.requireNonNull(unverifiedEmails, "unverifiedEmails");
        }
    }

    record Cognito(String domainPrefix, CfnCondition keepsPool, String mfa, CfnCondition mfaOff) {
        Cognito {
            Objects.requireNonNull(domainPrefix, "domainPrefix");
            Objects.requireNonNull(keepsPool, "keepsPool");
            Objects.requireNonNull(mfa, "mfa");
            Objects.requireNonNull(mfaOff, "mfaOff");
        }
    }

    /** {@code signsIn}: oidc or cognito, with the HTTPS listener that sign-in needs. */
    record Props(String mode, CfnCondition signsIn, CfnCondition oidc, CfnCondition cognito, Oidc oidcProvider,
            Cognito cognitoPool, String domainName, String adminEmails) {
        Props {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(signsIn, "signsIn");
            Objects.requireNonNull(oidc, "oidc");
            Objects.requireNonNull(cognito, "cognito");
            Objects.requireNonNull(oidcProvider, "oidcProvider");
            Objects.requireNonNull(cognitoPool, "cognitoPool");
            Objects.requireNonNull(domainName, "domainName");
            Objects.requireNonNull(adminEmails, "adminEmails");
        }
    }

    private final Props props;
    private final CfnUserPool pool;
    private final CfnUserPoolDomain domain;
    private final CfnUserPoolClient client;

    SignIn(Construct scope, String id, Props props) {
        super(scope, id);
        this.props = props;
        Cognito c = props.cognitoPool();
        String signInPage = Fn.join("", List.of("https://", props.domainName()));
        pool = CfnUserPool.Builder.create(this, "UserPool")
                .userPoolName(Fn.join("-", List.of(Aws.STACK_NAME, "mlflow")))
                .usernameAttributes(List.of("email"))
                .autoVerifiedAttributes(List.of("email"))
                // A changed address stays unverified, and the old one stays the name, until its code is entered.
                .userAttributeUpdateSettings(CfnUserPool.UserAttributeUpdateSettingsProperty.builder()
                        .attributesRequireVerificationBeforeUpdate(List.of("email")).build())
                // Nobody signs themselves up: the admin invites (README, Sign-in).
                .adminCreateUserConfig(CfnUserPool.AdminCreateUserConfigProperty.builder()
                        .allowAdminCreateUserOnly(true)
                        .inviteMessageTemplate(CfnUserPool.InviteMessageTemplateProperty.builder()
                                .emailSubject("Your MLflow sign-in")
                                .emailMessage(Fn.join("", List.of("You can now sign in to MLflow at ", signInPage,
                                        " as {username}, with the temporary password {####} (valid for 7 days).")))
                                .build())
                        .build())
                .policies(CfnUserPool.PoliciesProperty.builder()
                        .passwordPolicy(CfnUserPool.PasswordPolicyProperty.builder()
                                .minimumLength(12)
                                .requireLowercase(true)
                                .requireUppercase(true)
                                .requireNumbers(true)
                                .requireSymbols(true)
                                .temporaryPasswordValidityDays(7)
                                .build())
                        .build())
                .mfaConfiguration(c.mfa())
                // Authenticator apps only: SMS would need a role, an origination number and a budget.
                .enabledMfas(Token.asList(Fn.conditionIf(c.mfaOff().getLogicalId(), Aws.NO_VALUE,
                        List.of("SOFTWARE_TOKEN_MFA"))))
                .accountRecoverySetting(CfnUserPool.AccountRecoverySettingProperty.builder()
                        .recoveryMechanisms(List.of(CfnUserPool.RecoveryOptionProperty.builder()
                                .name("verified_email").priority(1).build()))
                        .build())
                .deletionProtection("ACTIVE")
                .build();
        pool.getCfnOptions().setCondition(c.keepsPool());
        pool.applyRemovalPolicy(software.amazon.awscdk.RemovalPolicy.RETAIN);
        pool.getCfnOptions().setUpdateReplacePolicy(CfnDeletionPolicy.RETAIN);
        // One domain per pool: a new prefix replaces this resource, and the new one is refused while the
        // old exists (README, Sign-in, says how to change it).
        domain = CfnUserPoolDomain.Builder.create(this, "Domain")
                .domain(c.domainPrefix())
                // The classic hosted UI, whose sign-in does not depend on the client's auth flows.
                .managedLoginVersion(1)
                .userPoolId(pool.getRef())
                .build();
        domain.getCfnOptions().setCondition(c.keepsPool());
        client = CfnUserPoolClient.Builder.create(this, "LoadBalancerClient")
                .userPoolId(pool.getRef())
                .clientName("load-balancer")
                .generateSecret(true)
                .allowedOAuthFlowsUserPoolClient(true)
                .allowedOAuthFlows(List.of("code"))
                .allowedOAuthScopes(List.of("openid", "email"))
                .supportedIdentityProviders(List.of("COGNITO"))
                .callbackUrLs(List.of(Fn.join("", List.of(signInPage, CALLBACK_PATH))))
                .explicitAuthFlows(List.of("ALLOW_REFRESH_TOKEN_AUTH"))
                .preventUserExistenceErrors("ENABLED")
                .enableTokenRevocation(true)
                .build();
        client.getCfnOptions().setCondition(c.keepsPool());
    }

    /**
     * A rule's actions: the load balancer's authenticate action, then {@code forward} (Order 2).
     * {@code onUnauthenticated} is {@code authenticate} (send the browser to sign in) or {@code deny}
     * (answer 401). Raw CloudFormation: it sits inside Fn::If. SessionTimeout is a string in a
     * listener's default action and an integer in a rule's (their CloudFormation schemas).
     */
    software.amazon.awscdk.IResolvable authenticateThen(String onUnauthenticated, Object forward, boolean onListener) {
        Object session = onListener ? String.valueOf(SESSION_SECONDS) : SESSION_SECONDS;
        Oidc o = props.oidcProvider();
        Map<String, Object> oidc = Json.object("Type", "authenticate-oidc", "Order", 1, "AuthenticateOidcConfig",
                Json.object("Issuer", o.issuer(), "AuthorizationEndpoint", o.authorizationEndpoint(),
                        "TokenEndpoint", o.tokenEndpoint(), "UserInfoEndpoint", o.userInfoEndpoint(),
                        "ClientId", o.clientId(), "ClientSecret", clientSecret(), "Scope", SCOPE,
                        "SessionTimeout", session, "OnUnauthenticatedRequest", onUnauthenticated));
        Map<String, Object> cognito = Json.object("Type", "authenticate-cognito", "Order", 1, "AuthenticateCognitoConfig",
                Json.object("UserPoolArn", pool.getAttrArn(), "UserPoolClientId", client.getRef(),
                        "UserPoolDomain", domain.getRef(), "Scope", SCOPE, "SessionTimeout", session,
                        "OnUnauthenticatedRequest", onUnauthenticated));
        return Fn.conditionIf(props.cognito().getLogicalId(), List.of(cognito, forward), List.of(oidc, forward));
    }

    /**
     * A dynamic reference, so the secret is never in the template or its parameters. CloudFormation
     * resolves it only when the listener is updated: a version id makes a rotation such an update
     * (CloudFormation user guide, "Get values stored in other services using dynamic references").
     */
    private Object clientSecret() {
        Oidc o = props.oidcProvider();
        return Fn.join("", List.of("{{resolve:secretsmanager:", o.clientSecretArn(), ":SecretString:::",
                Fn.conditionIf(o.versionGiven().getLogicalId(), o.clientSecretVersion(), "").toString(), "}}"));
    }

    /** What the tracking server's start script and dmlflow_signin.py read; the signer is the load balancer's ARN. */
    Map<String, String> environment(String signer) {
        return Map.of(
                "DMLFLOW_SIGNIN", Fn.conditionIf(props.signsIn().getLogicalId(), props.mode(), "basic").toString(),
                "DMLFLOW_SIGNIN_SIGNER", signer,
                "DMLFLOW_SIGNIN_CLIENT", Fn.conditionIf(props.cognito().getLogicalId(), client.getRef(),
                        Fn.conditionIf(props.oidc().getLogicalId(), props.oidcProvider().clientId(), "")).toString(),
                "DMLFLOW_ADMIN_EMAILS", props.adminEmails(),
                "DMLFLOW_SIGNIN_UNVERIFIED_EMAILS", Fn.conditionIf(props.oidc().getLogicalId(),
                        props.oidcProvider().unverifiedEmails(), "reject").toString());
    }

    CfnCondition signsIn() {
        return props.signsIn();
    }

    CfnUserPool pool() {
        return pool;
    }
}
