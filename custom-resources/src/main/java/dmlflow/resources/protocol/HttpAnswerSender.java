package dmlflow.resources.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * PUTs the answer with timeouts, checks the status, and retries with backoff on connection
 * errors, throttling and server errors until the deadline. The URL is a bearer credential for
 * the answer: it is never logged.
 */
public final class HttpAnswerSender implements AnswerSender {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(4);
    private static final int MAX_ATTEMPTS = 8;

    /** How the sender waits between attempts: a seam, so tests see the backoff without waiting it. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    private final HttpClient http;
    private final Clock clock;
    private final Sleeper sleeper;

    public HttpAnswerSender() {
        this(HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build(), Clock.systemUTC(),
                pause -> Thread.sleep(pause.toMillis()));
    }

    HttpAnswerSender(HttpClient http, Clock clock, Sleeper sleeper) {
        this.http = http;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    @Override
    public boolean send(URI responseUrl, byte[] body, Instant deadline, LogSink log) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Duration left = Duration.between(clock.instant(), deadline);
            if (attempt > 1 && left.compareTo(backoff) <= 0) {
                log.log("answer not delivered: no time left for attempt " + attempt);
                return false;
            }
            String failure;
            try {
                // A presigned S3 PUT: no Content-Type, since the signature does not cover one.
                HttpRequest request = HttpRequest.newBuilder(responseUrl)
                        .timeout(attempt == 1 ? REQUEST_TIMEOUT : min(REQUEST_TIMEOUT, max(left, Duration.ofSeconds(1))))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return true;
                }
                failure = "HTTP " + status + snippet(response.body());
                if (status >= 400 && status < 500 && status != 408 && status != 429) {
                    log.log("answer refused (" + failure + "); not retried: the URL has expired or was altered");
                    return false;
                }
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.log("answer not delivered: interrupted");
                return false;
            }
            log.log("answer attempt " + attempt + " failed (" + failure + "); retrying in " + backoff.toMillis() + " ms");
            try {
                sleeper.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
        }
        log.log("answer not delivered after " + MAX_ATTEMPTS + " attempts");
        return false;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static String snippet(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String flat = body.replaceAll("\\s+", " ").trim();
        return ": " + (flat.length() > 200 ? flat.substring(0, 200) + "…" : flat);
    }
}
