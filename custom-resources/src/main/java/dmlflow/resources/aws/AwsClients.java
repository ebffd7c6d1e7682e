package dmlflow.resources.aws;

import java.time.Duration;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The AWS clients the handlers use, built the SDK's default way, so that region, credentials
 * and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_&lt;SERVICE&gt; come from the environment, over the
 * JDK's URL connection (the smallest HTTP client, and no Netty or Apache in the jar).
 */
public final class AwsClients {
    private static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(30);

    private AwsClients() {
    }

    private static SdkHttpClient http() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(20))
                .build();
    }

    private static ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder().apiCallTimeout(API_CALL_TIMEOUT).build();
    }

    public static SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder().httpClient(http()).overrideConfiguration(overrides()).build();
    }

    public static EcsClient ecs() {
        return EcsClient.builder().httpClient(http()).overrideConfiguration(overrides()).build();
    }

    public static ElasticLoadBalancingV2Client elasticLoadBalancing() {
        return ElasticLoadBalancingV2Client.builder().httpClient(http()).overrideConfiguration(overrides()).build();
    }

    public static CloudWatchLogsClient logs() {
        return CloudWatchLogsClient.builder().httpClient(http()).overrideConfiguration(overrides()).build();
    }

    public static CloudFormationClient cloudFormation() {
        return CloudFormationClient.builder().httpClient(http()).overrideConfiguration(overrides()).build();
    }

    public static RdsClient rds() {
        return RdsClient.builder().httpClient(http()).overrideConfiguration(overrides()).build();
    }
}
