package dmlflow.deployer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * deploy → update → deploy without changes → remove → remove --delete-data, against
 * moto_server: bootstrap stack, uploads, change sets, events, outputs, the kept-data report.
 */
class DeployCycleTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static String moto;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        moto = Moto.start();
    }

    private static int run(TestConsole console, String... args) {
        return Main.run(args, console.console, AwsSession::new);
    }

    private static String[] deploy(String stack, Path jar, String... extra) {
        List<String> args = new ArrayList<>(List.of("deploy", "--stack-name", stack, "--yes", "--verbose", "--poll-seconds", "0.1",
                "--template", ROOT.resolve("deployer/src/test/resources/test-stack.yaml").toString(),
                "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString(),
                "--jar", jar.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static String status(CloudFormationClient cloudFormation, String stack) {
        return cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0).stackStatusAsString();
    }

    @Test
    @Timeout(180)
    void aWholeLifeCycleKeepsTheDataUntilToldOtherwise() throws Exception {
        String stack = "cycle-" + UUID.randomUUID().toString().substring(0, 8);
        Path jar = Files.writeString(dir.resolve("custom-resources.jar"), "not really a jar " + stack);

        // 1. Create: the bootstrap stack, both uploads, a CREATE change set, the custom resource answered.
        TestConsole first = new TestConsole();
        try (CustomResourceAnswerer answerer = new CustomResourceAnswerer(moto, stack, "HealthGate", "{\"MlflowVersion\":\"3.17.0\"}")) {
            assertThat(run(first, deploy(stack, jar, "-p", "Greeting=hello", "--timeout-minutes", "2")))
                    .as("%s%nanswerer's last error: %s", first.all(), answerer.lastError()).isZero();
            assertThat(answerer.answered()).as(first.all()).isPositive();
        }
        assertThat(first.out())
                .contains("Deploying stack " + stack + " in account 123456789012, region eu-west-1")
                .contains("uploaded custom-resources.jar to s3://")
                .contains("CREATE_COMPLETE")
                .contains("MLflow 3.17.0 is ready at http://")
                .contains("export MLFLOW_TRACKING_URI=http://");
        CloudFormationClient cloudFormation = CloudFormationClient.create();
        assertThat(cloudFormation.describeStacks(r -> r.stackName(AssetStore.BOOTSTRAP_STACK)).stacks().get(0)
                .stackStatusAsString()).isEqualTo("CREATE_COMPLETE");
        assertThat(status(cloudFormation, stack)).as("the stack itself, not the summary line").isEqualTo("CREATE_COMPLETE");
        String bucket = cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0).outputs().stream()
                .filter(o -> o.outputKey().equals("ArtifactBucket")).findFirst().orElseThrow().outputValue();

        // 2. Update one parameter; the others keep their values. On a terminal, progress is one live line.
        TestConsole second = new TestConsole(true, "");
        assertThat(run(second, deploy(stack, jar, "-p", "Greeting=hi"))).as(second.all()).isZero();
        assertThat(second.out()).contains("Changes to stack " + stack, "already uploaded", "is UPDATE_COMPLETE.");
        assertThat(second.out()).as("no event lines on a terminal, only the live line").doesNotContain("UPDATE_IN_PROGRESS   ");
        assertThat(status(cloudFormation, stack)).isEqualTo("UPDATE_COMPLETE");
        var parameters = cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0).parameters();
        assertThat(parameters).anySatisfy(p -> {
            assertThat(p.parameterKey()).isEqualTo("Greeting");
            assertThat(p.parameterValue()).isEqualTo("hi");
        });

        // 3. Nothing to change is a success.
        TestConsole third = new TestConsole();
        assertThat(run(third, deploy(stack, jar))).as(third.all()).isZero();
        assertThat(third.out()).contains("No changes: stack " + stack + " is up to date.");

        // Data a user would have: artifacts (one overwritten) and, later, a final database snapshot.
        S3Client s3 = S3Client.builder().forcePathStyle(true).build();
        // The real bucket is versioned; moto's CloudFormation leaves VersioningConfiguration out.
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
        s3.putObject(r -> r.bucket(bucket).key("artifacts/1/model.pkl"), RequestBody.fromString("v1"));
        s3.putObject(r -> r.bucket(bucket).key("artifacts/1/model.pkl"), RequestBody.fromString("v2"));
        s3.putObject(r -> r.bucket(bucket).key("artifacts/2/metrics.json"), RequestBody.fromString("{}"));
        RdsClient rds = RdsClient.create();
        rds.createDBCluster(r -> r.dbClusterIdentifier(stack + "-cluster").engine("aurora-mysql")
                .masterUsername("admin").masterUserPassword("password123"));
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(stack + "-cluster")
                .dbClusterSnapshotIdentifier(stack + "-final"));

        // 4. Remove keeps the bucket and the snapshot, and says so.
        TestConsole removal = new TestConsole();
        assertThat(run(removal, "remove", "--stack-name", stack, "--yes", "--poll-seconds", "0.1",
                "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString())).as(removal.all()).isZero();
        assertThat(removal.out())
                .contains("Stack " + stack + " is deleted.")
                .contains("artifact bucket " + bucket + ": 2 objects (3 versions and delete markers)")
                .contains("database snapshot " + stack + "-final of " + stack + "-cluster")
                .contains("./remove.sh --stack-name " + stack + " --delete-data");
        assertThat(s3.listObjectsV2(r -> r.bucket(bucket)).keyCount()).isEqualTo(2);
        assertThat(cloudFormation.listStacks().stackSummaries()).filteredOn(summary -> summary.stackName().equals(stack))
                .isNotEmpty().allSatisfy(summary -> assertThat(summary.stackStatusAsString()).isEqualTo("DELETE_COMPLETE"));

        // 5. --delete-data, after the stack is gone, deletes what was kept.
        TestConsole purge = new TestConsole();
        assertThat(run(purge, "remove", "--stack-name", stack, "--yes", "--delete-data",
                "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString())).as(purge.all()).isZero();
        assertThat(purge.out()).contains("Deleted artifact bucket " + bucket + " (3 object versions and markers).",
                "Deleted database snapshot " + stack + "-final.");
        assertThat(s3.listBuckets().buckets()).noneMatch(b -> b.name().equals(bucket));
    }
}
