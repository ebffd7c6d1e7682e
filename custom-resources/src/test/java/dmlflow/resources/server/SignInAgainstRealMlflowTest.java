package dmlflow.resources.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dmlflow.resources.testing.MariaDbServer;
import dmlflow.resources.testing.MlflowClient;
import dmlflow.resources.testing.TrackingContainer;
import dmlflow.testing.MotoServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign-in through the load balancer (container/dmlflow_signin.py) on the real MLflow, started by
 * the template's own start script with DMLFLOW_SIGNIN=oidc. The load balancer is played by this
 * test: it signs x-amzn-oidc-data tokens as the ELB User Guide describes them ("Authenticate users
 * using an Application Load Balancer": ES256, header fields kid, signer, exp; base64url segments
 * padded with '=') with a P-256 key of its own, and serves the public key as PEM by kid from a
 * local HTTP server standing for https://public-keys.auth.elb.REGION.amazonaws.com (the one
 * setting that only tests change, DMLFLOW_SIGNIN_KEYS_URL).
 *
 * MLflow here is 3.12; 3.17 keeps the two functions the module wraps under the same names and
 * signatures (mlflow/server/auth/__init__.py, read in its source), and its fail-closed default
 * (MLFLOW_BASIC_AUTH_FAIL_CLOSED, 3.16.1+) does not reach /dmlflow/token, which answers ahead of
 * MLflow's own checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class SignInAgainstRealMlflowTest {
    private static final String DB_PASSWORD = "signin-db-password";
    private static final String ADMIN_PASSWORD = "admin-password-for-sign-in";
    private static final String SIGNER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mlflow/50dc6c495c0c9188";
    private static final String KID = "5b1f0c6e-3a9c-4f1e-9f7a-2d1c0e7b9a11";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private MariaDbServer database;
    private TrackingContainer container;
    private HttpServer keys;
    private final AtomicInteger keyFetches = new AtomicInteger();
    private KeyPair balancer;
    private KeyPair stranger;
    private MlflowClient client;
    private URI base;
    private Map<String, String> settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        balancer = generator.generateKeyPair();
        stranger = generator.generateKeyPair();
        keys = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        keys.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/" + KID)) {
                keyFetches.incrementAndGet();
            }
            byte[] body = exchange.getRequestURI().getPath().equals("/" + KID)
                    ? pem(balancer.getPublic()).getBytes(StandardCharsets.US_ASCII) : new byte[0];
            exchange.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        keys.start();

        MotoServer moto = MotoServer.start();
        client = new MlflowClient(dir, moto);
        String bucket = "signin-" + UUID.randomUUID().toString().substring(0, 8);
        client.createBucket(bucket);
        database = MariaDbServer.startSeparate();
        TrackingContainer.prepareDatabases(database, DB_PASSWORD);
        settings = new TreeMap<>(
                TrackingContainer.injected(client, database.port(), DB_PASSWORD, ADMIN_PASSWORD, bucket));
        settings.put("DMLFLOW_SIGNIN", "oidc");
        settings.put("DMLFLOW_SIGNIN_SIGNER", SIGNER);
        settings.put("DMLFLOW_SIGNIN_KEYS_URL", "http://127.0.0.1:" + keys.getAddress().getPort());
        settings.put("DMLFLOW_ADMIN_EMAILS", "Boss@Example.com, ops@example.com");
        settings.put("DMLFLOW_SIGNIN_CLIENT", "dmlflow-client");
        container = new TrackingContainer(Files.createDirectory(dir.resolve("container")), settings);
        TrackingContainer.Exit migrated = container.migrate();
        assertThat(migrated.code()).as(migrated.output()).isZero();
        base = container.serve();
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
        if (database != null) {
            database.stop();
        }
        if (keys != null) {
            keys.stop(0);
        }
    }

    @Test
    void aSignedInPersonIsTheirOwnUserMadeOnFirstSignInWithTheDefaultPermission() throws Exception {
        String alice = token(balancer.getPrivate(), KID, SIGNER, "Alice@Example.com", 300);
        assertThat(admin("GET", "/api/2.0/mlflow/users/get?username=alice@example.com", null).statusCode())
                .as("no user before the first sign-in").isEqualTo(404);

        HttpResponse<String> search = signedIn("GET", "/api/2.0/mlflow/experiments/search?max_results=5", alice, null);
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        JsonNode user = JSON.readTree(admin("GET", "/api/2.0/mlflow/users/get?username=alice@example.com", null).body());
        assertThat(user.path("user").path("username").asText()).as("the e-mail, lower-cased").isEqualTo("alice@example.com");
        assertThat(user.path("user").path("is_admin").asBoolean()).isFalse();

        // DefaultPermission READ: her own experiment is hers (MLflow grants its creator MANAGE);
        // the admin's she may read, not write.
        HttpResponse<String> own = signedIn("POST", "/api/2.0/mlflow/experiments/create", alice,
                "{\"name\":\"alice-" + UUID.randomUUID() + "\"}");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        String shared = JSON.readTree(admin("POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\":\"shared-" + UUID.randomUUID() + "\"}").body()).path("experiment_id").asText();
        assertThat(signedIn("GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + shared, alice, null).statusCode())
                .isEqualTo(200);
        assertThat(signedIn("POST", "/api/2.0/mlflow/runs/create", alice, "{\"experiment_id\":\"" + shared + "\"}")
                .statusCode()).as("READ does not write").isEqualTo(403);
        assertThat(keyFetches.get()).as("the key is fetched once and kept (one worker)").isEqualTo(1);
    }

    @Test
    void anAddressInAdminEmailsIsAnAdmin() throws Exception {
        HttpResponse<String> first = signedIn("GET", "/api/2.0/mlflow/experiments/search?max_results=5",
                token(balancer.getPrivate(), KID, SIGNER, "boss@example.com", 300), null);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode user = JSON.readTree(admin("GET", "/api/2.0/mlflow/users/get?username=boss@example.com", null).body());
        assertThat(user.path("user").path("is_admin").asBoolean()).isTrue();
    }

    @Test
    void forgedExpiredForeignAndMalformedTokensGetA401AndMakeNoUser() throws Exception {
        Map<String, String> refused = new TreeMap<>();
        refused.put("signed by another key under this key's kid", token(stranger.getPrivate(), KID, SIGNER, "mallory@example.com", 300));
        refused.put("expired", token(balancer.getPrivate(), KID, SIGNER, "mallory@example.com", -5));
        refused.put("another load balancer's", token(balancer.getPrivate(), KID, SIGNER.replace("50dc6c495c0c9188", "0000000000000000"),
                "mallory@example.com", 300));
        refused.put("a kid the key endpoint does not know", token(balancer.getPrivate(), "no-such-key", SIGNER, "mallory@example.com", 300));
        String good = token(balancer.getPrivate(), KID, SIGNER, "mallory@example.com", 300);
        String[] parts = good.split("\\.");
        refused.put("its payload changed after signing", parts[0] + "." + b64(("{\"email\":\"boss@example.com\",\"exp\":"
                + (Instant.now().getEpochSecond() + 300) + "}").getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);
        refused.put("alg none", b64(("{\"alg\":\"none\",\"kid\":\"" + KID + "\",\"signer\":\"" + SIGNER + "\",\"exp\":"
                + (Instant.now().getEpochSecond() + 300) + "}").getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".");
        refused.put("not a token", "garbage");
        refused.put("for another client of the identity provider", token(balancer.getPrivate(), KID, SIGNER, "other-client", 300,
                "{\"email\":\"mallory@example.com\",\"email_verified\":true}"));
        refused.put("an e-mail the provider has not verified", token(balancer.getPrivate(), KID, SIGNER, "dmlflow-client", 300,
                "{\"email\":\"mallory@example.com\",\"email_verified\":false}"));
        refused.put("no word on verification (DMLFLOW_SIGNIN_UNVERIFIED_EMAILS is not accept)", token(balancer.getPrivate(), KID,
                SIGNER, "dmlflow-client", 300, "{\"email\":\"mallory@example.com\"}"));
        // MySQL's default collation would equate it with boss@example.com, an admin.
        refused.put("a look-alike of an admin's address", token(balancer.getPrivate(), KID, SIGNER, "boss@ex\u00e4mple.com", 300));
        refused.put("an expiry only in the payload, not in the header the load balancer signs", token(balancer.getPrivate(), KID,
                SIGNER, "dmlflow-client", Long.MIN_VALUE, "{\"email\":\"mallory@example.com\",\"email_verified\":true,\"exp\":"
                        + (Instant.now().getEpochSecond() + 300) + "}"));
        refused.put("an empty header", " ");
        for (Map.Entry<String, String> forged : refused.entrySet()) {
            HttpResponse<String> answer = signedIn("GET", "/api/2.0/mlflow/experiments/search?max_results=5", forged.getValue(), null);
            assertThat(answer.statusCode()).as(forged.getKey()).isEqualTo(401);
        }
        assertThat(signedIn("GET", "/api/2.0/mlflow/experiments/search?max_results=5", null, null).statusCode())
                .as("neither a token nor a password").isEqualTo(401);
        assertThat(admin("GET", "/api/2.0/mlflow/users/get?username=mallory@example.com", null).statusCode())
                .as("no refused token made a user").isEqualTo(404);
        assertThat(container.serverLog()).contains("dmlflow: sign-in refused: signed by another load balancer");
    }

    @Test
    void theTokenPageGivesAPasswordTheStockClientUsesUntilItIsRevoked() throws Exception {
        String carol = token(balancer.getPrivate(), KID, SIGNER, "carol@example.com", 300);
        HttpResponse<String> page = signedIn("GET", "/dmlflow/token", carol, null);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("Signed in as <b>carol@example.com</b>");

        HttpResponse<String> elsewhere = form(carol, "new", "https://evil.example.com");
        assertThat(elsewhere.statusCode()).as("a form posted from another site").isEqualTo(403);
        assertThat(form(carol, "new", "http://" + base.getAuthority()).statusCode())
                .as("behind the load balancer the page is https: an http origin is another site").isEqualTo(403);
        HttpResponse<String> made = form(carol, "new", "https://" + base.getAuthority());
        assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
        assertThat(made.headers().firstValue("Cache-Control")).hasValue("no-store");
        Matcher password = Pattern.compile("export MLFLOW_TRACKING_PASSWORD=([A-Za-z0-9_-]+)").matcher(made.body());
        assertThat(password.find()).as(made.body()).isTrue();
        assertThat(made.body()).contains("export MLFLOW_TRACKING_USERNAME=carol@example.com",
                "export MLFLOW_TRACKING_URI=https://" + base.getAuthority());

        String runId = client.run(base, "carol@example.com", password.group(1), "log");
        assertThat(runId).as("the stock client logged a run with the page's password").matches("[0-9a-f]{32}");

        assertThat(form(carol, "revoke", "https://" + base.getAuthority()).statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> client.run(base, "carol@example.com", password.group(1), "log"))
                .as("a revoked password no longer works").hasMessageContaining("401");
        HttpResponse<String> withPassword = http.send(HttpRequest.newBuilder(base.resolve("/dmlflow/token"))
                .header("Authorization", basic("admin", ADMIN_PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withPassword.statusCode()).as("the page is for people signed in at the load balancer").isEqualTo(403);
        assertThat(signedIn("GET", "/dmlflow/token", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void passwordsStillWorkBesideSignInAndAForgedTokenDoesNotBypassThem() throws Exception {
        HttpResponse<String> plain = admin("GET", "/api/2.0/mlflow/experiments/search?max_results=5", null);
        assertThat(plain.statusCode()).isEqualTo(200);
        // With an Authorization header the token is ignored: a wrong password stays wrong.
        HttpResponse<String> both = http.send(HttpRequest.newBuilder(base.resolve("/api/2.0/mlflow/experiments/search?max_results=5"))
                .header("Authorization", basic("admin", "wrong-password-here"))
                .header("x-amzn-oidc-data", token(balancer.getPrivate(), KID, SIGNER, "boss@example.com", 300)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(both.statusCode()).isEqualTo(401);
    }

    /**
     * SignIn oidc → basic → oidc on a running stack (issue 17, item 7): a rollout runs the new task
     * beside the old on the same databases, as ECS does. Nothing is in the template's parameters
     * but the start script's DMLFLOW_SIGNIN; users, permissions and passwords live in the user store.
     */
    @Test
    void switchingSignInOffAndOnKeepsEveryUserPermissionAndPassword() throws Exception {
        String dave = token(balancer.getPrivate(), KID, SIGNER, "dave@example.com", 300);
        HttpResponse<String> made = form(dave, "new", "https://" + base.getAuthority());
        Matcher password = Pattern.compile("export MLFLOW_TRACKING_PASSWORD=([A-Za-z0-9_-]+)").matcher(made.body());
        assertThat(password.find()).as(made.body()).isTrue();
        String experiment = JSON.readTree(admin("POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"shared-with-dave\"}").body()).path("experiment_id").asText();
        assertThat(admin("POST", "/api/2.0/mlflow/experiments/permissions/create", "{\"experiment_id\": \"" + experiment
                + "\", \"username\": \"dave@example.com\", \"permission\": \"EDIT\"}").statusCode()).isEqualTo(200);

        Map<String, String> basicOnly = new TreeMap<>(settings);
        basicOnly.put("DMLFLOW_SIGNIN", "basic");
        try (TrackingContainer withoutSignIn = new TrackingContainer(Files.createDirectory(dir.resolve("basic")), basicOnly)) {
            URI plain = withoutSignIn.serve();
            HttpResponse<String> permission = http.send(HttpRequest.newBuilder(plain.resolve(
                    "/api/2.0/mlflow/experiments/permissions/get?experiment_id=" + experiment + "&username=dave@example.com"))
                    .header("Authorization", basic("admin", ADMIN_PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(permission.body()).as("the grant made under oidc").contains("EDIT");
            HttpResponse<String> run = http.send(HttpRequest.newBuilder(plain.resolve("/api/2.0/mlflow/runs/create"))
                    .header("Authorization", basic("dave@example.com", password.group(1)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"experiment_id\": \"" + experiment + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(run.statusCode()).as("the token page's password and the EDIT grant work without sign-in: "
                    + run.body()).isEqualTo(200);
            HttpResponse<String> tokenOnly = http.send(HttpRequest.newBuilder(plain.resolve(
                    "/api/2.0/mlflow/experiments/search?max_results=1")).header("x-amzn-oidc-data", dave).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tokenOnly.statusCode()).as("with basic, a token is nobody").isEqualTo(401);
        }
        // Back on oidc (the first server never stopped): the same user, not a second one.
        assertThat(signedIn("GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + experiment, dave, null).statusCode())
                .isEqualTo(200);
        assertThat(admin("GET", "/api/2.0/mlflow/experiments/permissions/get?experiment_id=" + experiment
                + "&username=dave@example.com", null).body()).contains("EDIT");
        assertThat(client.run(base, "admin", ADMIN_PASSWORD, "log")).as("the admin secret still logs in").matches("[0-9a-f]{32}");
    }

    private HttpResponse<String> form(String token, String action, String origin) throws Exception {
        // As the load balancer forwards it: X-Forwarded-Proto says the person's page was https.
        return http.send(HttpRequest.newBuilder(base.resolve("/dmlflow/token")).header("x-amzn-oidc-data", token)
                .header("X-Forwarded-Proto", "https").header("Origin", origin).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=" + action)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> signedIn(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("x-amzn-oidc-data", token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", basic("admin", ADMIN_PASSWORD))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A token as the load balancer makes one: signer, iss, client and exp in the header, the
     * identity provider's user-info claims in the payload; ES256 over header.payload, the signature
     * as R || S.
     */
    private static String token(PrivateKey key, String kid, String signer, String email, long secondsLeft) throws Exception {
        return token(key, kid, signer, "dmlflow-client", secondsLeft,
                "{\"sub\":\"" + UUID.randomUUID() + "\",\"email\":\"" + email + "\",\"email_verified\":\"true\"}");
    }

    private static String token(PrivateKey key, String kid, String signer, String client, long secondsLeft, String claims)
            throws Exception {
        long exp = Instant.now().getEpochSecond() + secondsLeft;
        String header = b64(("{\"typ\":\"JWT\",\"kid\":\"" + kid + "\",\"alg\":\"ES256\",\"iss\":\"https://idp.example.com\","
                + "\"client\":\"" + client + "\",\"signer\":\"" + signer + "\"" + (secondsLeft == Long.MIN_VALUE ? ""
                : ",\"exp\":" + exp) + "}").getBytes(StandardCharsets.UTF_8));
        String payload = b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
        signature.initSign(key);
        signature.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        return header + "." + payload + "." + b64(signature.sign());
    }

    /** base64url with its '=' padding kept, as the load balancer writes it (ELB User Guide). */
    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().encodeToString(bytes);
    }

    private static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }
}
