package dmlflow.resources.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A real HTTP server on 127.0.0.1 standing in for CloudFormation's presigned S3 ResponseURL:
 * records every PUT and answers with the statuses it is told to, then 200.
 */
public final class AnswerServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Received(String method, String contentType, byte[] body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("the answer is not JSON", e);
            }
        }
    }

    private final HttpServer server;
    private final Deque<Integer> statuses = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private volatile int defaultStatus = 200;

    public AnswerServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status;
            synchronized (this) {
                received.add(new Received(exchange.getRequestMethod(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), body));
                status = statuses.isEmpty() ? defaultStatus : statuses.poll();
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                + "/cloudformation-custom-resource-response?X-Amz-Signature=secret-signature");
    }

    public synchronized void respondWith(Integer... upcoming) {
        statuses.addAll(List.of(upcoming));
    }

    public void alwaysRespondWith(int status) {
        defaultStatus = status;
    }

    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    public synchronized Received onlyAnswer() {
        if (received.size() != 1) {
            throw new AssertionError("expected exactly one answer, got " + received.size());
        }
        return received.get(0);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
