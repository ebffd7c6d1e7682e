package dmlflow.deployer;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.utils.SdkAutoCloseable;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The AWS clients of one run, for the region and profile chosen. Endpoints come from the SDK's
 * defaults, so AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_&lt;SERVICE&gt;) redirect them.
 */
public final class AwsSession implements AutoCloseable {
    private final Region region;
    private final AwsCredentialsProvider credentials;
    /**
     * A silent endpoint (it accepts the connection and never answers) ends a command within a
     * minute: each attempt waits {@link #READ_TIMEOUT} for a byte, and a call gives up after
     * {@link #CALL_TIMEOUT} whatever its retries. S3 uploads get no overall limit (a large jar on a
     * slow link), only the per-read one, which a silent endpoint trips three times in ~47 s.
     */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(15);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(50);
    private final SdkHttpClient http = UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(READ_TIMEOUT).build();
    private final SilentEndpoints silentEndpoints;
    private CloudFormationClient cloudFormation;
    private S3Client s3;
    private StsClient sts;
    private RdsClient rds;
    private SecretsManagerClient secretsManager;
    private SsmClient ssm;
    private Route53Client route53;
    private Ec2Client ec2;

    AwsSession(CommonOptions options) {
        this(options, Console.system());
    }

    AwsSession(CommonOptions options, Console console) {
        this.silentEndpoints = new SilentEndpoints(console, CALL_TIMEOUT);
        this.credentials = options.profile == null ? DefaultCredentialsProvider.builder().build()
                : ProfileCredentialsProvider.create(options.profile);
        this.region = options.region != null ? Region.of(options.region) : defaultRegion(options.profile);
    }

    private static Region defaultRegion(String profile) {
        try {
            return (profile == null ? DefaultAwsRegionProviderChain.builder().build()
                    : DefaultAwsRegionProviderChain.builder().profileName(profile).build()).getRegion();
        } catch (RuntimeException e) {
            throw DeployerException.usage("no AWS region: pass --region, set AWS_REGION, or set one in the profile");
        }
    }

    public Region region() {
        return region;
    }

    private ClientOverrideConfiguration overrides() {
        // CloudFormation throttles Describe* calls under load: the standard strategy retries them.
        return ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                .apiCallTimeout(CALL_TIMEOUT)
                .apiCallAttemptTimeout(READ_TIMEOUT.plusSeconds(5))
                .addExecutionInterceptor(silentEndpoints)
                .build();
    }

    private ClientOverrideConfiguration uploadOverrides() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                .addExecutionInterceptor(silentEndpoints)
                .build();
    }

    public synchronized CloudFormationClient cloudFormation() {
        if (cloudFormation == null) {
            cloudFormation = CloudFormationClient.builder().region(region).credentialsProvider(credentials)
                    .httpClient(http).overrideConfiguration(overrides()).build();
        }
        return cloudFormation;
    }

    public synchronized S3Client s3() {
        if (s3 == null) {
            // A custom S3 endpoint (an S3-compatible store, an emulator, an IP address) rarely resolves
            // bucket.host names: address buckets by path there.
            s3 = S3Client.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .forcePathStyle(customS3Endpoint())
                    .overrideConfiguration(uploadOverrides()).build();
        }
        return s3;
    }

    private static boolean customS3Endpoint() {
        for (String name : new String[] {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        return System.getProperty("aws.endpointUrlS3") != null || System.getProperty("aws.endpointUrl") != null;
    }

    public synchronized StsClient sts() {
        if (sts == null) {
            sts = StsClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .overrideConfiguration(overrides()).build();
        }
        return sts;
    }

    public synchronized RdsClient rds() {
        if (rds == null) {
            rds = RdsClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .overrideConfiguration(overrides()).build();
        }
        return rds;
    }

    public synchronized SecretsManagerClient secretsManager() {
        if (secretsManager == null) {
            secretsManager = SecretsManagerClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .overrideConfiguration(overrides()).build();
        }
        return secretsManager;
    }

    public synchronized SsmClient ssm() {
        if (ssm == null) {
            ssm = SsmClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .overrideConfiguration(overrides()).build();
        }
        return ssm;
    }

    public synchronized Route53Client route53() {
        if (route53 == null) {
            route53 = Route53Client.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .overrideConfiguration(overrides()).build();
        }
        return route53;
    }

    public synchronized Ec2Client ec2() {
        if (ec2 == null) {
            ec2 = Ec2Client.builder().region(region).credentialsProvider(credentials).httpClient(http)
                    .overrideConfiguration(overrides()).build();
        }
        return ec2;
    }

    @Override
    public void close() {
        for (SdkAutoCloseable client : new SdkAutoCloseable[] {cloudFormation, s3, sts, rds, secretsManager, ssm, route53, ec2}) {
            if (client != null) {
                client.close();
            }
        }
        http.close();
    }
}
