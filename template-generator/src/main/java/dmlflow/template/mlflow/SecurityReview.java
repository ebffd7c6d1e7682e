package dmlflow.template.mlflow;

import java.util.List;
import java.util.stream.Stream;
import dmlflow.template.cdk.Nag;
import software.constructs.IConstruct;

/**
 * cdk-nag AwsSolutions findings that dmlflow accepts, each with the reason a reviewer needs.
 * Anything not listed here fails the synthesis.
 */
final class SecurityReview {
    private SecurityReview() {
    }

    static void apply(MlflowStack stack, Network network, LoadBalancer loadBalancer, ArtifactStore artifacts,
            Database database, ServerSecrets secrets, TrackingService service, SignIn signIn) {
        Nag.suppress(signIn.pool(), "AwsSolutions-COG3",
                "Threat protection (ENFORCED) needs Cognito's Plus tier, which has no free users and bills every"
                        + " monthly active user; MFA (CognitoMfa, ON by default) and invitation-only sign-up stay.");
        Nag.suppress(network.vpc(), "AwsSolutions-VPC7",
                "Flow logs cost per GB and hold nothing MLflow needs; turn them on in the account if required.");
        Nag.suppress(network.natInstance().instance(), "AwsSolutions-EC28",
                "Detailed monitoring bills per metric; the status-check metrics the recovery alarms watch come"
                        + " at basic monitoring's 1-minute resolution.");
        Nag.suppress(network.natInstance().instance(), "AwsSolutions-EC29",
                "A NAT instance holds no data; termination protection would stop the stack's own deletion. The"
                        + " recovery and reboot alarms keep it running.");
        Nag.suppress(loadBalancer.albConstruct(), "AwsSolutions-ELB2",
                "ALB access logs need a separate log bucket with an ELB-specific policy; the tracking server"
                        + " logs every request to CloudWatch already.");
        Nag.suppress(artifacts.bucket(), "AwsSolutions-S1",
                "Server access logs would need a second bucket; only the tracking server's role touches this"
                        + " bucket, and CloudTrail records its API calls.");
        Nag.suppress(database.cluster(), "AwsSolutions-RDS6",
                "MLflow connects through SQLAlchemy with a password; IAM tokens expire after 15 minutes and"
                        + " MLflow cannot refresh them.");
        Nag.suppress(database.cluster(), "AwsSolutions-RDS10",
                "Deletion protection is the DatabaseDeletionProtection parameter; the cluster's Snapshot"
                        + " deletion policy keeps the data either way.");
        Nag.suppress(database.cluster(), "AwsSolutions-RDS11",
                "The database sits in isolated subnets and admits only two security groups; a non-default"
                        + " port would add nothing.");
        Nag.suppress(database.cluster(), "AwsSolutions-RDS14",
                "Backtrack is not supported on Aurora Serverless v2; automated backups give point-in-time"
                        + " restore.");
        for (IConstruct secret : Stream.concat(database.createdSecrets().stream(),
                secrets.createdSecrets().stream()).toList()) {
            Nag.suppress(secret, "AwsSolutions-SMG4",
                    "Rotation needs a rotation Lambda; instead, put a new value into the secret and deploy"
                            + " with a new CredentialsVersion: the password is set again and the tasks restart"
                            + " (README, Operations).");
        }
        Nag.suppress(service.cluster(), "AwsSolutions-ECS4",
                "Container Insights is billed per metric; the service's CPU and memory metrics and the load"
                        + " balancer's metrics are there without it.");
        Nag.suppress(service.taskDefinition(), "AwsSolutions-ECS2",
                "The environment carries only settings (host names, database names, worker counts); every"
                        + " secret comes from Secrets Manager through the container's secrets.");
        Nag.allowWildcards(service.taskRole(), "The artifact store is every object under the artifact"
                + " prefix; MLflow names the objects.", List.of("Resource::arn:<AWS::Partition>:s3:::{\"Fn::If\":[\"MakesArtifactBucket\",{\"Ref\":\"ArtifactsBucket\"},"
                        + "{\"Ref\":\"ExistingArtifactBucket\"}]}/artifacts/*"));
        Nag.allowWildcards(service.taskDefinition().obtainExecutionRole(), "A private ECR MlflowImage may be in any"
                + " repository of this account; GetAuthorizationToken takes no resource.",
                List.of("Resource::arn:<AWS::Partition>:ecr:*:<AWS::AccountId>:repository/*", "Resource::*"));
    }
}
