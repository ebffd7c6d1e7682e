package dmlflow.template;

import java.util.Map;
import java.util.TreeMap;

/**
 * CDK feature flags. cdk.json is not read when the app runs under plain java, so they are set
 * here; each one pins a behaviour the template relies on.
 */
final class FeatureFlags {
    private FeatureFlags() {
    }

    static Map<String, Object> context() {
        Map<String, Object> flags = new TreeMap<>();
        // Restricting the default security group adds a Lambda-backed custom resource (an asset).
        flags.put("@aws-cdk/aws-ec2:restrictDefaultSecurityGroup", false);
        // One policy statement per resource set instead of one per grant: a shorter template.
        flags.put("@aws-cdk/aws-iam:minimizePolicies", true);
        return flags;
    }
}
