package dmlflow.template.cdk;

import java.util.List;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.constructs.IConstruct;

/** Accepting a cdk-nag AwsSolutions finding on one resource, always with the reason a reviewer needs. */
public final class Nag {
    private Nag() {
    }

    /** Suppresses a finding on one resource: the construct's own CloudFormation resource. */
    public static void suppress(IConstruct construct, String rule, String reason) {
        IConstruct target = construct.getNode().getDefaultChild() != null
                ? construct.getNode().getDefaultChild() : construct;
        NagSuppressions.addResourceSuppressions(target,
                List.of(NagPackSuppression.builder().id(rule).reason(reason).build()), false);
    }

    /** Accepts named IAM5 wildcard findings on a role's policy. */
    public static void allowWildcards(IConstruct role, String reason, List<String> findings) {
        NagSuppressions.addResourceSuppressions(role, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-IAM5").reason(reason).appliesTo(List.copyOf(findings)).build()), true);
    }
}
