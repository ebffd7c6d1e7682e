package dmlflow.resources.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracking server as users meet it, on the real MLflow started by the template's own start
 * script: a database that stalls as Aurora does while it resumes from 0 ACU, and large artifacts
 * through the server's proxy. MLflow here is 3.12 (../shared/mlflow-local); the template deploys
 * 3.17, whose client defaults (120 s timeout, 7 retries) are read from 3.12's source; where 3.17's
 * proxy differs (its artifact routes, read in MLflow's source), the test that meets it says so.
 */
class TrackingServerAgainstRealMlflowTest {
    private static final String DB_PASSWORD = "stall:p@ss/w?rd#%";
    private static final String ADMIN_PASSWORD = "admin-password-for-the-stall";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The container's Python programs as the generator embeds them into the start script. */
    private static final Path CONTAINER_PROGRAMS =
            Path.of("../template-generator/src/main/resources/dmlflow/template/mlflow/container");

    @TempDir
    Path dir;
    private MariaDbServer database;
    private TrackingContainer container;
    private TrackingContainer secondContainer;
    private MlflowClient client;
    private String bucket;

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
        if (secondContainer != null) {
            secondContainer.close();
        }
        if (database != null) {
            database.thaw();
            database.stop();
        }
    }

    /**
     * Why nothing times out while the database is away (Aurora resumes in about 15 s and holds the
     * connection request until then, AWS "Scaling to Zero ACUs" page):
     * PyMySQL's connect_timeout (10 s) covers only the TCP connect, which a stopped server's kernel
     * completes; the greeting and every query wait with read_timeout None (pymysql/connections.py);
     * uvicorn has no request timeout, only --timeout-keep-alive between requests; the load
     * balancer's idle timeout (IdleTimeoutSeconds, 300 s) counts only silence on a connection, well
     * past 20 s; MLflow's client waits MLFLOW_HTTP_REQUEST_TIMEOUT (120 s) and retries 5xx 7 times.
     */
    @Test
    @Timeout(420)
    void aDatabaseStalledTwentySecondsUnderLoadLosesNoAcknowledgedWriteAndTheClientSeesNoError() throws Exception {
        URI base = startServer();
        Path out = dir.resolve("stall-client.out");
        Process users = python(out, client.script("stall_client.py"), base.toString(), "45", "4");
        awaitLine(out, "logging", users);
        Thread.sleep(5_000);

        database.freeze();
        Thread.sleep(10_000);
        HttpResponse<String> health = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("/health answers within the load balancer's 5 s while the database is away")
                .isEqualTo(200);
        Thread.sleep(10_000);
        database.thaw();

        assertThat(users.waitFor(4, TimeUnit.MINUTES)).as("the client finished").isTrue();
        String output = Files.readString(out);
        assertThat(users.exitValue()).as(output).isZero();
        JsonNode result = JSON.readTree(lastLine(output.strip()));
        assertThat(result.path("errors").size()).as("errors the client raised: %s", result.path("errors")).isZero();
        assertThat(result.path("slowest_seconds").asDouble()).as("the stall reached the users").isGreaterThan(15);
        assertThat(result.path("acknowledged").size()).isEqualTo(4);
        for (var run : (Iterable<Map.Entry<String, JsonNode>>) result.path("acknowledged")::fields) {
            TreeSet<Long> acknowledged = new TreeSet<>();
            run.getValue().forEach(step -> acknowledged.add(step.asLong()));
            assertThat(acknowledged).as("run %s logged before, during and after the stall", run.getKey()).hasSizeGreaterThan(3);
            assertThat(storedSteps(run.getKey())).as("every acknowledged step of run %s is stored", run.getKey())
                    .containsAll(acknowledged);
        }
    }

    /**
     * MLflow's proxy writes an upload to a temporary file before sending it to S3, and a download
     * to one before streaming it: 3.12 here (mlflow/server/handlers.py _upload_artifact,
     * _download_artifact, behind fastapi_app.py's WSGI bridge, which also holds the whole body in
     * memory); 3.17 through native FastAPI routes that stream to the file (mlflow/server/
     * artifact_router.py, mlflow PR #24340). Either way the task's disk bounds the largest
     * artifact, and nothing may stay behind.
     */
    @Test
    @Timeout(420)
    void aHundredMegabyteArtifactGoesThroughTheServerAndBackIntactAndLeavesNoTemporaryFile() throws Exception {
        URI base = startServer();
        JsonNode result = JSON.readTree(lastLine(TrackingContainer.python(client.script("large_artifact.py"),
                login(), base.toString(), "100")));

        assertThat(result.path("received").asText()).as("the same bytes came back").isEqualTo(result.path("sent").asText());
        assertThat(result.path("bytes").asLong()).isEqualTo(100L * 1024 * 1024);
        assertThat(container.serverLog()).as("the real MLflow reads the password cache's TTL")
                .doesNotContain("does not read auth_cache_ttl_seconds");
        assertThat(result.path("artifact_uri").asText()).as("served by the tracking server, never S3 directly")
                .startsWith("mlflow-artifacts:/");
        assertThat(client.keys(bucket)).anyMatch(key -> key.startsWith("artifacts/")
                && key.endsWith(result.path("run_id").asText() + "/artifacts/weights.bin"));
        try (Stream<Path> left = Files.walk(Path.of(container.env().get("TMPDIR")))) {
            assertThat(left.filter(Files::isRegularFile).filter(file -> file.toString().endsWith("weights.bin")))
                    .as("the proxy's temporary copies are gone").isEmpty();
        }
    }

    /**
     * Artifacts larger than the proxy can hold (README "How fast it serves") go with MLflow's
     * multipart switches: the server checks the user's permission and presigns part URLs with its
     * own role, and the client moves the bytes to and from the bucket itself, without AWS
     * credentials (mlflow/store/artifact/http_artifact_repo.py _try_multipart_upload and
     * _multipart_download; server/handlers.py _create_multipart_upload_artifact,
     * _get_presigned_download_url). Thresholds are lowered from 500 MB so a small file takes the path.
     */
    @Test
    @Timeout(300)
    void withTheMultipartSwitchesAClientWithoutAwsCredentialsMovesTheBytesStraightToAndFromTheBucket() throws Exception {
        URI base = startServer();
        Map<String, String> environment = new TreeMap<>(login());
        String fiveMib = String.valueOf(5 * 1024 * 1024);
        environment.put("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true");
        environment.put("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", fiveMib);
        environment.put("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", fiveMib);
        environment.put("MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD", "true");
        environment.put("MLFLOW_MULTIPART_DOWNLOAD_MINIMUM_FILE_SIZE", fiveMib);
        environment.put("MLFLOW_MULTIPART_DOWNLOAD_CHUNK_SIZE", fiveMib);
        JsonNode result = JSON.readTree(lastLine(TrackingContainer.python(client.script("large_artifact.py"),
                environment, base.toString(), "20")));

        assertThat(result.path("received").asText()).as("the same bytes came back").isEqualTo(result.path("sent").asText());
        String key = client.keys(bucket).stream()
                .filter(candidate -> candidate.endsWith(result.path("run_id").asText() + "/artifacts/weights.bin"))
                .findFirst().orElseThrow();
        assertThat(client.etag(bucket, key)).as("four 5 MiB parts from the client (the server's boto3 would send 8 MiB ones)")
                .endsWith("-4\"");
        assertThat(container.serverLog()).as("no proxied upload or download of the file")
                .doesNotContain("PUT /api/2.0/mlflow-artifacts/artifacts/")
                .doesNotContain("GET /api/2.0/mlflow-artifacts/artifacts/");
    }

    /**
     * dmlflow's authorization caches (container/dmlflow_auth.py, put in front of MLflow's lookups
     * when its auth module loads) in the real MLflow, on two servers sharing the databases as two
     * tasks do, each one worker with a 3 s TTL: an editor logs; a reader and a missing run are
     * refused as MLflow refuses them; a permission taken back through the other server still
     * serves within the TTL (the stated trade-off) and is refused after it; a change through the
     * same server, to a permission or to the admin flag, acts at once. MLflow's own sign-in
     * function stays in place (is_basic_auth). MLflow 3.17 authorizes a run through other
     * functions (its "requirements"), which dmlflow_auth.py caches instead: the next test runs
     * them on a stand-in, since the tests' MLflow is 3.12.
     */
    @Test
    @Timeout(300)
    void cachedAuthorizationServesAnEditorAndRefusesARevokedOneOnceTheCacheTimeHasPassed() throws Exception {
        Map<String, String> settings = Map.of("DMLFLOW_AUTH_CACHE_SECONDS", "3");
        URI here = startServer(settings);
        URI elsewhere = secondServer(settings);
        JsonNode result = JSON.readTree(lastLine(TrackingContainer.python(client.script("authorization_cache.py"),
                Map.of(), here.toString(), elsewhere.toString(), ADMIN_PASSWORD, "3")));
        JsonNode status = result.path("status");

        assertThat(status.path("editor").asInt()).as("an editor logs to its run").isEqualTo(200);
        assertThat(status.path("reader").asInt()).as("a reader may not log").isEqualTo(403);
        assertThat(status.path("missing_run").asInt()).as("a missing run is MLflow's 404, not cached").isEqualTo(404);
        assertThat(result.path("within_seconds").asDouble()).as("the check ran inside the TTL").isLessThan(3);
        assertThat(status.path("revoked_elsewhere_within_ttl").asInt())
                .as("a right taken back on another task serves until the TTL ends").isEqualTo(200);
        assertThat(status.path("revoked_elsewhere_after_ttl").asInt()).as("and is refused after it").isEqualTo(403);
        assertThat(status.path("granted_here").asInt()).as("a grant on this server acts at once").isEqualTo(200);
        assertThat(status.path("revoked_here").asInt()).as("so does taking it back").isEqualTo(403);
        assertThat(status.path("promoted_here").asInt()).as("and a promotion").isEqualTo(200);
        assertThat(status.path("demoted_here").asInt()).as("and a demotion").isEqualTo(403);
        assertThat(storedSteps(result.path("run_id").asText())).as("exactly the steps that were let through")
                .containsExactly(0L, 3L, 5L, 7L);
        assertThat(result.path("is_basic_auth").asBoolean()).as("MLflow's own sign-in function, as the UI needs").isTrue();
        assertThat(container.serverLog()).doesNotContain("authorization lookups not cached");
    }

    /**
     * Where an MLflow lacks the functions a cache wraps, that cache stays off and says why, and the
     * others still cache (for their TTL only); with a TTL of 0 nothing is touched. And MLflow
     * 3.17's run authorization (its requirements, not in the tests' 3.12) on a stand-in built to
     * its source as read (authorization_cache_fallback.py says where), so this tests dmlflow's
     * wrapping, not 3.17 itself: the run's experiment cached by run, a missing run never, each
     * caller its own list; decisions by user and requirements, and not at all with workspaces on;
     * a change to the user store empties the caches, and an answer it overtook is not kept.
     */
    @Test
    @Timeout(120)
    void withoutTheLookupsACacheWrapsMlflowKeepsItsOwnChecksAndAStandInFor317sRunChecksIsCached() throws Exception {
        Path programs = Files.createDirectory(dir.resolve("programs"));
        Files.copy(CONTAINER_PROGRAMS.resolve("dmlflow_auth.py"), programs.resolve("dmlflow_auth.py"));
        String output = TrackingContainer.python(MlflowClient.script(dir, "authorization_cache_fallback.py"),
                Map.of(), programs.toString());
        String[] lines = output.strip().split("\n");
        JsonNode lacking = JSON.readTree(lines[lines.length - 2]);
        JsonNode mlflow317 = JSON.readTree(lines[lines.length - 1]);

        assertThat(lacking.path("skipped").toString()).contains("run permissions");
        assertThat(lacking.path("no_store").toString()).as("no cache that a change could not empty").contains("no store");
        assertThat(lacking.path("storeless_untouched").asBoolean()).isTrue();
        assertThat(lacking.path("calls_within_ttl").asInt()).as("the admin flag, looked up once").isEqualTo(1);
        assertThat(lacking.path("calls_after_ttl").asInt()).as("and again once the TTL has passed").isEqualTo(2);
        assertThat(lacking.path("off_when_zero").size()).isZero();
        assertThat(lacking.path("no_authentication").toString()).contains("every lookup");
        assertThat(lacking.path("untouched").size()).as("an MLflow without authenticate_request is left as it is").isZero();

        assertThat(mlflow317.path("skipped").size()).isZero();
        assertThat(mlflow317.path("run_lookups").asInt()).as("one run read once, a missing one every time").isEqualTo(3);
        assertThat(mlflow317.path("lists_apart").asBoolean()).as("a caller extending its list leaves the cache alone")
                .isTrue();
        assertThat(mlflow317.path("missing").toString()).isEqualTo("[null,null]");
        assertThat(mlflow317.path("decisions").toString()).isEqualTo("[true,true,false,true]");
        assertThat(mlflow317.path("decision_lookups").asInt()).as("per user and requirements").isEqualTo(3);
        assertThat(mlflow317.path("after_a_change").toString()).as("a change to the user store empties the caches")
                .isEqualTo("{\"decisions\":1,\"runs\":1}");
        assertThat(mlflow317.path("race_lookups").asInt()).as("an answer a change overtook is not kept").isEqualTo(2);
        assertThat(mlflow317.path("workspaces_on_left_alone").asBoolean()).isTrue();
    }

    private URI startServer() throws Exception {
        return startServer(Map.of());
    }

    private URI startServer(Map<String, String> extra) throws Exception {
        MotoServer moto = MotoServer.start();
        client = new MlflowClient(dir, moto);
        bucket = "server-" + UUID.randomUUID().toString().substring(0, 8);
        client.createBucket(bucket);
        database = MariaDbServer.startSeparate();
        TrackingContainer.prepareDatabases(database, DB_PASSWORD);
        Map<String, String> settings = new TreeMap<>(
                TrackingContainer.injected(client, database.port(), DB_PASSWORD, ADMIN_PASSWORD, bucket));
        settings.putAll(extra);
        container = new TrackingContainer(Files.createDirectory(dir.resolve("container")), settings);
        TrackingContainer.Exit migrated = container.migrate();
        assertThat(migrated.code()).as(migrated.output()).isZero();
        return container.serve();
    }

    /** Another task of the same service: the same settings and databases, its own port. */
    private URI secondServer(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new TreeMap<>(
                TrackingContainer.injected(client, database.port(), DB_PASSWORD, ADMIN_PASSWORD, bucket));
        settings.putAll(extra);
        secondContainer = new TrackingContainer(Files.createDirectory(dir.resolve("second")), settings);
        return secondContainer.serve();
    }

    private static Map<String, String> login() {
        return Map.of("MLFLOW_TRACKING_USERNAME", "admin", "MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD);
    }

    private TreeSet<Long> storedSteps(String runId) throws Exception {
        TreeSet<Long> steps = new TreeSet<>();
        try (Connection admin = database.admin();
                PreparedStatement query = admin.prepareStatement(
                        "SELECT DISTINCT step FROM mlflow.metrics WHERE run_uuid = ? AND `key` = 'loss'")) {
            query.setString(1, runId);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    steps.add(rows.getLong(1));
                }
            }
        }
        return steps;
    }

    /** Starts the real MLflow's Python on a script without waiting for it; output to {@code out}. */
    private static Process python(Path out, Path script, String... args) throws IOException {
        return TrackingContainer.pythonProcess(script, login(), args).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
    }

    private static void awaitLine(Path out, String line, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            if (Files.exists(out) && Files.readAllLines(out).contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the client stopped early:\n" + Files.readString(out));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the client never started logging:\n" + Files.readString(out));
    }

    private static String lastLine(String output) {
        return output.substring(output.lastIndexOf('\n') + 1);
    }
}
