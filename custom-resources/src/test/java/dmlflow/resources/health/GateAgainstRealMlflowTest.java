package dmlflow.resources.health;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.resources.testing.MariaDbServer;
import dmlflow.resources.testing.MlflowClient;
import dmlflow.resources.testing.TrackingContainer;
import dmlflow.testing.MotoServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's start script and the health gate's HTTP checks against a real MLflow
 * ({@link dmlflow.testing.RealMlflow}) on a real MariaDB, with artifacts in moto's S3:
 * what a user's first deploy, a task restart and a client see. MLflow here may be older than the
 * image's (see RealMlflow); the behaviours checked (host check, auth-exempt paths, user-store
 * migration, schema revisions) are the same in 3.12 and 3.17 by their sources.
 */
class GateAgainstRealMlflowTest {
    static final String ALB = "dmlflow-LoadB-Ab12Cd34-987654.eu-west-1.elb.amazonaws.com";
    static final String DOMAIN = "MLflow.Example.com";
    static final String DB_USERNAME = "ml user@host:1/x";
    static final String DB_PASSWORD = "p@ss:w/rd?q#f%25[x]' \"b`q` sp ace%";
    static final String ADMIN_PASSWORD = "a d%min@:/?#[]'\"`%% pass";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    static MariaDbServer mariadb;
    static MotoServer moto;

    @TempDir
    Path dir;

    @BeforeAll
    static void servers() {
        mariadb = MariaDbServer.start();
        moto = MotoServer.start();
    }

    @Test
    void basicAuthServerComesUpOnEmptyDatabasesAndKeepsRunsAndArtifactsAcrossARestart() throws Exception {
        Map<String, String> settings = settings("basic");
        try (TrackingContainer container = new TrackingContainer(dir, settings)) {
            TrackingContainer.Exit empty = container.check();
            assertThat(empty.code()).as(empty.output()).isEqualTo(10);
            assertThat(empty.stdout()).contains("tracking schema: empty", "user store: empty", "schema change needed");

            TrackingContainer.Exit first = container.migrate();
            assertThat(first.code()).as(first.output()).isZero();
            assertThat(first.stdout()).contains("created the tracking schema", "schemas are up to date");
            assertThat(authRevision(settings)).as("the user store is versioned at MLflow's head").isNotBlank();

            TrackingContainer.Exit again = container.migrate();
            assertThat(again.code()).as(again.output()).isZero();
            assertThat(again.stdout()).contains("already at revision");
            TrackingContainer.Exit current = container.check();
            assertThat(current.code()).as(current.output()).isZero();
            assertThat(current.stdout()).contains("no schema change needed");

            URI base = container.serve();
            assertGateSeesMlflowFor(base, ALB);
            assertGateSeesMlflowFor(base, ALB.toLowerCase());
            assertGateSeesMlflowFor(base, DOMAIN);
            assertGateSeesMlflowFor(base, DOMAIN.toLowerCase());
            // Why the gate does not read /version: under basic auth it needs a login (is_unprotected_route).
            assertThat(get(base, "/version").statusCode()).isEqualTo(401);

            String bucket = settings.get("DMLFLOW_ARTIFACTS_DESTINATION").split("/")[2];
            String runId = client(base, "log");
            assertThat(s3Keys(bucket)).as("the artifact went through the server to S3")
                    .anyMatch(key -> key.endsWith(runId + "/artifacts/model.txt"));
            // An idle server holds no database connection, so Aurora can pause at 0 ACU: MLflow's pool
            // is NullPool (MLFLOW_SQLALCHEMYSTORE_POOLCLASS, mlflow/store/db/utils.py) and its job
            // runner, which polls the store every minute, is off. A minute of idling, while the load
            // balancer's health checks (/health does not touch the store) go on.
            assertThat(connectionsWhileIdling(base, settings.get("DMLFLOW_DB_USERNAME"), java.time.Duration.ofSeconds(65)))
                    .as("connections MLflow's user held, sampled every 5 s of a minute's idling").containsOnly(0L);
            container.stopServer();

            TrackingContainer.Exit restart = container.migrate();
            assertThat(restart.code()).as(restart.output()).isZero();
            URI again2 = container.serve();
            assertThat(client(again2, "read", runId)).startsWith("mlflow-artifacts:/").endsWith("0.93 weights-42");
        }
    }

    @Test
    void withoutAuthTheApiAnswersAndTheGatePasses() throws Exception {
        try (TrackingContainer container = new TrackingContainer(dir, settings("none"))) {
            TrackingContainer.Exit migrated = container.migrate();
            assertThat(migrated.code()).as(migrated.output()).isZero();
            assertThat(migrated.stdout()).doesNotContain("user store");
            URI base = container.serve();
            assertGateSeesMlflowFor(base, ALB);
            assertThat(get(base, "/version").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void behindSignInTheGateReachesMlflowWithoutMeetingTheIdentityProvider() throws Exception {
        try (TrackingContainer container = new TrackingContainer(dir, settings("basic"))) {
            assertThat(container.migrate().code()).isZero();
            try (SignInLoadBalancer alb = new SignInLoadBalancer(container.serve())) {
                assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(alb.uri().resolve(
                        HealthGateHandler.API_PROBE)).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                        .as("an API request without credentials or a session gets the load balancer's 401").isEqualTo(401);
                assertGateSeesMlflowFor(alb.uri(), DOMAIN);
                assertThat(alb.sentToIdentityProvider).isEmpty();
            }
        }
    }

    @Test
    void theGateFailsAtOnceNamingDomainNameWhenMlflowRefusesTheHost() throws Exception {
        try (TrackingContainer container = new TrackingContainer(dir, settings("basic"))) {
            assertThat(container.migrate().code()).isZero();
            URI base = container.serve();
            Observation seen = new Observation();
            HealthGateHandler.probe(new HttpProbe(), base, "mlflow.other.example", true, seen);
            assertThat(seen.fatal()).contains("403", "Invalid Host header", "DomainName");
            assertThat(seen.hasReachedMlflow()).isFalse();

            Observation whileOldTasksServe = new Observation();
            HealthGateHandler.probe(new HttpProbe(), base, "mlflow.other.example", false, whileOldTasksServe);
            assertThat(whileOldTasksServe.fatal()).as("old tasks may still answer: wait").isNull();
            assertThat(whileOldTasksServe.unmetConditions()).contains("403");
        }
    }

    @Test
    void aUserStoreHalfCreatedByMlflowsOwnMigrationIsBroughtToHead() throws Exception {
        Map<String, String> settings = settings("basic");
        try (TrackingContainer container = new TrackingContainer(dir, settings)) {
            // MLflow's own first migration on MySQL/MariaDB: fails on the duplicate 'fk_user_id' and
            // leaves tables behind (mlflow issues 9642, 10964).
            Path upgrade = dir.resolve("auth_upgrade.py");
            Files.writeString(upgrade, "import runpy, sys\nsys.argv = ['mlflow.server.auth', 'db', 'upgrade', '--url', sys.argv[1]]\n"
                    + "runpy.run_module('mlflow.server.auth', run_name='__main__')\n");
            AssertionError mlflowAlone = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                    () -> TrackingContainer.python(upgrade, Map.of(), authUrl(settings)));
            assertThat(mlflowAlone.getMessage()).containsAnyOf("fk_user_id", "errno: 121", "Duplicate key", "1826");
            assertThat(tables(settings.get("DMLFLOW_AUTH_DB_NAME"))).contains("users");

            TrackingContainer.Exit migrated = container.migrate();
            assertThat(migrated.code()).as(migrated.output()).isZero();
            assertThat(authRevision(settings)).isNotBlank();
            assertGateSeesMlflowFor(container.serve(), ALB);
        }
    }

    @Test
    void aSchemaWrittenByANewerMlflowIsLeftUntouched() throws Exception {
        Map<String, String> settings = settings("none");
        try (TrackingContainer container = new TrackingContainer(dir, settings)) {
            assertThat(container.migrate().code()).isZero();
            String database = settings.get("DMLFLOW_DB_NAME");
            try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement()) {
                sql.execute("UPDATE `" + database + "`.alembic_version SET version_num = 'f00dfacef00d'");
            }
            TrackingContainer.Exit checked = container.check();
            assertThat(checked.code()).as(checked.output()).isEqualTo(65);
            TrackingContainer.Exit migrated = container.migrate();
            assertThat(migrated.code()).isEqualTo(65);
            assertThat(migrated.stderr()).contains("revision f00dfacef00d", "a newer MLflow wrote it", "snapshot");
            assertThat(migrated.stdout()).doesNotContain("upgrading");
        }
    }

    @Test
    void basicAuthOnAnImageWithoutFlaskWtfStopsNamingTheImagesThatWork() throws Exception {
        Map<String, String> settings = settings("basic");
        // Stands in for an MLflow -full image from before mlflow PR #23892: flask_wtf cannot be imported.
        Path shadow = Files.createDirectories(dir.resolve("shadow/flask_wtf"));
        Files.writeString(shadow.resolve("__init__.py"), "raise ImportError(\"No module named 'flask_wtf'\")\n");
        settings.put("PYTHONPATH", dir.resolve("shadow").toString());
        try (TrackingContainer container = new TrackingContainer(dir, settings)) {
            TrackingContainer.Exit exit = container.serveExpectingExit();
            assertThat(exit.code()).isEqualTo(64);
            assertThat(exit.stderr()).contains("Flask-WTF", "#23892", "v3.17.0-full", "AuthMode=none");
        }
    }

    private static void assertGateSeesMlflowFor(URI base, String host) throws InterruptedException {
        Observation seen = new Observation();
        HealthGateHandler.probe(new HttpProbe(), base, host, true, seen);
        assertThat(seen.fatal()).as("probe for %s", host).isNull();
        assertThat(seen.hasReachedMlflow()).as("probe for %s: %s", host, seen.unmetConditions()).isTrue();
    }

    private Map<String, String> settings(String authMode) throws SQLException, IOException {
        int n = DATABASES.incrementAndGet();
        String tracking = "mlflow_t" + n;
        String auth = "mlflow_auth_t" + n;
        String user = DB_USERNAME + n;
        try (Connection admin = mariadb.admin()) {
            for (String database : List.of(tracking, auth)) {
                try (Statement sql = admin.createStatement()) {
                    sql.execute("CREATE DATABASE `" + database + "` CHARACTER SET utf8mb4");
                }
            }
            try (PreparedStatement create = admin.prepareStatement("CREATE USER ?@'%' IDENTIFIED BY ?")) {
                create.setString(1, user);
                create.setString(2, DB_PASSWORD);
                create.execute();
            }
            for (String database : List.of(tracking, auth)) {
                try (PreparedStatement grant = admin.prepareStatement("GRANT ALL PRIVILEGES ON `" + database + "`.* TO ?@'%'")) {
                    grant.setString(1, user);
                    grant.execute();
                }
            }
        }
        String bucket = "dmlflow-artifacts-t" + n;
        TrackingContainer.python(script("s3_objects.py"), s3Environment(), "create", bucket);
        Map<String, String> settings = new TreeMap<>(s3Environment());
        settings.put("DMLFLOW_DB_HOST", "127.0.0.1");
        settings.put("DMLFLOW_DB_PORT", String.valueOf(mariadb.port()));
        settings.put("DMLFLOW_DB_NAME", tracking);
        settings.put("DMLFLOW_AUTH_DB_NAME", auth);
        settings.put("DMLFLOW_DB_USERNAME", user);
        settings.put("DMLFLOW_DB_PASSWORD", DB_PASSWORD);
        settings.put("DMLFLOW_AUTH_MODE", authMode);
        settings.put("DMLFLOW_ADMIN_PASSWORD", ADMIN_PASSWORD);
        settings.put("DMLFLOW_DEFAULT_PERMISSION", "READ");
        settings.put("MLFLOW_FLASK_SERVER_SECRET_KEY", "flask-key-" + n);
        settings.put("DMLFLOW_ARTIFACTS_DESTINATION", "s3://" + bucket + "/artifacts");
        settings.put("DMLFLOW_ALLOWED_HOSTS", ALB + "," + DOMAIN);
        return settings;
    }

    private Map<String, String> s3Environment() {
        return new MlflowClient(dir, moto).s3Environment();
    }

    private String client(URI base, String... args) {
        return new MlflowClient(dir, moto).run(base, "admin", ADMIN_PASSWORD, args);
    }

    private List<String> s3Keys(String bucket) {
        return new MlflowClient(dir, moto).keys(bucket);
    }

    private Path script(String name) {
        return new MlflowClient(dir, moto).script(name);
    }

    private static String authUrl(Map<String, String> settings) {
        return "mysql+pymysql://" + encode(settings.get("DMLFLOW_DB_USERNAME")) + ":" + encode(DB_PASSWORD)
                + "@127.0.0.1:" + mariadb.port() + "/" + settings.get("DMLFLOW_AUTH_DB_NAME");
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String authRevision(Map<String, String> settings) throws SQLException {
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement();
                ResultSet rows = sql.executeQuery("SELECT version_num FROM `" + settings.get("DMLFLOW_AUTH_DB_NAME")
                        + "`.alembic_version_auth")) {
            return rows.next() ? rows.getString(1) : "";
        }
    }

    /** The MLflow user's open connections, sampled every 5 s while only health checks arrive. */
    private static List<Long> connectionsWhileIdling(URI base, String user, java.time.Duration idling) throws Exception {
        List<Long> samples = new java.util.ArrayList<>();
        java.time.Instant end = java.time.Instant.now().plus(idling);
        while (java.time.Instant.now().isBefore(end)) {
            assertThat(get(base, "/health").statusCode()).isEqualTo(200);
            try (Connection admin = mariadb.admin();
                    PreparedStatement count = admin.prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?")) {
                count.setString(1, user);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    samples.add(rows.getLong(1));
                }
            }
            Thread.sleep(5000);
        }
        return samples;
    }

    private static List<String> tables(String database) throws SQLException {
        List<String> names = new java.util.ArrayList<>();
        try (Connection admin = mariadb.admin(); Statement sql = admin.createStatement();
                ResultSet rows = sql.executeQuery("SHOW TABLES FROM `" + database + "`")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    private static HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
