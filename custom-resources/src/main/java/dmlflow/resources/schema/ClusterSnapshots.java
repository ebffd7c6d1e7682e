package dmlflow.resources.schema;

import dmlflow.resources.protocol.Deadline;
import dmlflow.resources.protocol.Progress;
import dmlflow.resources.protocol.ResourceFailure;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotAlreadyExistsException;

/**
 * A manual snapshot of the Aurora cluster, taken before a schema migration and waited for until
 * it is available. Manual snapshots outlive the cluster and the stack (Amazon Aurora User Guide,
 * "Creating a DB cluster snapshot"): it is the way back from a migration that fails half-way.
 */
final class ClusterSnapshots {
    private final Supplier<RdsClient> rds;
    private final Duration poll;

    ClusterSnapshots(Supplier<RdsClient> rds, Duration poll) {
        this.rds = rds;
        this.poll = poll;
    }

    /** Takes the snapshot (or finds the one a retried request took) and waits until it is available. */
    void take(String cluster, String snapshotId, Deadline deadline, Progress progress) throws InterruptedException {
        progress.now("a snapshot " + snapshotId + " of cluster " + cluster + " to start");
        try {
            rds.get().createDBClusterSnapshot(r -> r.dbClusterIdentifier(cluster).dbClusterSnapshotIdentifier(snapshotId));
        } catch (DbClusterSnapshotAlreadyExistsException retried) {
            // A retried invocation of the same request: wait for the snapshot its first attempt started.
        }
        while (true) {
            List<DBClusterSnapshot> found = rds.get().describeDBClusterSnapshots(r -> r.dbClusterSnapshotIdentifier(snapshotId))
                    .dbClusterSnapshots();
            if (!found.isEmpty() && !cluster.equals(found.get(0).dbClusterIdentifier())) {
                throw new ResourceFailure("a snapshot named " + snapshotId + " already exists for cluster "
                        + found.get(0).dbClusterIdentifier() + ", not " + cluster + "; nothing was migrated");
            }
            String status = found.isEmpty() ? "missing" : found.get(0).status();
            if ("available".equals(status)) {
                return;
            }
            if (found.isEmpty() || status.contains("fail") || status.contains("delet")) {
                throw new ResourceFailure("the snapshot " + snapshotId + " of cluster " + cluster + " is " + status
                        + "; nothing was migrated");
            }
            progress.now("the snapshot " + snapshotId + " to become available (status " + status + ")");
            if (deadline.passed()) {
                throw new ResourceFailure("the snapshot " + snapshotId + " was still " + status
                        + " at the deadline; nothing was migrated. Deploy again once it is available.");
            }
            deadline.sleep(poll);
        }
    }

    /**
     * After a successful upgrade: deletes the cluster's manual snapshots whose names start with
     * prefix (this stack's pre-upgrade ones), all but the newest {@code keep}; they count against
     * the account's manual snapshot quota (100 per region by default) and outlive the stack. Best
     * effort: a snapshot that cannot be deleted, or a list that fails, is said in the answer and
     * never fails the upgrade. Returns what was deleted.
     */
    List<String> prune(String cluster, String prefix, int keep, Progress progress) {
        List<DBClusterSnapshot> ours;
        try {
            ours = new java.util.ArrayList<>(rds.get().describeDBClusterSnapshotsPaginator(r -> r
                    .dbClusterIdentifier(cluster).snapshotType("manual")).dbClusterSnapshots().stream()
                    .filter(snapshot -> snapshot.dbClusterSnapshotIdentifier().startsWith(prefix))
                    .filter(snapshot -> "available".equals(snapshot.status()))
                    .toList());
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            // The upgrade succeeded: a failure to tidy up must not roll it back.
            return List.of("none (cannot list the pre-upgrade snapshots: " + e.getMessage() + ")");
        }
        ours.sort(java.util.Comparator.comparing(DBClusterSnapshot::snapshotCreateTime,
                java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())).reversed());
        List<String> deleted = new java.util.ArrayList<>();
        for (DBClusterSnapshot old : ours.subList(Math.min(keep, ours.size()), ours.size())) {
            String id = old.dbClusterSnapshotIdentifier();
            progress.now("older pre-upgrade snapshots to go (" + id + ")");
            try {
                rds.get().deleteDBClusterSnapshot(r -> r.dbClusterSnapshotIdentifier(id));
                deleted.add(id);
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                deleted.add(id + " (not deleted: " + e.getMessage() + ")");
            }
        }
        return deleted;
    }

    static String restoreCommand(String snapshotId) {
        return "aws rds restore-db-cluster-from-snapshot --snapshot-identifier " + snapshotId
                + " --db-cluster-identifier NEW_CLUSTER_ID --engine aurora-mysql";
    }
}
