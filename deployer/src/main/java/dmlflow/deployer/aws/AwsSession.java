package dmlflow.deployer.aws;

import dmlflow.deployer.command.CommonOptions;
import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

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
    private final Map<Class<?>, SdkAutoCloseable> clients = new LinkedHashMap<>();

    public AwsSession(CommonOptions options) {
        this(options, Console.system());
    }

    public AwsSession(CommonOptions options, Console console) {
        this.silentEndpoints = new SilentEndpoints(console, CALL_TIMEOUT);
        this.credentials = options.profile() == null ? DefaultCredentialsProvider.builder().build()
                : ProfileCredentialsProvider.create(options.profile());
        this.region = options.region() != null ? Region.of(options.region()) : defaultRegion(options.profile());
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
                // modifyException runs last to first: AwsErrors sees the sentence SilentEndpoints makes.
                .addExecutionInterceptor(new AwsErrors())
                .addExecutionInterceptor(silentEndpoints)
                .build();
    }

    private ClientOverrideConfiguration uploadOverrides() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                // modifyException runs last to first: AwsErrors sees the sentence SilentEndpoints makes.
                .addExecutionInterceptor(new AwsErrors())
                .addExecutionInterceptor(silentEndpoints)
                .build();
    }

    public CloudFormationClient cloudFormation() {
        return client(CloudFormationClient.class, CloudFormationClient::builder, overrides());
    }

    public S3Client s3() {
        // A custom S3 endpoint (an S3-compatible store, an emulator, an IP address) rarely resolves
        // bucket.host names: address buckets by path there.
        return client(S3Client.class, () -> S3Client.builder().forcePathStyle(customS3Endpoint()), uploadOverrides());
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

    public StsClient sts() {
        return client(StsClient.class, StsClient::builder, overrides());
    }

    public RdsClient rds() {
        return client(RdsClient.class, RdsClient::builder, overrides());
    }

    public SecretsManagerClient secretsManager() {
        return client(SecretsManagerClient.class, SecretsManagerClient::builder, overrides());
    }

    public CloudWatchLogsClient logs() {
        return client(CloudWatchLogsClient.class, CloudWatchLogsClient::builder, overrides());
    }

    public SsmClient ssm() {
        return client(SsmClient.class, SsmClient::builder, overrides());
    }

    public Route53Client route53() {
        return client(Route53Client.class, Route53Client::builder, overrides());
    }

    public Ec2Client ec2() {
        return client(Ec2Client.class, Ec2Client::builder, overrides());
    }

    /** Each client once per session, on first use, with this session's region, credentials and HTTP client. */
    private synchronized <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends SdkAutoCloseable> C client(
            Class<C> type, Supplier<B> builder, ClientOverrideConfiguration overrides) {
        return type.cast(clients.computeIfAbsent(type, unused -> builder.get().region(region).credentialsProvider(credentials)
                .httpClient(http).overrideConfiguration(overrides).build()));
    }

    @Override
    public synchronized void close() {
        clients.values().forEach(SdkAutoCloseable::close);
        clients.clear();
        http.close();
    }
}
