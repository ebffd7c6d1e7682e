package dmlflow.deployer.aws;

import dmlflow.deployer.console.Problems;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * AWS failures in the operator's words: which service refused which call, what it said, and
 * what to do; the SDK's own text (request ids, retry counts, HTTP client messages) only with
 * --verbose. The interceptor remembers each failed call's service and operation, which the
 * SDK's exceptions do not carry.
 */
public final class AwsErrors implements ExecutionInterceptor {
    /** The SDK's service names (Sts, Ec2) as AWS writes them. */
    private static final Map<String, String> ACRONYMS = Map.of("Sts", "STS", "Ec2", "EC2", "Rds", "RDS", "Ssm", "SSM",
            "Iam", "IAM", "Acm", "ACM", "Ecs", "ECS", "Ecr", "ECR", "Sns", "SNS", "Kms", "KMS");
    private static final Map<Throwable, String> CALLS = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (service != null && operation != null) {
            CALLS.put(context.exception(), ACRONYMS.getOrDefault(service, service) + " " + operation);
        }
        return context.exception();
    }

    private static final Map<Throwable, String> SENTENCES = Collections.synchronizedMap(new WeakHashMap<>());

    /** What to say about this failure instead of the SDK's text (SilentEndpoints' timeouts). */
    static void remember(Throwable failure, String sentence) {
        SENTENCES.put(failure, sentence);
    }

    /** "CloudFormation CreateChangeSet": the call that failed, when the session's clients made it. */
    static Optional<String> call(Throwable failure) {
        return Optional.ofNullable(CALLS.get(failure));
    }

    /** One sentence for any failure of the SDK. */
    public static String explain(SdkException failure) {
        if (failure instanceof AwsServiceException service) {
            return explain(service);
        }
        return explain(failure instanceof SdkClientException client ? client : SdkClientException.create(
                failure.getMessage(), failure));
    }

    static String explain(AwsServiceException e) {
        var details = e.awsErrorDetails();
        String code = details == null || details.errorCode() == null ? "" : details.errorCode();
        String text = details == null || details.errorMessage() == null || details.errorMessage().isBlank()
                ? "no message (HTTP " + e.statusCode() + ")" : details.errorMessage();
        String service = details == null || details.serviceName() == null ? "AWS" : details.serviceName();
        String call = call(e).orElse(service);
        String refused = call + " failed" + (code.isEmpty() ? "" : " with " + code) + ": " + text;
        if (code.startsWith("ExpiredToken") || code.equals("RequestExpired") || code.equals("InvalidClientTokenId")
                || code.equals("UnrecognizedClientException") || code.equals("SignatureDoesNotMatch")) {
            return "the AWS credentials are expired or invalid (" + call + ": " + code + "): refresh them (for example"
                    + " aws sso login, or aws configure) and run again";
        }
        if (code.contains("AccessDenied") || code.equals("UnauthorizedOperation") || code.equals("AuthorizationError")) {
            return refused + ". The identity needs that permission: README, Prerequisites, lists what a deploy uses"
                    + " (or pass --profile for another identity).";
        }
        if (code.startsWith("Throttl") || code.equals("RequestLimitExceeded") || code.equals("SlowDown")) {
            return call + " kept throttling the requests (" + code + "), even after retries: wait a minute and run"
                    + " again";
        }
        if (e.statusCode() >= 500) {
            return refused + ". That is on AWS's side: wait a little and run again (AWS Health shows outages).";
        }
        return refused + ".";
    }

    /** The SDK could not make the call at all: no credentials, no region, or no connection. */
    static String explain(SdkClientException e) {
        String text = e.getMessage() == null ? "" : e.getMessage();
        String call = call(e).map(named -> " (" + named + ")").orElse("");
        if (SENTENCES.containsKey(e)) {
            return "cannot reach AWS" + call + ": " + SENTENCES.get(e);
        }
        if (text.contains("SSO") || text.contains("sso") || text.contains("Token has expired")) {
            return "the AWS SSO session has expired or is missing" + call + ": run aws sso login (with --profile"
                    + " if you use one) and run again";
        }
        if (text.contains("Unable to load credentials")) {
            return "no AWS credentials found" + call + ": run aws configure (or aws sso login), set AWS_PROFILE, or"
                    + " pass --profile";
        }
        if (text.contains("Unable to load region")) {
            return "no AWS region: pass --region or set AWS_REGION";
        }
        if (text.contains("Profile file contained no credentials") || text.contains("profile")) {
            return "the AWS profile has no usable credentials" + call + ": check --profile or AWS_PROFILE against"
                    + " ~/.aws/config and ~/.aws/credentials";
        }
        String endpoint = System.getenv("AWS_ENDPOINT_URL") == null ? ""
                : " (AWS_ENDPOINT_URL is set to " + System.getenv("AWS_ENDPOINT_URL") + ")";
        return "cannot reach AWS" + call + endpoint + ": " + Problems.connection(e, "the request failed before AWS answered") + ". Check the network and any proxy; --verbose"
                + " shows the details";
    }
}
