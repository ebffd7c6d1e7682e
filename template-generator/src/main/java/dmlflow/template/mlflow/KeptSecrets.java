package dmlflow.template.mlflow;

import software.constructs.Construct;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretProps;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;

/**
 * The stack's secrets outlive it, so that a removed server comes back with the same logins: each
 * is either made here (and kept when the stack is deleted) or one a removed stack kept, given by
 * ARN. Everything else in the template refers to {@link Made#used()}, whichever it is.
 */
final class KeptSecrets {
    /** A parameter holding a kept secret's ARN, and the condition that it is empty (make a new one). */
    record Choice(String existingArn, CfnCondition makeNew) {
    }

    /** The secret this stack made (absent when a kept one is used), and the one in use. */
    record Made(Secret created, ISecret used) {
    }

    private KeptSecrets() {
    }

    /** A login: {"username": USERNAME, "password": a generated one of LENGTH characters}. */
    static Made login(Construct scope, String id, String logicalId, String description, String username, int length,
            Choice choice) {
        return newOrKept(scope, id, logicalId, SecretProps.builder()
                .description(description)
                .generateSecretString(SecretStringGenerator.builder()
                        .secretStringTemplate("{\"username\":\"" + username + "\"}")
                        .generateStringKey("password")
                        .excludeCharacters(Database.EXCLUDED_PASSWORD_CHARACTERS)
                        .passwordLength(length)
                        .build())
                .build(), choice);
    }

    static Made newOrKept(Construct scope, String id, String logicalId, SecretProps props, Choice choice) {
        Secret created = new Secret(scope, id, props);
        CfnResource resource = (CfnResource) created.getNode().getDefaultChild();
        resource.overrideLogicalId(logicalId);
        resource.getCfnOptions().setCondition(choice.makeNew());
        // Kept on deletion and replacement (remove.sh records it); a failed first creation still
        // cleans up after itself (RetainExceptOnCreate).
        created.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
        String arn = Fn.conditionIf(choice.makeNew().getLogicalId(), created.getSecretArn(), choice.existingArn()).toString();
        return new Made(created, Secret.fromSecretCompleteArn(scope, id + "InUse", arn));
    }
}
