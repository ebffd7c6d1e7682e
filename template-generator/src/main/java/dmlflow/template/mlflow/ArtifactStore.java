package dmlflow.template.mlflow;

import dmlflow.template.cdk.PrivateBuckets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.s3.CfnBucketPolicy;
import software.amazon.awscdk.services.s3.LifecycleRule;

/**
 * The S3 bucket behind MLflow's proxied artifact store. Clients never touch it: the tracking
 * server reads and writes it for them, so it is private and reachable only by the task role.
 */
final class ArtifactStore extends Construct {
    static final String PREFIX = "artifacts";

    /**
     * @param existingBucket a bucket a removed stack kept, used when {@code makesBucket} is false
     */
    record Props(int noncurrentVersionDays, String existingBucket, CfnCondition makesBucket) {
        Props {
            Objects.requireNonNull(existingBucket, "existingBucket");
            Objects.requireNonNull(makesBucket, "makesBucket");
            if (noncurrentVersionDays < 1) {
                throw new IllegalArgumentException("noncurrentVersionDays must be at least 1");
            }
        }
    }

    private final Bucket bucket;
    private final String bucketName;
    private final String bucketArn;

    ArtifactStore(Construct scope, String id, Props props) {
        super(scope, id);
        // Artifacts outlive the stack: remove.sh reports the bucket and deletes it only when asked to.
        bucket = new Bucket(this, "Bucket", PrivateBuckets.props(LifecycleRule.builder()
                .id("ExpireOverwrittenAndDeletedArtifacts")
                .noncurrentVersionExpiration(Duration.days(props.noncurrentVersionDays()))
                .abortIncompleteMultipartUploadAfter(Duration.days(7))
                .build()));
        CfnBucket made = (CfnBucket) bucket.getNode().getDefaultChild();
        made.getCfnOptions().setCondition(props.makesBucket());
        // A failed first creation leaves no empty bucket behind; any later delete keeps it.
        made.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
        bucketName = Fn.conditionIf(props.makesBucket().getLogicalId(), bucket.getBucketName(),
                props.existingBucket()).toString();
        bucketArn = Fn.join("", List.of("arn:", Aws.PARTITION, ":s3:::", bucketName));
        // The TLS-only policy belongs to the bucket made here and stays with it when the stack goes.
        // A kept bucket brings its own: CloudFormation refuses a second AWS::S3::BucketPolicy on a
        // bucket that has one (AlreadyExists), and a failed restore must not strip the kept one.
        CfnBucketPolicy policy = (CfnBucketPolicy) Objects.requireNonNull(bucket.getPolicy(), "bucket policy")
                .getNode().getDefaultChild();
        policy.getCfnOptions().setCondition(props.makesBucket());
        policy.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    }

    /** The bucket in use: the one made here, or the kept one. */
    String bucketName() {
        return bucketName;
    }

    /** Where MLflow keeps artifacts: its --artifacts-destination. */
    String destinationUri() {
        return "s3://" + bucketName + "/" + PREFIX;
    }

    /** Read, write and delete objects under the artifact prefix, and list that prefix: nothing else. */
    void grantReadWrite(Role role) {
        Objects.requireNonNull(role, "role");
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ArtifactObjects")
                .effect(Effect.ALLOW)
                .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                        "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"))
                .resources(List.of(bucketArn + "/" + PREFIX + "/*"))
                .build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ArtifactListing")
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucketArn))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(PREFIX, PREFIX + "/*"))))
                .build());
    }

    Bucket bucket() {
        return bucket;
    }
}
