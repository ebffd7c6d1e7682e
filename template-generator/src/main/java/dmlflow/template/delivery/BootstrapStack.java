package dmlflow.template.delivery;

import dmlflow.template.cdk.PrivateBuckets;
import dmlflow.template.cdk.ReadableIdsStack;
import dmlflow.template.cdk.Nag;
import software.constructs.Construct;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.LifecycleRule;

/**
 * The deployer's assets bucket, one per account and region: the custom-resources jar and the
 * templates it deploys by URL. Private, encrypted, versioned, TLS-only.
 */
public final class BootstrapStack extends ReadableIdsStack {
    public static final String DESCRIPTION = "dmlflow bootstrap: the private bucket the deployer uploads the custom-resources"
            + " jar and templates to";
    public static final String BUCKET_OUTPUT = "AssetsBucketName";

    public BootstrapStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
        getTemplateOptions().setTemplateFormatVersion("2010-09-09");
        // Stacks deployed from it refer to its objects: it is kept when this stack goes.
        Bucket bucket = new Bucket(this, "Assets", PrivateBuckets.props(LifecycleRule.builder()
                .id("ExpireReplacedAssets")
                .noncurrentVersionExpiration(Duration.days(30))
                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                .build()));
        Nag.suppress(bucket, "AwsSolutions-S1",
                "Holds only build outputs (the jar and templates) written by the deployer; CloudTrail records"
                        + " access, and server access logs would need a second bucket.");
        new CfnOutput(this, BUCKET_OUTPUT, CfnOutputProps.builder()
                .description("Bucket the deployer uploads the custom-resources jar and templates to")
                .value(bucket.getBucketName())
                .build());
    }
}
