package dmlflow.resources.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A real HTTP server answering /health and /version the way MLflow does. */
public final class MlflowStub implements AutoCloseable {
    private final HttpServer server;
    private volatile int healthStatus = 200;

    public MlflowStub(String version) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health", exchange -> reply(exchange, healthStatus, healthStatus == 200 ? "OK" : "unavailable"));
        server.createContext("/version", exchange -> reply(exchange, 200, version));
        server.start();
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public void health(int status) {
        healthStatus = status;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
