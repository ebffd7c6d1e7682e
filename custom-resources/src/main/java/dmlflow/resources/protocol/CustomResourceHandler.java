package dmlflow.resources.protocol;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CloudFormation custom-resource protocol, once for every resource: read the event, run one
 * verb against its typed properties, and always answer, within the Lambda's own deadline.
 *
 * <ul>
 *   <li>Any throwable from a verb, from parsing or from building a client becomes FAILED with
 *       a reason a person can act on.</li>
 *   <li>The verb runs against a deadline a little before the Lambda's: when it comes first the
 *       answer is FAILED with what the verb was waiting for.</li>
 *   <li>Physical ids: Create gets {@link #physicalIdFor}; Update and Delete keep the id they
 *       were sent (unless a verb asks for a replacement); a failed Create gets an id that the
 *       rollback's Delete recognises and answers without touching anything.</li>
 *   <li>A Delete whose properties cannot be read, or whose verb fails, still succeeds (the reason
 *       says what was left): it must never block a stack's deletion or rollback.</li>
 *   <li>An Update sent while the stack rolls back (CloudFormation re-sends the old properties)
 *       answers at once and touches nothing: what the update did is undone by the resources
 *       around it, and acting again on old properties (an old image's migration, a second long
 *       wait) would only fail the rollback.</li>
 *   <li>One structured log line per request, without the ResponseURL or property values.</li>
 * </ul>
 *
 * @param <P> the resource's typed properties
 */
public abstract class CustomResourceHandler<P> implements RequestStreamHandler {
    static final String FAILED_CREATE_PREFIX = "dmlflow-failed-create-";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Time kept back from the verb for sending the answer (and its retries). */
    private static final Duration ANSWER_RESERVE = Duration.ofSeconds(20);

    private final AnswerSender sender;
    private final Clock clock;
    private final StackStatus stackStatus;

    protected CustomResourceHandler(AnswerSender sender, Clock clock, StackStatus stackStatus) {
        this.sender = sender;
        this.clock = clock;
        this.stackStatus = stackStatus;
    }

    /** Reads the resource's properties; throws {@link InvalidRequestException} naming what is wrong. */
    protected abstract P parseProperties(JsonNode properties);

    protected abstract Outcome create(CustomResourceRequest<P> request, Deadline deadline, Progress progress)
            throws Exception;

    /**
     * Unless a resource says otherwise, an Update does what Create does, with the new properties.
     * Its answer still carries the id the Update was sent, not {@link #physicalIdFor}: an update
     * in place, unless the {@link Outcome} names a new id.
     */
    protected Outcome update(CustomResourceRequest<P> request, Deadline deadline, Progress progress)
            throws Exception {
        return create(request, deadline, progress);
    }

    protected abstract Outcome delete(CustomResourceRequest<P> request, Deadline deadline, Progress progress)
            throws Exception;

    /**
     * The attributes an Update during a rollback answers with, from the (old) properties alone:
     * the outputs of the template rolled back to are read from them.
     */
    protected Map<String, String> rollbackData(CustomResourceRequest<P> request) {
        return Map.of();
    }

    /** The id a new resource gets; the same for every retry of the same request. */
    protected String physicalIdFor(CustomResourceRequest<P> request) {
        return request.stackName() + "-" + request.logicalResourceId();
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Instant started = clock.instant();
        Instant lambdaDeadline = started.plusMillis(context.getRemainingTimeInMillis());
        LogSink log = line -> context.getLogger().log(line + "\n");
        JsonNode event;
        Envelope envelope;
        try {
            event = JSON.readTree(input);
            envelope = Envelope.read(event == null ? JSON.createObjectNode() : event);
        } catch (IOException | InvalidRequestException e) {
            log.log(summary(null, null, "UNANSWERED", "cannot read the event: " + Reasons.of(e), started, 0));
            throw new IOException("cannot answer CloudFormation: " + Reasons.of(e), e);
        }

        Duration reserve = reserve(started, lambdaDeadline);
        Deadline verbDeadline = new Deadline(clock, lambdaDeadline.minus(reserve));
        // A verb that watches its deadline gets a moment to fail with its own, better words.
        Answer answer = decide(envelope, verbDeadline, reserve.dividedBy(4), started, log);
        byte[] body = answer.body(envelope, context.getLogStreamName());
        boolean delivered = sender.send(envelope.responseUrl(), body, lambdaDeadline, log);
        log.log(summary(envelope, answer, delivered ? answer.status().name() : "UNDELIVERED " + answer.status(),
                answer.reason(), started, body.length));
        if (!delivered) {
            // Failing the invocation lets Lambda's retry of asynchronous events try again.
            throw new IOException("the answer did not reach CloudFormation; see the lines above");
        }
    }

    private Answer decide(Envelope envelope, Deadline deadline, Duration grace, Instant started, LogSink log) {
        String keptId = envelope.physicalResourceId() != null ? envelope.physicalResourceId()
                : FAILED_CREATE_PREFIX + envelope.requestId();
        RequestType type;
        try {
            type = RequestType.parse(CustomResourceRequest.required(envelope.event(), "RequestType"));
        } catch (RuntimeException e) {
            return Answer.failed(keptId, Reasons.of(e));
        }
        if (type == RequestType.DELETE && keptId.startsWith(FAILED_CREATE_PREFIX)) {
            return Answer.success(keptId, Map.of());
        }
        CustomResourceRequest<P> request;
        try {
            request = request(type, envelope);
        } catch (RuntimeException e) {
            if (type == RequestType.DELETE) {
                // Nothing we could act on was ever created from properties we cannot read.
                return Answer.success(keptId, Map.of());
            }
            return Answer.failed(keptId, Reasons.of(e));
        }

        if (type == RequestType.UPDATE && rollingBack(request, log)) {
            return Answer.success(request.physicalResourceId(), rollbackData(request));
        }

        Answer answer = runVerb(type, request, deadline, grace, started);
        if (type == RequestType.DELETE && answer.status() == Answer.Status.FAILED) {
            // A Delete must never block the stack's deletion or rollback: say what was left, succeed.
            return new Answer(Answer.Status.SUCCESS, "the Delete did not finish and was let go so that the stack"
                    + " can go on: " + answer.reason(), answer.physicalResourceId(), Map.of());
        }
        return answer;
    }

    private Answer runVerb(RequestType type, CustomResourceRequest<P> request, Deadline deadline, Duration grace,
            Instant started) {
        Progress progress = new Progress();
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "custom-resource-verb");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<Outcome> verb = worker.submit(() -> switch (type) {
                case CREATE -> create(request, deadline, progress);
                case UPDATE -> update(request, deadline, progress);
                case DELETE -> delete(request, deadline, progress);
            });
            Outcome outcome;
            try {
                outcome = verb.get(deadline.remaining().plus(grace).toMillis() + 1, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                verb.cancel(true);
                return Answer.failed(keptId(type, request), "timed out after "
                        + Duration.between(started, clock.instant()).toSeconds() + " s waiting for "
                        + progress.current());
            } catch (ExecutionException e) {
                return Answer.failed(keptId(type, request), Reasons.of(e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Answer.failed(keptId(type, request), "interrupted while " + progress.current());
            }
            String id = outcome.newPhysicalResourceId() != null ? outcome.newPhysicalResourceId()
                    : type == RequestType.CREATE ? physicalIdFor(request) : request.physicalResourceId();
            return Answer.success(id, outcome.data());
        } catch (RuntimeException e) {
            return Answer.failed(keptId(type, request), Reasons.of(e));
        } finally {
            worker.shutdownNow();
        }
    }

    /**
     * Whether the stack is rolling an update back. When its status cannot be read, the Update runs
     * as usual: a real update must not be skipped on a guess.
     */
    private boolean rollingBack(CustomResourceRequest<P> request, LogSink log) {
        try {
            return StackStatus.ROLLING_BACK.equals(stackStatus.of(request.stackId()));
        } catch (RuntimeException e) {
            ObjectNode line = JSON.createObjectNode();
            line.put("event", "stack-status-unknown");
            line.put("stackId", request.stackId());
            line.put("reason", Reasons.of(e) + "; running the Update as an update");
            log.log(line.toString());
            return false;
        }
    }

    private String keptId(RequestType type, CustomResourceRequest<P> request) {
        return type == RequestType.CREATE ? FAILED_CREATE_PREFIX + request.requestId() : request.physicalResourceId();
    }

    private CustomResourceRequest<P> request(RequestType type, Envelope envelope) {
        JsonNode event = envelope.event();
        String physicalId = type == RequestType.CREATE ? null : CustomResourceRequest.required(event, "PhysicalResourceId");
        P properties = parseProperties(CustomResourceRequest.propertiesOf(event, "ResourceProperties"));
        P oldProperties = type == RequestType.UPDATE
                ? parseOld(CustomResourceRequest.propertiesOf(event, "OldResourceProperties")) : null;
        return new CustomResourceRequest<>(type, CustomResourceRequest.required(event, "RequestId"),
                CustomResourceRequest.required(event, "StackId"),
                CustomResourceRequest.required(event, "LogicalResourceId"),
                Envelope.text(event, "ResourceType"), physicalId, properties, oldProperties);
    }

    /** Old properties that no longer parse (an earlier template version) do not block an update. */
    private P parseOld(JsonNode old) {
        try {
            return parseProperties(old);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private Duration reserve(Instant started, Instant lambdaDeadline) {
        Duration total = Duration.between(started, lambdaDeadline);
        Duration third = total.dividedBy(3);
        return third.compareTo(ANSWER_RESERVE) < 0 ? third : ANSWER_RESERVE;
    }

    private String summary(Envelope envelope, Answer answer, String outcome, String reason, Instant started, int bytes) {
        ObjectNode line = JSON.createObjectNode();
        line.put("event", "custom-resource");
        line.put("handler", getClass().getSimpleName());
        if (envelope != null) {
            line.put("requestType", Envelope.text(envelope.event(), "RequestType"));
            line.put("resourceType", Envelope.text(envelope.event(), "ResourceType"));
            line.put("logicalResourceId", envelope.logicalResourceId());
            line.put("stackId", envelope.stackId());
            line.put("requestId", envelope.requestId());
        }
        if (answer != null) {
            line.put("physicalResourceId", answer.physicalResourceId());
            line.put("attributes", String.join(",", answer.data().keySet()));
        }
        line.put("outcome", outcome);
        if (reason != null) {
            line.put("reason", reason);
        }
        line.put("durationMs", Duration.between(started, clock.instant()).toMillis());
        line.put("answerBytes", bytes);
        return line.toString();
    }
}
