package dmlflow.deployer.command;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.Main;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.data.AssetStore;
import dmlflow.deployer.data.RetainedData;
import dmlflow.deployer.stack.NatImage;
import dmlflow.deployer.stack.Version;
import dmlflow.deployer.testing.Moto;
import dmlflow.deployer.testing.TestConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * deploy → update → deploy without changes → remove → deploy --restore → remove → remove
 * --delete-data, against moto_server: bootstrap stack, uploads, change sets, events, outputs, the
 * kept-data record, the restore's parameters, and exactly what --delete-data deletes.
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
                "--jar", jar.toString(), "--prices", ROOT.resolve("pricing").toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** The stack's status through the API; a deleted stack is found by its id in the stack list. */
    private static String status(CloudFormationClient cloudFormation, String stack) {
        return cloudFormation.listStacks().stackSummaries().stream().filter(summary -> summary.stackName().equals(stack))
                .reduce((first, second) -> second.creationTime().isAfter(first.creationTime()) ? second : first)
                .orElseThrow().stackStatusAsString();
    }

    /** A first create that nobody confirms leaves nothing in the account: no bootstrap, no upload, no stack. */
    @Test
    @Timeout(120)
    void aFirstCreateNobodyConfirmsLeavesNothingBehind() throws Exception {
        Path jar = Files.writeString(dir.resolve("unconfirmed.jar"), "jar");
        CloudFormationClient cloudFormation = CloudFormationClient.create();
        String piped = "piped-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> stacksBefore = cloudFormation.listStacks().stackSummaries().stream()
                .filter(summary -> !summary.stackStatusAsString().equals("DELETE_COMPLETE")).map(s -> s.stackName()).toList();
        TestConsole offTerminal = new TestConsole();
        List<String> args = new ArrayList<>(List.of(deploy(piped, jar)));
        args.remove("--yes");

        assertThat(run(offTerminal, args.toArray(String[]::new))).isEqualTo(1);
        assertThat(offTerminal.err()).contains("does not exist yet", "pass --yes", "./deploy.sh plan");
        assertThat(cloudFormation.listStacks().stackSummaries().stream()
                .filter(summary -> !summary.stackStatusAsString().equals("DELETE_COMPLETE")).map(s -> s.stackName()).toList())
                .as("no stack, not even the bootstrap one").isEqualTo(stacksBefore);

        String declined = "declined-" + UUID.randomUUID().toString().substring(0, 8);
        TestConsole no = new TestConsole(true, "no\n");
        List<String> asked = new ArrayList<>(List.of(deploy(declined, jar)));
        asked.remove("--yes");

        assertThat(run(no, asked.toArray(String[]::new))).as(no.all()).isEqualTo(1);
        assertThat(no.out()).contains("Nothing was created; the change set and the empty stack it made were deleted.");
        assertThat(status(cloudFormation, declined)).as("the REVIEW_IN_PROGRESS stack is gone").isEqualTo("DELETE_COMPLETE");
    }

    /**
     * A removal that finds nothing to act on creates nothing (not even the assets stack, in a
     * region that has none) and says so; a stack that holds only a change set that never ran is
     * deleted and the command ends well.
     */
    @Test
    @Timeout(120)
    void removingNothingMakesNothingAndAnUnrunChangeSetsStackGoesQuietly() throws Exception {
        TestConsole nothing = new TestConsole();
        assertThat(run(nothing, "remove", "--stack-name", "never-made", "--region", "ap-southeast-4", "--yes",
                "--poll-seconds", "0.1")).isEqualTo(1);
        assertThat(nothing.err()).contains("stack never-made does not exist in ap-southeast-4", "nothing to remove");
        CloudFormationClient elsewhere = CloudFormationClient.builder()
                .region(software.amazon.awssdk.regions.Region.of("ap-southeast-4")).build();
        assertThat(elsewhere.listStacks().stackSummaries()).as("no assets stack made to look").isEmpty();

        String unrun = "unrun-" + UUID.randomUUID().toString().substring(0, 8);
        CloudFormationClient cloudFormation = CloudFormationClient.create();
        String body = java.nio.file.Files.readString(ROOT.resolve("deployer/src/test/resources/pipeline-check-stack.yaml"));
        cloudFormation.createChangeSet(r -> r.stackName(unrun).changeSetName("never-executed").changeSetType("CREATE")
                .templateBody(body));
        TestConsole removed = new TestConsole();
        assertThat(run(removed, "remove", "--stack-name", unrun, "--yes", "--poll-seconds", "0.1")).as(removed.all()).isZero();
        assertThat(removed.out()).contains("held only a change set that never ran; it is deleted");
        assertThat(removed.err()).isEmpty();
        assertThat(status(cloudFormation, unrun)).isEqualTo("DELETE_COMPLETE");
    }

    @Test
    @Timeout(300)
    void removeAndRestoreGetEverythingBackAndDeleteDataDeletesExactlyWhatWasKept() throws Exception {
        String stack = "cycle-" + UUID.randomUUID().toString().substring(0, 8);
        Path jar = Files.writeString(dir.resolve("custom-resources.jar"), "not really a jar " + stack);

        // 1. Create: the bootstrap stack, both uploads, a CREATE change set, the custom resource answered.
        TestConsole first = new TestConsole();
        try (CustomResourceAnswerer answerer = new CustomResourceAnswerer(moto, stack, "HealthGate", "{\"MlflowVersion\":\"3.17.0\"}")) {
            assertThat(run(first, deploy(stack, jar, "-p", "Greeting=hello", "-p", "NatMode=instance", "--timeout-minutes", "2")))
                    .as("%s%nanswerer's last error: %s", first.all(), answerer.lastError()).isZero();
            assertThat(answerer.answered()).as(first.all()).isPositive();
        }
        assertThat(first.out())
                .contains("Deploying stack " + stack + " in account 123456789012, region eu-west-1")
                .contains("uploaded custom-resources.jar to s3://")
                .contains("Monthly estimate in eu-west-1 (prices of ")
                .contains("CREATE_COMPLETE")
                .contains("MLflow 3.17.0 is ready at http://")
                .contains("export MLFLOW_TRACKING_URI=http://");
        CloudFormationClient cloudFormation = CloudFormationClient.create();
        assertThat(cloudFormation.describeStacks(r -> r.stackName(AssetStore.BOOTSTRAP_STACK)).stacks().get(0)
                .stackStatusAsString()).isEqualTo("CREATE_COMPLETE");
        assertThat(status(cloudFormation, stack)).as("the stack itself, not the summary line").isEqualTo("CREATE_COMPLETE");
        assertThat(cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0).tags())
                .as("which dmlflow made it").anySatisfy(tag -> {
                    assertThat(tag.key()).isEqualTo(Version.TAG);
                    assertThat(tag.value()).isEqualTo(Version.current());
                });
        String bucket = output(cloudFormation, stack, "ArtifactBucket");
        // The NAT instance's image is read once, as the instance is made, and pinned in the stack.
        String newestImage = SsmClient.create().getParameter(r -> r.name(
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64")).parameter().value();
        assertThat(first.out()).contains("NAT instance image: " + newestImage);
        assertThat(parameters(cloudFormation, stack).get(NatImage.PARAMETER)).isEqualTo(newestImage);

        // 2. Update one parameter; the others keep their values. On a terminal, progress is one live line.
        TestConsole second = new TestConsole(true, "");
        assertThat(run(second, deploy(stack, jar, "-p", "Greeting=hi"))).as(second.all()).isZero();
        assertThat(second.out()).contains("Changes to stack " + stack, "already uploaded", "is UPDATE_COMPLETE: MLflow 3.17.0 is ready at")
                .as("an update keeps the pinned image").doesNotContain("NAT instance image:");
        assertThat(parameters(cloudFormation, stack).get(NatImage.PARAMETER)).isEqualTo(newestImage);
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

        // Data a user would have: artifacts (one overwritten), secrets, and snapshots: the one
        // CloudFormation takes as it deletes the cluster (named as its DBCluster handler names it), one
        // the user took, one an upgrade took. moto cannot run Aurora: the cluster is made in its RDS.
        S3Client s3 = S3Client.builder().forcePathStyle(true).build();
        // The real bucket is versioned; moto's CloudFormation leaves VersioningConfiguration out.
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
        s3.putObject(r -> r.bucket(bucket).key("artifacts/1/model.pkl"), RequestBody.fromString("v1"));
        s3.putObject(r -> r.bucket(bucket).key("artifacts/1/model.pkl"), RequestBody.fromString("v2"));
        s3.putObject(r -> r.bucket(bucket).key("artifacts/2/metrics.json"), RequestBody.fromString("{}"));
        RdsClient rds = RdsClient.create();
        String cluster = stack + "-cluster";
        String finalSnapshot = stack + "-snapshot-databasecluster-1a2b3c4d5e6f";
        rds.createDBCluster(r -> r.dbClusterIdentifier(cluster).engine("aurora-mysql").engineVersion("8.0.mysql_aurora.3.10.3")
                .masterUsername("admin").masterUserPassword("password123"));
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster).dbClusterSnapshotIdentifier("users-own-" + stack));
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster).dbClusterSnapshotIdentifier("dmlflow-" + stack + "-before-v3-18-0-ab12"));
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster).dbClusterSnapshotIdentifier(finalSnapshot));
        Map<String, String> secrets = resources(cloudFormation, stack, RetainedData.SECRET_PARAMETERS.keySet());
        assertThat(secrets).hasSize(4).allSatisfy((id, arn) -> assertThat(arn).startsWith("arn:aws:secretsmanager:"));
        SecretsManagerClient secretsManager = SecretsManagerClient.create();
        String adminPassword = secretsManager.getSecretValue(r -> r.secretId(secrets.get("ServerSecretsAdminPassword"))).secretString();

        // 4. Remove keeps the bucket, the final snapshot and the secrets, records them, and says how to come back.
        TestConsole removal = new TestConsole();
        assertThat(run(removal, remove(stack, "--yes"))).as(removal.all()).isZero();
        assertThat(removal.out())
                .contains("Stack " + stack + " is deleted.")
                .contains("artifact bucket " + bucket + ": 2 objects (3 versions and delete markers)")
                .contains("database snapshot " + finalSnapshot + " (the final snapshot CloudFormation took)")
                .contains("secret " + secrets.get("ServerSecretsAdminPassword") + " (basic-auth admin password)")
                .contains("database snapshot users-own-" + stack, "database snapshot dmlflow-" + stack + "-before-v3-18-0-ab12")
                .contains("./deploy.sh --stack-name " + stack + " --restore")
                .contains("./remove.sh --stack-name " + stack + " --delete-data");
        assertThat(status(cloudFormation, stack)).isEqualTo("DELETE_COMPLETE");
        assertThat(s3.listObjectsV2(r -> r.bucket(bucket)).keyCount()).isEqualTo(2);
        secrets.values().forEach(arn -> assertThat(secretsManager.describeSecret(r -> r.secretId(arn)).deletedDate()).isNull());

        // 5. A plain deploy under the removed stack's name would start empty beside the kept data: refused.
        TestConsole plain = new TestConsole();
        assertThat(run(plain, deploy(stack, jar))).isNotZero();
        assertThat(plain.err()).contains("a removed stack " + stack + " kept data", "--restore brings it back", "--fresh");
        assertThat(status(cloudFormation, stack)).isEqualTo("DELETE_COMPLETE");

        // 6. --restore (here under a new name): a new stack on the kept bucket, snapshot and secrets, each
        // checked before anything is made; the record moves to the new stack, which uses what it lists.
        String back = stack + "-b";
        TestConsole restore = new TestConsole();
        try (CustomResourceAnswerer answerer = new CustomResourceAnswerer(moto, back, "HealthGate", "{\"MlflowVersion\":\"3.17.0\"}")) {
            assertThat(run(restore, deploy(back, jar, "--restore", stack, "--timeout-minutes", "2")))
                    .as("%s%nanswerer's last error: %s", restore.all(), answerer.lastError()).isZero();
        }
        assertThat(restore.out()).contains("Restoring what stack " + stack + " kept:", "database from snapshot " + finalSnapshot,
                "artifacts in bucket " + bucket, "CREATE_COMPLETE");
        assertThat(status(cloudFormation, back)).isEqualTo("CREATE_COMPLETE");
        Map<String, String> restored = parameters(cloudFormation, back);
        assertThat(restored).containsEntry("DatabaseSnapshotIdentifier", finalSnapshot).containsEntry("ExistingArtifactBucket", bucket);
        RetainedData.SECRET_PARAMETERS.forEach((resource, parameter) ->
                assertThat(restored).containsEntry(parameter, secrets.get(resource)));
        assertThat(output(cloudFormation, back, "ArtifactBucket")).isEqualTo(bucket);
        assertThat(secretsManager.getSecretValue(r -> r.secretId(output(cloudFormation, back, "AdminSecretArn"))).secretString())
                .as("the same admin login as before the remove").isEqualTo(adminPassword);
        assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key("artifacts/1/model.pkl")).asUtf8String()).isEqualTo("v2");
        TestConsole oldName = new TestConsole();
        assertThat(run(oldName, remove(stack, "--delete-data", "--confirm-delete-data"))).isNotZero();
        assertThat(oldName.err()).as("what the restored stack uses is no longer the old name's to delete")
                .contains("no record of data it kept");
        assertThat(s3.listBuckets().buckets()).anyMatch(b -> b.name().equals(bucket));

        // 7. --restore onto a stack that exists is refused before anything changes.
        TestConsole again = new TestConsole();
        assertThat(run(again, deploy(back, jar, "--restore", stack))).isNotZero();
        assertThat(again.err()).contains("--restore creates a new stack, and stack " + back + " exists");

        // Pointing the live stack at other data is a data risk: refused without 'replace data'.
        TestConsole swap = new TestConsole();
        assertThat(run(swap, deploy(back, jar, "-p", "ExistingArtifactBucket=some-other-bucket"))).isNotZero();
        assertThat(swap.out()).contains("ExistingArtifactBucket: " + bucket + " -> some-other-bucket");
        assertThat(swap.err()).contains("pass --confirm-data-changes to go ahead");
        assertThat(parameters(cloudFormation, back)).containsEntry("ExistingArtifactBucket", bucket);

        // 8. Remove the restored stack: the record still holds the same data.
        TestConsole secondRemoval = new TestConsole();
        assertThat(run(secondRemoval, remove(back, "--yes"))).as(secondRemoval.all()).isZero();
        assertThat(secondRemoval.out()).contains("artifact bucket " + bucket, "database snapshot " + finalSnapshot + " (the final",
                "secret " + secrets.get("DatabaseMasterSecret"));

        // 9. --yes does not answer --delete-data; on a terminal it asks twice, and a wrong second answer stops it.
        TestConsole unattended = new TestConsole();
        assertThat(run(unattended, remove(back, "--yes", "--delete-data"))).isNotZero();
        assertThat(unattended.err()).contains("pass --confirm-delete-data with --delete-data");
        TestConsole hesitant = new TestConsole(true, "delete data\nnot-the-stack\n");
        assertThat(run(hesitant, remove(back, "--delete-data"))).isNotZero();
        assertThat(hesitant.out()).contains("--delete-data deletes, for good:", "Asking once more: type the stack name");
        assertThat(hesitant.err()).contains("nothing was deleted");
        assertThat(s3.listBuckets().buckets()).anyMatch(b -> b.name().equals(bucket));

        // 10. Confirmed twice on a terminal: exactly what was recorded goes, item by item; the user's snapshots stay.
        TestConsole purge = new TestConsole(true, "delete data\n" + back + "\n");
        assertThat(run(purge, remove(back, "--delete-data"))).as(purge.all()).isZero();
        assertThat(purge.out()).contains("Deleted artifact bucket " + bucket + " (3 object versions and markers).",
                "Deleted database snapshot " + finalSnapshot + ".",
                "Deleted secret " + secrets.get("DatabaseAppUser") + " (MLflow's database login)");
        assertThat(s3.listBuckets().buckets()).noneMatch(b -> b.name().equals(bucket));
        assertThat(rds.describeDBClusterSnapshots(r -> r.dbClusterIdentifier(cluster).snapshotType("manual")).dbClusterSnapshots())
                .extracting(DBClusterSnapshot::dbClusterSnapshotIdentifier)
                .containsExactlyInAnyOrder("users-own-" + stack, "dmlflow-" + stack + "-before-v3-18-0-ab12");
        secrets.values().forEach(arn -> assertThat(secretsManager.describeSecret(r -> r.secretId(arn)).deletedDate())
                .as("scheduled for deletion, restorable for 7 days").isNotNull());
        TestConsole nothingLeft = new TestConsole();
        assertThat(run(nothingLeft, remove(back, "--delete-data", "--confirm-delete-data"))).isNotZero();
        assertThat(nothingLeft.err()).contains("no record of data it kept");
    }

    @Test
    @Timeout(180)
    void freshStartsEmptyAndMovesTheKeptDatasRecordAsideWhereItCanStillBeDeleted() throws Exception {
        String stack = "fresh-" + UUID.randomUUID().toString().substring(0, 8);
        Path jar = Files.writeString(dir.resolve("fresh.jar"), "not really a jar " + stack);
        CloudFormationClient cloudFormation = CloudFormationClient.create();
        try (CustomResourceAnswerer answerer = new CustomResourceAnswerer(moto, stack, "HealthGate", "{\"MlflowVersion\":\"3.17.0\"}")) {
            TestConsole first = new TestConsole();
            assertThat(run(first, deploy(stack, jar, "--timeout-minutes", "2"))).as(first.all()).isZero();
        }
        String keptBucket = output(cloudFormation, stack, "ArtifactBucket");
        TestConsole removal = new TestConsole();
        assertThat(run(removal, remove(stack, "--yes"))).as(removal.all()).isZero();

        TestConsole fresh = new TestConsole();
        try (CustomResourceAnswerer answerer = new CustomResourceAnswerer(moto, stack, "HealthGate", "{\"MlflowVersion\":\"3.17.0\"}")) {
            assertThat(run(fresh, deploy(stack, jar, "--fresh", "--timeout-minutes", "2"))).as(fresh.all()).isZero();
        }
        String archived = fresh.out().lines().filter(line -> line.contains("is now recorded as ")).findFirst().orElseThrow()
                .replaceAll(".*is now recorded as (\\S+) .*", "$1");
        assertThat(archived).startsWith(stack + "-removed-");
        assertThat(output(cloudFormation, stack, "ArtifactBucket")).as("a new, empty bucket").isNotEqualTo(keptBucket);

        TestConsole purge = new TestConsole();
        assertThat(run(purge, remove(archived, "--delete-data", "--confirm-delete-data"))).as(purge.all()).isZero();
        assertThat(purge.out()).contains("Deleted artifact bucket " + keptBucket);
        S3Client s3 = S3Client.builder().forcePathStyle(true).build();
        assertThat(s3.listBuckets().buckets()).noneMatch(b -> b.name().equals(keptBucket))
                .anyMatch(b -> b.name().equals(output(cloudFormation, stack, "ArtifactBucket")));
    }

    private static String[] remove(String stack, String... extra) {
        List<String> args = new ArrayList<>(List.of("remove", "--stack-name", stack, "--poll-seconds", "0.1",
                "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static Map<String, String> parameters(CloudFormationClient cloudFormation, String stack) {
        Map<String, String> values = new TreeMap<>();
        cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0).parameters()
                .forEach(p -> values.put(p.parameterKey(), p.parameterValue()));
        return values;
    }

    private static String output(CloudFormationClient cloudFormation, String stack, String key) {
        return cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0).outputs().stream()
                .filter(o -> o.outputKey().equals(key)).findFirst().orElseThrow().outputValue();
    }

    private static Map<String, String> resources(CloudFormationClient cloudFormation, String stack, Set<String> ids) {
        Map<String, String> found = new TreeMap<>();
        cloudFormation.describeStackResources(r -> r.stackName(stack)).stackResources().stream()
                .filter(resource -> ids.contains(resource.logicalResourceId()))
                .forEach(resource -> found.put(resource.logicalResourceId(), resource.physicalResourceId()));
        return found;
    }
}
