package dmlflow.resources.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A real HTTP server that answers as a basic-auth MLflow tracking server does, for the cases the
 * real server cannot be made to show (a /health that fails while the process lives). Each rule
 * follows MLflow's source (3.12, the same in 3.17):
 * <ul>
 *   <li>{@code /health} and {@code /version} skip the Host check (HEALTH_ENDPOINTS in
 *       mlflow/server/security_utils.py, HostValidationMiddleware in fastapi_security.py);</li>
 *   <li>any other path with a Host not in the allowed list gets 403 "Invalid Host header - possible
 *       DNS rebinding attack detected"; the match is exact and case-sensitive
 *       ({@code is_allowed_host_header});</li>
 *   <li>past the Host check, basic auth lets only /static, /favicon.ico and /health through
 *       anonymously ({@code is_unprotected_route} in mlflow/server/auth/__init__.py); everything
 *       else answers 401 with {@code WWW-Authenticate: Basic realm="mlflow"}
 *       ({@code make_basic_auth_response}).</li>
 * </ul>
 */
public final class MlflowStub implements AutoCloseable {
    static final String INVALID_HOST = "Invalid Host header - possible DNS rebinding attack detected";
    private final HttpServer server;
    private final List<String> allowedHosts;
    private volatile int healthStatus = 200;

    public MlflowStub(List<String> allowedHosts) throws IOException {
        this.allowedHosts = List.copyOf(allowedHosts);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/health")) {
            reply(exchange, healthStatus, healthStatus == 200 ? "OK" : "unavailable");
            return;
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (!path.equals("/version") && !allowedHosts.contains(host)) {
            reply(exchange, 403, INVALID_HOST);
            return;
        }
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"mlflow\"");
        reply(exchange, 401, "You are not authenticated. Please see"
                + " https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.");
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
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
