package dmlflow.resources.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.resources.testing.AnswerServer;
import dmlflow.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The answer's delivery against a real local HTTP server, with time injected: a clock that only
 * the sender's own pauses move, so the backoff is seen without waiting for it. Which statuses are
 * worth a retry follows S3's documented errors for a PUT to a presigned URL (Amazon S3 API
 * Reference, "Error responses"): 408 RequestTimeout, 429/503 SlowDown and 5xx InternalError are
 * transient; 403 (expired or altered signature) and other 4xx are final.
 */
class HttpAnswerSenderTest {
    private static final byte[] BODY = "{\"Status\":\"SUCCESS\"}".getBytes();

    private AnswerServer server;
    private Instant now;
    private final List<Duration> pauses = new ArrayList<>();
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new AnswerServer();
        now = Instant.parse("2026-11-26T12:00:00Z");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpAnswerSender sender() {
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        return new HttpAnswerSender(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), clock, pause -> {
            pauses.add(pause);
            now = now.plus(pause);
        });
    }

    private boolean send(URI url, Duration budget) {
        return sender().send(url, BODY, now.plus(budget), line -> log.add(line));
    }

    @Test
    void throttlingIsRetriedAfterABackoff() {
        server.respondWith(429, 200);
        assertThat(send(server.url(), Duration.ofSeconds(20))).isTrue();
        assertThat(server.received()).hasSize(2);
        assertThat(pauses).containsExactly(Duration.ofMillis(250));
    }

    @Test
    void aRequestTimeoutAndServerErrorsAreRetriedWithAGrowingBackoff() {
        server.respondWith(408, 500, 503, 200);
        assertThat(send(server.url(), Duration.ofSeconds(20))).isTrue();
        assertThat(server.received()).hasSize(4);
        assertThat(pauses).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofMillis(1000));
    }

    @Test
    void aRefusedConnectionIsRetriedUntilTheDeadline() {
        URI nobody = URI.create("http://127.0.0.1:" + Ports.free() + "/answer");
        assertThat(send(nobody, Duration.ofSeconds(10))).isFalse();
        assertThat(pauses).hasSizeGreaterThanOrEqualTo(3).startsWith(Duration.ofMillis(250), Duration.ofMillis(500));
        assertThat(log).anyMatch(line -> line.contains("ConnectException"));
    }

    @Test
    void anExpiredUrlIsNotRetried() {
        server.respondWith(403);
        assertThat(send(server.url(), Duration.ofSeconds(20))).isFalse();
        assertThat(server.received()).hasSize(1);
        assertThat(pauses).isEmpty();
    }
}
