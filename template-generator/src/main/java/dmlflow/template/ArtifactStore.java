package dmlflow.template;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.LifecycleRule;

/**
 * The S3 bucket behind MLflow's proxied artifact store. Clients never touch it: the tracking
 * server reads and writes it for them, so it is private and reachable only by the task role.
 */
final class ArtifactStore extends Construct {
    static final String PREFIX = "artifacts";

    record Props(int noncurrentVersionDays) {
        Props {
            if (noncurrentVersionDays < 1) {
                throw new IllegalArgumentException("noncurrentVersionDays must be at least 1");
            }
        }
    }

    private final Bucket bucket;

    ArtifactStore(Construct scope, String id, Props props) {
        super(scope, id);
        // Artifacts outlive the stack: remove.sh reports the bucket and deletes it only when asked to.
        bucket = new Bucket(this, "Bucket", PrivateBuckets.props(LifecycleRule.builder()
                .id("ExpireOverwrittenAndDeletedArtifacts")
                .noncurrentVersionExpiration(Duration.days(props.noncurrentVersionDays()))
                .abortIncompleteMultipartUploadAfter(Duration.days(7))
                .build()));
    }

    String bucketName() {
        return bucket.getBucketName();
    }

    /** Where MLflow keeps artifacts: its --artifacts-destination. */
    String destinationUri() {
        return "s3://" + bucket.getBucketName() + "/" + PREFIX;
    }

    /** Read, write and delete objects under the artifact prefix, and list that prefix: nothing else. */
    void grantReadWrite(Role role) {
        Objects.requireNonNull(role, "role");
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ArtifactObjects")
                .effect(Effect.ALLOW)
                .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                        "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"))
                .resources(List.of(bucket.arnForObjects(PREFIX + "/*")))
                .build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ArtifactListing")
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(PREFIX, PREFIX + "/*"))))
                .build());
    }

    Bucket bucket() {
        return bucket;
    }
}
