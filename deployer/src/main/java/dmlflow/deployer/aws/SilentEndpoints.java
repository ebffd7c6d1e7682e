package dmlflow.deployer.aws;

import dmlflow.deployer.console.Console;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Makes a silent AWS endpoint visible: while a call waits longer than {@link #NOTICE_AFTER}, a
 * terminal shows which endpoint it waits for; when the call gives up on a timeout, the error is
 * one sentence naming that endpoint instead of the SDK's "did not complete before the timeout".
 */
final class SilentEndpoints implements ExecutionInterceptor {
    static final Duration NOTICE_AFTER = Duration.ofSeconds(5);
    /** How the sentence this interceptor makes of a timeout starts (AwsErrors passes it on as it is). */
    static final String NO_ANSWER = "no answer from ";
    private static final ExecutionAttribute<String> ENDPOINT = new ExecutionAttribute<>("dmlflow.endpoint");
    private static final ExecutionAttribute<ScheduledFuture<?>> NOTICE = new ExecutionAttribute<>("dmlflow.notice");
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("dmlflow.started");
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "dmlflow-wait-notice");
        thread.setDaemon(true);
        return thread;
    });

    private final Console console;
    private final Duration giveUpAfter;

    SilentEndpoints(Console console, Duration giveUpAfter) {
        this.console = console;
        this.giveUpAfter = giveUpAfter;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        String endpoint = request.protocol() + "://" + request.host()
                + (request.port() == 443 || request.port() == 80 ? "" : ":" + request.port());
        attributes.putAttributeIfAbsent(ENDPOINT, endpoint);
        attributes.putAttributeIfAbsent(STARTED, System.nanoTime());
        if (console.terminal() && attributes.getAttribute(NOTICE) == null) {
            attributes.putAttribute(NOTICE, TIMER.schedule(() -> console.progress("waiting for " + endpoint
                    + " to answer (giving up after " + giveUpAfter.toSeconds() + " s)..."), NOTICE_AFTER.toMillis(),
                    TimeUnit.MILLISECONDS));
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        cancelNotice(attributes);
    }

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        cancelNotice(attributes);
        Throwable failure = context.exception();
        String endpoint = attributes.getAttribute(ENDPOINT);
        if (endpoint == null || !timedOut(failure)) {
            return failure;
        }
        Long started = attributes.getAttribute(STARTED);
        long seconds = started == null ? giveUpAfter.toSeconds() : Duration.ofNanos(System.nanoTime() - started).toSeconds();
        // The SDK requires a replacement of the same class (ExecutionInterceptorChain.modifyException
        // validates it), and an ApiCallTimeoutException is not a plain SdkClientException: the
        // sentence is remembered for the failure as it is, and AwsErrors says it.
        AwsErrors.remember(failure, NO_ANSWER + endpoint + " after " + seconds
                + " s: it is unreachable or does not respond (check the network, a proxy, AWS_ENDPOINT_URL)");
        return failure;
    }

    private static void cancelNotice(ExecutionAttributes attributes) {
        ScheduledFuture<?> notice = attributes.getAttribute(NOTICE);
        if (notice != null) {
            notice.cancel(false);
        }
    }

    private static boolean timedOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof ApiCallTimeoutException
                    || t instanceof ApiCallAttemptTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
