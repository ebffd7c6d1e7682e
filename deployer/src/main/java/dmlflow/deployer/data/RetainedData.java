package dmlflow.deployer.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * What a removed stack leaves behind on purpose, so that {@code deploy --restore} can bring the
 * server back as it was: the artifact bucket, the final database snapshot, and the four secrets.
 * Recorded in the assets bucket before the stack goes (and again once the final snapshot exists),
 * so that a later {@code remove --delete-data} deletes exactly this and nothing else.
 */
public final class RetainedData {
    public static final String BUCKET_RESOURCE = "ArtifactsBucket";
    static final String BUCKET_PARAMETER = "ExistingArtifactBucket";
    public static final String CLUSTER_RESOURCE = "DatabaseCluster";
    public static final String SNAPSHOT_PARAMETER = "DatabaseSnapshotIdentifier";
    public static final String ENGINE_PARAMETER = "DatabaseEngineVersion";
    /** Each kept secret's resource in the template, and the parameter a restore hands it back through. */
    public static final Map<String, String> SECRET_PARAMETERS = secretParameters();
    /** What each secret holds, as a person reads it. */
    public static final Map<String, String> SECRET_LABELS = Map.of(
            "DatabaseMasterSecret", "database master login",
            "DatabaseAppUser", "MLflow's database login",
            "ServerSecretsAdminPassword", "basic-auth admin password",
            "ServerSecretsFlaskSecretKey", "Flask secret key");
    /** Every parameter that points the stack at data: changing one on a live stack swaps the data out. */
    public static final List<String> DATA_PARAMETERS = dataParameters();
    /** Days Secrets Manager keeps a deleted secret restorable (its minimum). */
    public static final int SECRET_RECOVERY_DAYS = 7;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, String> secretParameters() {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("DatabaseMasterSecret", "ExistingDatabaseMasterSecretArn");
        secrets.put("DatabaseAppUser", "ExistingDatabaseUserSecretArn");
        secrets.put("ServerSecretsAdminPassword", "ExistingAdminSecretArn");
        secrets.put("ServerSecretsFlaskSecretKey", "ExistingFlaskSecretKeyArn");
        return Collections.unmodifiableMap(secrets);
    }

    private static List<String> dataParameters() {
        List<String> names = new ArrayList<>(List.of(SNAPSHOT_PARAMETER, BUCKET_PARAMETER));
        names.addAll(SECRET_PARAMETERS.values());
        return List.copyOf(names);
    }

    /**
     * @param secrets kept secrets by their template resource id, in {@link #SECRET_PARAMETERS} order
     * @param finalSnapshots snapshots CloudFormation took as it deleted a cluster of this stack
     *     (all of them, for --delete-data)
     * @param restoreFrom the final snapshot of the last cluster that served: the one a restore starts
     *     from (not one a failed creation left)
     * @param served whether the stack being removed had served (its creation had not failed)
     */
    public record Kept(String bucket, String cluster, Map<String, String> secrets, List<String> finalSnapshots,
            String restoreFrom, boolean served, Instant removalStarted) {
        public Kept {
            secrets = Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
            finalSnapshots = List.copyOf(finalSnapshots);
        }

        /** Adds what CloudFormation took on deletion; from a stack that served, the newest is the restore source. */
        public Kept withFinalSnapshots(List<String> found) {
            return withFinalSnapshots(found, served);
        }

        public Kept withFinalSnapshots(List<String> found, boolean fromAServingStack) {
            LinkedHashSet<String> all = new LinkedHashSet<>(finalSnapshots);
            all.addAll(found);
            String source = fromAServingStack && !found.isEmpty() ? found.get(found.size() - 1) : restoreFrom;
            return new Kept(bucket, cluster, secrets, List.copyOf(all), source, served, removalStarted);
        }

        /** What a restored stack takes over: nothing to delete but the snapshots, until it is removed itself. */
        public Kept handedOver() {
            return new Kept(null, null, Map.of(), finalSnapshots, null, false, null);
        }

        public int itemCount() {
            return (bucket == null ? 0 : 1) + finalSnapshots.size() + secrets.size();
        }
    }

    private final AwsSession aws;

    public RetainedData(AwsSession aws) {
        this.aws = aws;
    }

    /**
     * The data a live stack holds: for each item the kept one its parameters name (a restored
     * stack), else the one it made. Final snapshots recorded for an earlier life of the stack stay
     * on the list: they are dmlflow's, not the user's.
     */
    public Kept inventory(String stack, Map<String, String> parameters, Kept earlier, boolean served, Instant now) {
        // What a failed creation made is gone again (RetainExceptOnCreate): only what exists is recorded.
        String bucket = given(parameters, BUCKET_PARAMETER).or(() -> physicalId(stack, BUCKET_RESOURCE))
                .filter(this::bucketExists).orElse(null);
        Map<String, String> secrets = new LinkedHashMap<>();
        SECRET_PARAMETERS.forEach((resource, parameter) -> given(parameters, parameter)
                .or(() -> physicalId(stack, resource)).filter(this::secretUsable).ifPresent(arn -> secrets.put(resource, arn)));
        List<String> finals = earlier == null ? List.of() : earlier.finalSnapshots();
        String restoreFrom = earlier == null ? null : earlier.restoreFrom();
        return new Kept(bucket, physicalId(stack, CLUSTER_RESOURCE).orElse(null), secrets, finals, restoreFrom, served, now);
    }

    private static Optional<String> given(Map<String, String> parameters, String name) {
        return Optional.ofNullable(parameters.get(name)).filter(value -> !value.isEmpty());
    }

    /** The stack's database cluster, while the stack exists. */
    public Optional<String> cluster(String stack) {
        return physicalId(stack, CLUSTER_RESOURCE);
    }

    private Optional<String> physicalId(String stack, String logicalId) {
        try {
            // A resource whose condition is false does not exist: CloudFormation answers with a
            // ValidationError, moto with no detail.
            return Optional.ofNullable(aws.cloudFormation().describeStackResource(r -> r.stackName(stack)
                    .logicalResourceId(logicalId)).stackResourceDetail()).map(detail -> detail.physicalResourceId());
        } catch (CloudFormationException e) {
            return Optional.empty();
        }
    }

    public static String recordKey(String stack) {
        return "kept/" + stack + ".json";
    }

    public void record(AssetStore assets, String stack, Kept kept) {
        ObjectNode node = JSON.createObjectNode();
        node.put("stack", stack);
        node.put("bucket", kept.bucket());
        node.put("cluster", kept.cluster());
        ObjectNode secrets = node.putObject("secrets");
        kept.secrets().forEach(secrets::put);
        kept.finalSnapshots().forEach(node.putArray("finalSnapshots")::add);
        node.put("restoreFrom", kept.restoreFrom());
        node.put("served", kept.served());
        node.put("removalStarted", kept.removalStarted() == null ? null : kept.removalStarted().toString());
        assets.put(recordKey(stack), node.toPrettyString());
    }

    public Kept recorded(AssetStore assets, String stack) {
        String text = assets.get(recordKey(stack));
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(text);
            Map<String, String> secrets = new LinkedHashMap<>();
            node.path("secrets").fields().forEachRemaining(e -> secrets.put(e.getKey(), e.getValue().asText()));
            List<String> finals = new ArrayList<>();
            node.path("finalSnapshots").forEach(s -> finals.add(s.asText()));
            String started = text(node, "removalStarted");
            return new Kept(text(node, "bucket"), text(node, "cluster"), secrets, finals, text(node, "restoreFrom"),
                    node.path("served").asBoolean(false), started == null ? null : Instant.parse(started));
        } catch (IOException e) {
            throw DeployerException.failed("the record " + recordKey(stack) + " in the assets bucket is damaged: "
                    + Problems.of(e) + ". Fix it by hand (aws s3 cp) or move it aside; --verbose shows more");
        } catch (RuntimeException e) {
            throw DeployerException.failed("the record " + recordKey(stack) + " in the assets bucket is damaged (a"
                    + " value is not what ./remove.sh writes). Fix it by hand (aws s3 cp) or move it aside");
        }
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).isTextual() ? node.path(field).asText() : null;
    }

    public void forget(AssetStore assets, String stack) {
        assets.delete(recordKey(stack));
    }

    /** Moves a record aside (a fresh stack takes the name); returns the name it is now found under. */
    public String archive(AssetStore assets, String stack, Kept kept, Instant now) {
        String archived = stack + "-removed-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
                .withZone(java.time.ZoneOffset.UTC).format(now);
        record(assets, archived, kept);
        forget(assets, stack);
        return archived;
    }

    public boolean bucketExists(String bucket) {
        try {
            aws.s3().headBucket(r -> r.bucket(bucket));
            return true;
        } catch (NoSuchBucketException e) {
            return false;
        }
    }

    /** Current objects and all versions (including delete markers) in the bucket; null when it is gone. */
    public long[] objectCounts(String bucket) {
        try {
            long current = 0;
            long versions = 0;
            String keyMarker = null;
            String versionMarker = null;
            do {
                String k = keyMarker;
                String v = versionMarker;
                var page = aws.s3().listObjectVersions(r -> r.bucket(bucket).keyMarker(k).versionIdMarker(v));
                current += page.versions().stream().filter(x -> Boolean.TRUE.equals(x.isLatest())).count();
                versions += page.versions().size() + page.deleteMarkers().size();
                keyMarker = Boolean.TRUE.equals(page.isTruncated()) ? page.nextKeyMarker() : null;
                versionMarker = Boolean.TRUE.equals(page.isTruncated()) ? page.nextVersionIdMarker() : null;
            } while (keyMarker != null);
            return new long[] {current, versions};
        } catch (NoSuchBucketException e) {
            return null;
        }
    }

    /**
     * Every manual snapshot of the cluster, newest first. The cluster is usually gone by now, and
     * DescribeDBClusterSnapshots documents its DBClusterIdentifier filter for existing clusters only:
     * every manual snapshot is listed (all pages) and matched here.
     */
    public List<DBClusterSnapshot> snapshots(String cluster) {
        if (cluster == null) {
            return List.of();
        }
        List<DBClusterSnapshot> found = new ArrayList<>();
        aws.rds().describeDBClusterSnapshotsPaginator(r -> r.snapshotType("manual")).dbClusterSnapshots().stream()
                .filter(snapshot -> cluster.equalsIgnoreCase(snapshot.dbClusterIdentifier())).forEach(found::add);
        found.sort(Comparator.comparing(DBClusterSnapshot::snapshotCreateTime,
                Comparator.nullsLast(Comparator.naturalOrder())).reversed());
        return found;
    }

    /**
     * The snapshots CloudFormation took of the stack's cluster as it deleted it, oldest first.
     * CloudFormation's DBCluster handler names them {@code <stack>-snapshot-<logical id>-<random>}
     * in lower case (aws-cloudformation-resource-providers-rds, aws-rds-dbcluster DeleteHandler and
     * aws-rds-cfn-common IdentifierFactory); snapshots the user or an upgrade took are named otherwise.
     */
    public List<String> finalSnapshots(String stack, String cluster) {
        String prefix = finalSnapshotPrefix(stack);
        List<String> found = new ArrayList<>(snapshots(cluster).stream().map(DBClusterSnapshot::dbClusterSnapshotIdentifier)
                .filter(id -> id.startsWith(prefix)).toList());
        Collections.reverse(found);
        return found;
    }

    /** As IdentifierFactory writes it: lower case, runs of hyphens made one, no leading hyphen. */
    public static String finalSnapshotPrefix(String stack) {
        return (stack + "-Snapshot-" + CLUSTER_RESOURCE).toLowerCase(Locale.ROOT).replaceAll("-{2,}", "-")
                .replaceFirst("^-+", "") + "-";
    }

    /** The snapshot, or empty when it is gone. */
    Optional<DBClusterSnapshot> snapshot(String identifier) {
        try {
            return aws.rds().describeDBClusterSnapshots(r -> r.dbClusterSnapshotIdentifier(identifier))
                    .dbClusterSnapshots().stream().findFirst();
        } catch (DbClusterSnapshotNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Whether the secret still exists and is not scheduled for deletion. */
    boolean secretUsable(String arn) {
        try {
            return aws.secretsManager().describeSecret(r -> r.secretId(arn)).deletedDate() == null;
        } catch (ResourceNotFoundException e) {
            return false;
        }
    }

    /** Schedules the secret's deletion (restorable for {@link #SECRET_RECOVERY_DAYS} days); false when it was gone. */
    public boolean deleteSecret(String arn) {
        if (!secretUsable(arn)) {
            return false;
        }
        aws.secretsManager().deleteSecret(r -> r.secretId(arn).recoveryWindowInDays((long) SECRET_RECOVERY_DAYS));
        return true;
    }

    /** Every object version and delete marker, then the bucket. */
    public long deleteBucket(String bucket) {
        long deleted = 0;
        while (true) {
            var page = aws.s3().listObjectVersions(r -> r.bucket(bucket).maxKeys(1000));
            List<ObjectIdentifier> batch = new ArrayList<>();
            page.versions().forEach(v -> batch.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
            page.deleteMarkers().forEach(m -> batch.add(ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build()));
            if (batch.isEmpty()) {
                break;
            }
            var result = aws.s3().deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
            if (!result.errors().isEmpty()) {
                var first = result.errors().get(0);
                throw DeployerException.failed("S3 refused to delete " + result.errors().size() + " objects of " + bucket
                        + ", e.g. " + first.key() + ": " + first.code() + " " + first.message());
            }
            deleted += batch.size();
        }
        aws.s3().deleteBucket(r -> r.bucket(bucket));
        return deleted;
    }

    /** Deletes the snapshot; false when it was gone already. */
    public boolean deleteSnapshot(String snapshot) {
        try {
            aws.rds().deleteDBClusterSnapshot(r -> r.dbClusterSnapshotIdentifier(snapshot));
            return true;
        } catch (DbClusterSnapshotNotFoundException e) {
            return false;
        }
    }
}
