package dmlflow.template.cdk;

import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.BucketProps;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;

/** The one way dmlflow makes a bucket: private, encrypted, TLS-only, versioned, kept when its stack goes. */
public final class PrivateBuckets {
    private PrivateBuckets() {
    }

    public static BucketProps props(LifecycleRule lifecycle) {
        return BucketProps.builder()
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .versioned(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(lifecycle))
                // What is in it outlives the stack: removing it is the operator's explicit choice.
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }
}
