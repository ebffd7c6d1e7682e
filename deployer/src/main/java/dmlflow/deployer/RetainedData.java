package dmlflow.deployer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * What a removed stack leaves behind on purpose: the artifact bucket and the final database
 * snapshot. Recorded in the assets bucket before the stack goes, so that a later
 * {@code remove --delete-data} still finds them.
 */
final class RetainedData {
    static final String BUCKET_RESOURCE = "ArtifactsBucket";
    static final String CLUSTER_RESOURCE = "DatabaseCluster";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Kept(String bucket, String cluster) {
    }

    private final AwsSession aws;

    RetainedData(AwsSession aws) {
        this.aws = aws;
    }

    /** The physical names of the data-holding resources of a live stack. */
    Kept inventory(String stack) {
        return new Kept(physicalId(stack, BUCKET_RESOURCE).orElse(null), physicalId(stack, CLUSTER_RESOURCE).orElse(null));
    }

    private Optional<String> physicalId(String stack, String logicalId) {
        try {
            return Optional.ofNullable(aws.cloudFormation().describeStackResource(r -> r.stackName(stack)
                    .logicalResourceId(logicalId)).stackResourceDetail().physicalResourceId());
        } catch (CloudFormationException e) {
            return Optional.empty();
        }
    }

    static String recordKey(String stack) {
        return "kept/" + stack + ".json";
    }

    void record(AssetStore assets, String stack, Kept kept) {
        ObjectNode node = JSON.createObjectNode();
        node.put("bucket", kept.bucket());
        node.put("cluster", kept.cluster());
        assets.put(recordKey(stack), node.toString());
    }

    Kept recorded(AssetStore assets, String stack) {
        String text = assets.get(recordKey(stack));
        if (text == null) {
            return null;
        }
        try {
            var node = JSON.readTree(text);
            return new Kept(node.path("bucket").isNull() ? null : node.path("bucket").asText(null),
                    node.path("cluster").isNull() ? null : node.path("cluster").asText(null));
        } catch (IOException e) {
            throw DeployerException.failed("the record " + recordKey(stack) + " in the assets bucket is damaged: " + e.getMessage());
        }
    }

    /** Current objects and all versions (including delete markers) in the bucket; null when it is gone. */
    long[] objectCounts(String bucket) {
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

    /** The final snapshots CloudFormation took of the cluster, newest first. */
    List<DBClusterSnapshot> snapshots(String cluster) {
        if (cluster == null) {
            return List.of();
        }
        // The listing pages (100 a page by default): read them all.
        List<DBClusterSnapshot> found = new ArrayList<>();
        aws.rds().describeDBClusterSnapshotsPaginator(r -> r.dbClusterIdentifier(cluster).snapshotType("manual"))
                .dbClusterSnapshots().forEach(found::add);
        found.sort(Comparator.comparing(DBClusterSnapshot::snapshotCreateTime,
                Comparator.nullsLast(Comparator.naturalOrder())).reversed());
        return found;
    }

    /** Every object version and delete marker, then the bucket. */
    long deleteBucket(String bucket) {
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

    void deleteSnapshot(String snapshot) {
        aws.rds().deleteDBClusterSnapshot(r -> r.dbClusterSnapshotIdentifier(snapshot));
    }
}
