package dmlflow.resources.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dmlflow.resources.testing.MariaDbServer;
import dmlflow.resources.testing.MlflowClient;
import dmlflow.resources.testing.TrackingContainer;
import dmlflow.testing.MotoServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daily purge (templates/mlflow.yaml's PurgeSchedule, start-mlflow.sh's gc mode) on the real
 * MLflow, a real MariaDB and moto's S3 with versioning on, as the template makes the bucket: the
 * container runs as the schedule starts it, with the schedule's override, beside the serving
 * container. MLflow here is 3.12; 3.17's {@code mlflow gc} (mlflow/cli/__init__.py) takes the same
 * {@code --backend-store-uri} and {@code --older-than} and deletes a run's mlflow-artifacts: URI
 * through the tracking server MLFLOW_TRACKING_URI names, as 3.12's does.
 */
class PurgeAgainstRealMlflowTest {
    private static final String DB_PASSWORD = "purge:p@ss/w?rd#%";
    private static final String ADMIN_PASSWORD = "admin-password-for-the-purge";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private MariaDbServer database;
    private TrackingContainer container;
    private MlflowClient client;
    private String bucket;
    private URI base;

    @BeforeEach
    void serve() throws Exception {
        MotoServer moto = MotoServer.start();
        client = new MlflowClient(dir, moto);
        bucket = "purge-" + UUID.randomUUID().toString().substring(0, 8);
        client.createVersionedBucket(bucket);
        database = MariaDbServer.startSeparate();
        TrackingContainer.prepareDatabases(database, DB_PASSWORD);
        container = new TrackingContainer(Files.createDirectory(dir.resolve("container")),
                TrackingContainer.injected(client, database.port(), DB_PASSWORD, ADMIN_PASSWORD, bucket));
        TrackingContainer.Exit migrated = container.migrate();
        assertThat(migrated.code()).as(migrated.output()).isZero();
        base = container.serve();
    }

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
        if (database != null) {
            database.stop();
        }
    }

    /**
     * A run deleted 40 days ago, and an experiment deleted then with its run, go from the database
     * and from the bucket's current objects; their object versions stay behind delete markers,
     * for the bucket's lifecycle rule to expire; a live run and one deleted today stay whole. The
     * serving container keeps serving throughout.
     */
    @Test
    @Timeout(420)
    void whatWasDeletedLongerAgoThanTheSettingGoesWithItsArtifactsAndNothingElseDoes() throws Exception {
        JsonNode ids = JSON.readTree(lastLine(TrackingContainer.python(client.script("purge_fixture.py"), login(),
                base.toString())));
        String live = ids.path("live").asText();
        String old = ids.path("old").asText();
        String recent = ids.path("recent").asText();
        String oldExperimentRun = ids.path("old_experiment_run").asText();
        String oldExperiment = ids.path("old_experiment").asText();
        String oldModel = ids.path("old_experiment_model").asText();
        assertThat(client.keys(bucket)).as("the logged model's files are there").anyMatch(key -> key.contains(oldModel));
        backdate(List.of(old, oldExperimentRun), oldExperiment, Duration.ofDays(40));

        TrackingContainer.Exit purged = container.gc("30");

        assertThat(purged.code()).as(purged.output()).isZero();
        assertThat(purged.stdout()).contains("dmlflow gc: deleted the artifacts of 1 logged models",
                "dmlflow gc: done: 3 purged");
        assertThat(runsInDatabase()).as("the live run and the one deleted today stay").contains(live, recent)
                .doesNotContain(old, oldExperimentRun);
        assertThat(experimentExists(oldExperiment)).as("the experiment deleted 40 days ago is gone").isFalse();
        List<String> keys = client.keys(bucket);
        assertThat(keys).as("artifacts of what stays").anyMatch(key -> key.contains(live)).anyMatch(key -> key.contains(recent));
        assertThat(keys).as("no current object of what was purged").noneMatch(key -> key.contains(old))
                .noneMatch(key -> key.contains(oldExperimentRun))
                .as("nor of the purged experiment's logged model (gc alone leaves it)").noneMatch(key -> key.contains(oldModel));
        List<String> versions = client.versions(bucket);
        assertThat(versions).as("the purged artifacts' versions wait behind delete markers for the lifecycle rule")
                .anyMatch(line -> line.startsWith("version ") && line.contains(old))
                .anyMatch(line -> line.startsWith("delete-marker ") && line.contains(old));
        assertThat(noncurrentDaysOfTheArtifactBucket()).as("the rule that expires them (templates/mlflow.yaml)")
                .isEqualTo(30);
        assertThat(client.run(base, "admin", ADMIN_PASSWORD, "log")).as("the server still serves")
                .matches("[0-9a-f]{32}");
    }

    /** 0 turns the purge off even if a schedule ran; a value that is not a number of days fails loudly. */
    @Test
    @Timeout(300)
    void zeroPurgesNothingAndABadValueFailsWithTheLineTheAlarmCounts() throws Exception {
        JsonNode ids = JSON.readTree(lastLine(TrackingContainer.python(client.script("purge_fixture.py"), login(),
                base.toString())));
        backdate(List.of(ids.path("old").asText()), ids.path("old_experiment").asText(), Duration.ofDays(400));

        TrackingContainer.Exit off = container.gc("0");
        TrackingContainer.Exit bad = container.gc("30d");

        assertThat(off.code()).as(off.output()).isZero();
        assertThat(off.stdout()).contains("dmlflow gc: off");
        assertThat(runsInDatabase()).contains(ids.path("old").asText(), ids.path("old_experiment_run").asText());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.stderr()).contains("dmlflow gc: failed: DMLFLOW_GC_OLDER_THAN_DAYS must be a whole number");
        assertThat(runsInDatabase()).contains(ids.path("old").asText());
    }

    private void backdate(List<String> runs, String experiment, Duration ago) throws Exception {
        long then = System.currentTimeMillis() - ago.toMillis();
        try (Connection admin = database.admin()) {
            for (String run : runs) {
                try (PreparedStatement update = admin.prepareStatement(
                        "UPDATE mlflow.runs SET deleted_time = ? WHERE run_uuid = ?")) {
                    update.setLong(1, then);
                    update.setString(2, run);
                    assertThat(update.executeUpdate()).isEqualTo(1);
                }
            }
            try (PreparedStatement update = admin.prepareStatement(
                    "UPDATE mlflow.experiments SET last_update_time = ? WHERE experiment_id = ?")) {
                update.setLong(1, then);
                update.setString(2, experiment);
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
        }
    }

    private List<String> runsInDatabase() throws Exception {
        List<String> runs = new ArrayList<>();
        try (Connection admin = database.admin(); Statement sql = admin.createStatement();
                ResultSet rows = sql.executeQuery("SELECT run_uuid FROM mlflow.runs")) {
            while (rows.next()) {
                runs.add(rows.getString(1));
            }
        }
        return runs;
    }

    private boolean experimentExists(String id) throws Exception {
        try (Connection admin = database.admin();
                PreparedStatement query = admin.prepareStatement("SELECT 1 FROM mlflow.experiments WHERE experiment_id = ?")) {
            query.setString(1, id);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static int noncurrentDaysOfTheArtifactBucket() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../templates/mlflow.yaml").toFile())
                .path("Resources").path("ArtifactsBucket").path("Properties").path("LifecycleConfiguration").path("Rules");
        for (JsonNode rule : rules) {
            if (rule.has("NoncurrentVersionExpiration")) {
                return rule.path("NoncurrentVersionExpiration").path("NoncurrentDays").asInt();
            }
        }
        return -1;
    }

    private static Map<String, String> login() {
        return Map.of("MLFLOW_TRACKING_USERNAME", "admin", "MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD);
    }

    private static String lastLine(String output) {
        return output.substring(output.lastIndexOf('\n') + 1);
    }
}
