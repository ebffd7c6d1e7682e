package dmlflow.resources.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The template's HTTPS listener with SignIn oidc or cognito, in front of a real MLflow: its rules
 * in their priorities (LoadBalancer.signInRules). A request with an Authorization header, or for
 * /health or /version, is forwarded; without a session (this stand-in never has one) an API path
 * gets the load balancer's own 401 ("deny" answers 401 Unauthorized, ELB API reference,
 * AuthenticateOidcActionConfig.OnUnauthenticatedRequest) and anything else a redirect to the
 * identity provider, which is recorded so a test can say it was never sent there.
 */
final class SignInLoadBalancer implements AutoCloseable {
    static final String IDENTITY_PROVIDER = "https://idp.example/authorize";

    private final HttpServer server;
    private final URI target;
    final List<String> sentToIdentityProvider = new CopyOnWriteArrayList<>();

    SignInLoadBalancer(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::route);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        boolean credentials = exchange.getRequestHeaders().containsKey("Authorization");
        try (exchange) {
            if (credentials || path.equals("/health") || path.equals("/version")) {
                forward(exchange);
            } else if (path.startsWith("/ajax-api/") || path.startsWith("/api/") || path.equals("/graphql")
                    || path.equals("/get-artifact") || path.equals("/model-versions/get-artifact")) {
                answer(exchange, 401, "<html><body><h1>401 Authorization Required</h1></body></html>");
            } else {
                sentToIdentityProvider.add(path);
                exchange.getResponseHeaders().add("Location", IDENTITY_PROVIDER);
                answer(exchange, 302, "");
            }
        }
    }

    /** Through HttpProbe's plain socket: the JDK's HTTP client refuses to set a Host header. */
    private void forward(HttpExchange exchange) throws IOException {
        HttpProbe.Reply reply = new HttpProbe().get(target, exchange.getRequestURI().toString(),
                exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestHeaders().getFirst("Authorization"));
        reply.wwwAuthenticate().ifPresent(v -> exchange.getResponseHeaders().add("WWW-Authenticate", v));
        answer(exchange, reply.status(), reply.body());
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
