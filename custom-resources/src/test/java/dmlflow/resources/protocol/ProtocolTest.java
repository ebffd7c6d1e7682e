package dmlflow.resources.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.resources.testing.AnswerServer;
import dmlflow.resources.testing.Events;
import dmlflow.resources.testing.FakeContext;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a request can go wrong, answered through a real HTTP server and checked field by
 * field.
 */
class ProtocolTest {
    private static final String STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/mlflow/5b4bde40-cb1e-11ef-9c44-0a1b2c3d4e5f";
    private static final String CREATE_REQUEST = "0b1d3f57-8c1a-4b8e-9f0e-2b7a9f3c1d11";
    private static final String FAILED_CREATE_ID = CustomResourceHandler.FAILED_CREATE_PREFIX + CREATE_REQUEST;

    /** A resource whose verbs do what its Mode property says. */
    static final class ScriptedHandler extends CustomResourceHandler<String> {
        final AtomicInteger verbCalls = new AtomicInteger();

        ScriptedHandler() {
            super(new HttpAnswerSender(), Clock.systemUTC(), ScriptedHandler::stackStatus);
        }

        /** What DescribeStacks would say: the stack's name in the test events says which case it is. */
        static String stackStatus(String stackId) {
            if (stackId.contains(":stack/rolling-back/")) {
                return StackStatus.ROLLING_BACK;
            }
            if (stackId.contains(":stack/unreadable/")) {
                throw new IllegalStateException("AccessDenied: not authorized to perform cloudformation:DescribeStacks");
            }
            return "UPDATE_IN_PROGRESS";
        }

        @Override
        protected String parseProperties(JsonNode properties) {
            return new Properties(properties, "Custom::Test").string("Mode");
        }

        @Override
        protected Outcome create(CustomResourceRequest<String> request, Deadline deadline, Progress progress) throws Exception {
            return act(request.properties(), deadline, progress);
        }

        @Override
        protected Outcome delete(CustomResourceRequest<String> request, Deadline deadline, Progress progress) throws Exception {
            return act(request.properties(), deadline, progress);
        }

        private Outcome act(String mode, Deadline deadline, Progress progress) throws Exception {
            verbCalls.incrementAndGet();
            return switch (mode) {
                case "succeed" -> Outcome.done(Map.of("Username", "mlflow"));
                case "throw" -> throw new IllegalStateException("Access denied for user 'admin'@'10.0.3.7'");
                case "error" -> throw new OutOfMemoryError("Java heap space");
                case "hang" -> {
                    progress.now("the database at db.example:3306 to accept connections");
                    Thread.sleep(60_000);
                    yield Outcome.done();
                }
                case "huge" -> throw new ResourceFailure("migration failed: " + "Traceback line\n".repeat(600));
                case "replace" -> Outcome.replacedBy("replacement-id", Map.of());
                default -> throw new AssertionError(mode);
            };
        }
    }

    record Scenario(String name, String fixture, Consumer<ObjectNode> change, Integer[] statuses, Duration timeout,
            String status, String physicalId, String reasonContains, int attempts, int verbCalls) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("create succeeds with a stable id and its data", "create.json", e -> { },
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "mlflow-DatabaseSetup", null, 1, 1),
                new Scenario("an exception becomes FAILED with its message", "create.json", mode("throw"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FAILED_CREATE_ID, "Access denied for user 'admin'", 1, 1),
                new Scenario("an Error becomes FAILED too", "create.json", mode("error"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FAILED_CREATE_ID, "internal error (OutOfMemoryError): Java heap space", 1, 1),
                new Scenario("the deadline answers FAILED with what it waited for", "create.json", mode("hang"),
                        new Integer[0], Duration.ofSeconds(3), "FAILED", FAILED_CREATE_ID,
                        "waiting for the database at db.example:3306 to accept connections", 1, 1),
                new Scenario("an oversized reason is cut to fit 4 KB", "create.json", mode("huge"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FAILED_CREATE_ID, "cut to fit CloudFormation's 4 KB limit", 1, 1),
                new Scenario("a missing property is named", "create.json", e -> Events.properties(e).remove("Mode"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FAILED_CREATE_ID, "Custom::Test property Mode is missing", 1, 0),
                new Scenario("malformed properties are named", "create.json", e -> e.put("ResourceProperties", "oops"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FAILED_CREATE_ID, "ResourceProperties must be an object", 1, 0),
                new Scenario("an unknown request type is refused", "create.json", e -> e.put("RequestType", "Destroy"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FAILED_CREATE_ID, "unknown RequestType 'Destroy'", 1, 0),
                new Scenario("a PUT that fails then succeeds is retried", "create.json", e -> { },
                        new Integer[] {500, 503}, Duration.ofSeconds(30), "SUCCESS", "mlflow-DatabaseSetup", null, 3, 1),
                new Scenario("delete after a failed create touches nothing", "delete.json",
                        e -> { e.put("PhysicalResourceId", FAILED_CREATE_ID); Events.properties(e).put("Mode", "throw"); },
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", FAILED_CREATE_ID, null, 1, 0),
                new Scenario("delete with unreadable properties still succeeds", "delete.json", e -> Events.properties(e).remove("Mode"),
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "mlflow-DatabaseSetup", null, 1, 0),
                new Scenario("update keeps the physical id", "update.json", e -> { },
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "mlflow-DatabaseSetup", null, 1, 1),
                new Scenario("update keeps an id that create would not give", "update.json",
                        e -> e.put("PhysicalResourceId", "an-earlier-physical-id"),
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "an-earlier-physical-id", null, 1, 1),
                new Scenario("an update during a rollback answers at once and runs no verb", "update.json",
                        e -> { e.put("StackId", STACK_ID.replace(":stack/mlflow/", ":stack/rolling-back/"));
                            Events.properties(e).put("Mode", "throw"); },
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "mlflow-DatabaseSetup", null, 1, 0),
                new Scenario("an update whose stack status cannot be read runs as an update", "update.json",
                        e -> e.put("StackId", STACK_ID.replace(":stack/mlflow/", ":stack/unreadable/")),
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "mlflow-DatabaseSetup", null, 1, 1),
                new Scenario("a failed update keeps the physical id", "update.json", mode("throw"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", "mlflow-DatabaseSetup", "Access denied", 1, 1),
                new Scenario("a replacement is asked for explicitly", "update.json", mode("replace"),
                        new Integer[0], Duration.ofSeconds(30), "SUCCESS", "replacement-id", null, 1, 1),
                new Scenario("update without a PhysicalResourceId is refused", "update.json", e -> e.remove("PhysicalResourceId"),
                        new Integer[0], Duration.ofSeconds(30), "FAILED", FailedCreate.UPDATE_FALLBACK, "the event has no PhysicalResourceId", 1, 0));
    }

    /** Where an Update that lacks its own id is answered: the fallback id for its request. */
    static final class FailedCreate {
        static final String UPDATE_FALLBACK = CustomResourceHandler.FAILED_CREATE_PREFIX + "7d2e4a11-03f6-4d1a-8f42-5c9b0e7a6b22";
    }

    private static Consumer<ObjectNode> mode(String mode) {
        return e -> Events.properties(e).put("Mode", mode);
    }

    private AnswerServer server;

    @BeforeEach
    void start() throws IOException {
        server = new AnswerServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /**
     * The verb's deadline keeps 20 s of the Lambda's time back for the answer and its retries,
     * read on an injected, fixed clock rather than measured in wall time.
     */
    @Test
    void theVerbsDeadlineKeepsTwentySecondsForTheAnswer() throws Exception {
        Instant fixed = Instant.parse("2026-11-26T12:00:00Z");
        List<Duration> seen = new ArrayList<>();
        CustomResourceHandler<String> handler = new CustomResourceHandler<>(new HttpAnswerSender(),
                Clock.fixed(fixed, java.time.ZoneOffset.UTC), stackId -> "CREATE_IN_PROGRESS") {
            @Override
            protected String parseProperties(JsonNode properties) {
                return "";
            }

            @Override
            protected Outcome create(CustomResourceRequest<String> request, Deadline deadline, Progress progress) {
                seen.add(deadline.remaining());
                return Outcome.done();
            }

            @Override
            protected Outcome update(CustomResourceRequest<String> request, Deadline deadline, Progress progress) {
                return Outcome.done();
            }

            @Override
            protected Outcome delete(CustomResourceRequest<String> request, Deadline deadline, Progress progress) {
                return Outcome.done();
            }
        };
        Events.invoke(handler, Events.load("create.json", server.url()), new FakeContext(Duration.ofSeconds(300)));

        assertThat(seen).singleElement().satisfies(remaining ->
                assertThat(remaining).isBetween(Duration.ofSeconds(279), Duration.ofSeconds(280)));
    }

    @Test
    void aDeleteWhoseVerbThrowsStillSucceedsSayingWhatWasLeft() throws Exception {
        ScriptedHandler handler = new ScriptedHandler();
        ObjectNode event = Events.load("delete.json", server.url(), mode("throw"));
        Events.invoke(handler, event, new FakeContext(Duration.ofSeconds(30)));
        JsonNode answer = server.onlyAnswer().json();
        assertThat(answer.path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(answer.path("Reason").asText()).contains("the Delete did not finish and was let go",
                "Access denied for user 'admin'");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo(event.path("PhysicalResourceId").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyRequestIsAnswered(Scenario scenario) throws Exception {
        ScriptedHandler handler = new ScriptedHandler();
        server.respondWith(scenario.statuses());
        ObjectNode event = Events.load(scenario.fixture(), server.url(), scenario.change());
        FakeContext context = new FakeContext(scenario.timeout());
        Instant began = Instant.now();

        Events.invoke(handler, event, context);

        assertThat(Duration.between(began, Instant.now())).as("answered within the Lambda's time").isLessThan(scenario.timeout());
        List<AnswerServer.Received> puts = server.received();
        assertThat(puts).hasSize(scenario.attempts());
        AnswerServer.Received answer = puts.get(puts.size() - 1);
        assertThat(answer.method()).isEqualTo("PUT");
        assertThat(answer.contentType()).as("no Content-Type: the presigned URL does not sign one").isNull();
        assertThat(answer.body().length).isLessThanOrEqualTo(Answer.MAX_BODY_BYTES);

        JsonNode body = answer.json();
        assertThat(body.path("Status").asText()).isEqualTo(scenario.status());
        assertThat(body.path("PhysicalResourceId").asText()).isEqualTo(scenario.physicalId());
        assertThat(body.path("StackId").asText()).isEqualTo(event.path("StackId").asText());
        assertThat(body.path("RequestId").asText()).isEqualTo(event.path("RequestId").asText());
        assertThat(body.path("LogicalResourceId").asText()).isEqualTo("DatabaseSetup");
        assertThat(body.path("NoEcho").asBoolean()).isFalse();
        if (scenario.reasonContains() != null) {
            assertThat(body.path("Reason").asText()).contains(scenario.reasonContains());
        } else {
            assertThat(body.has("Reason")).isFalse();
        }
        if (scenario.status().equals("SUCCESS") && scenario.verbCalls() == 1 && !scenario.physicalId().equals("replacement-id")) {
            assertThat(body.path("Data").path("Username").asText()).isEqualTo("mlflow");
        }
        assertThat(handler.verbCalls.get()).isEqualTo(scenario.verbCalls());

        assertThat(context.log()).doesNotContain("X-Amz-Signature", "secret-signature", server.url().toString());
        assertThat(context.logLines().stream().filter(l -> l.contains("\"event\":\"custom-resource\""))).hasSize(1);
    }

    @Test
    void aRepeatedInvocationAnswersTheSameWay() throws Exception {
        ScriptedHandler handler = new ScriptedHandler();
        ObjectNode event = Events.load("create.json", server.url());
        Events.invoke(handler, event, new FakeContext(Duration.ofSeconds(30)));
        Events.invoke(handler, event, new FakeContext(Duration.ofSeconds(30)));
        List<AnswerServer.Received> answers = server.received();
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0).json()).isEqualTo(answers.get(1).json());
    }

    @Test
    void aPutThatNeverSucceedsFailsTheInvocationSoLambdaRetriesIt() throws Exception {
        server.alwaysRespondWith(503);
        FakeContext context = new FakeContext(Duration.ofSeconds(6));
        ObjectNode event = Events.load("create.json", server.url());
        Instant began = Instant.now();
        assertThatThrownBy(() -> Events.invoke(new ScriptedHandler(), event, context))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not reach CloudFormation");
        assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(6));
        assertThat(server.received().size()).isGreaterThan(2);
        assertThat(context.log()).contains("HTTP 503").contains("UNDELIVERED SUCCESS").doesNotContain("secret-signature");
    }

    @Test
    void aRefusedPutIsNotRetried() throws Exception {
        server.alwaysRespondWith(403);
        FakeContext context = new FakeContext(Duration.ofSeconds(10));
        assertThatThrownBy(() -> Events.invoke(new ScriptedHandler(), Events.load("create.json", server.url()), context))
                .isInstanceOf(IOException.class);
        assertThat(server.received()).hasSize(1);
        assertThat(context.log()).contains("HTTP 403", "not retried");
    }

    @Test
    void anEventWithoutAResponseUrlCannotBeAnsweredAndSaysSo() {
        FakeContext context = new FakeContext(Duration.ofSeconds(10));
        assertThatThrownBy(() -> Events.invoke(new ScriptedHandler(), "{\"RequestType\":\"Create\"}", context))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no ResponseURL");
        assertThatThrownBy(() -> Events.invoke(new ScriptedHandler(), "not json", context))
                .isInstanceOf(IOException.class);
        assertThat(server.received()).isEmpty();
        assertThat(context.log()).contains("UNANSWERED");
    }

    @Test
    void theCutReasonKeepsItsBeginningAndPointsToTheLog() throws Exception {
        Events.invoke(new ScriptedHandler(), Events.load("create.json", server.url(), mode("huge")),
                new FakeContext(Duration.ofSeconds(30)));
        String reason = server.onlyAnswer().json().path("Reason").asText();
        assertThat(reason).startsWith("migration failed: Traceback line");
        assertThat(reason).endsWith("log stream 2026/11/26/[$LATEST]0123456789abcdef]");
        assertThat(server.onlyAnswer().body().length).isGreaterThan(Answer.MAX_BODY_BYTES - 100);
    }
}
