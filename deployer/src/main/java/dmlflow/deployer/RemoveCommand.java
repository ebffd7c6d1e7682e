package dmlflow.deployer;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;

/** Deletes the stack and reports what was kept; deletes the kept data only when told to, twice. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Delete the stack. The artifact bucket and a final database snapshot are kept, and their"
                + " names printed, unless --delete-data is given and confirmed.")
final class RemoveCommand extends BaseCommand {
    @Option(names = "--delete-data", description = "Also delete the artifact bucket (every object version) and the"
            + " final database snapshot. Works again later, after the stack is gone.")
    boolean deleteData;

    @Option(names = "--bootstrap-template", defaultValue = "templates/bootstrap.yaml", paramLabel = "FILE",
            description = "The assets-bucket template (default: ${DEFAULT-VALUE}).")
    Path bootstrapPath;

    @Override
    public Integer call() {
        try (AwsSession aws = session()) {
            announce(aws, "Removing");
            StackState state = StackState.describe(aws.cloudFormation(), options.stackName);
            refuseWhenBusy(state);
            RetainedData data = new RetainedData(aws);
            AssetStore assets = AssetStore.ensure(aws, bootstrapPath, watcher(aws), console);

            RetainedData.Kept kept;
            if (state.exists()) {
                if ("true".equals(state.parameters().get("DatabaseDeletionProtection"))) {
                    throw DeployerException.failed("the database has deletion protection on: first run ./deploy.sh"
                            + " --stack-name " + options.stackName + " -p DatabaseDeletionProtection=false, then remove");
                }
                kept = data.inventory(options.stackName);
                confirmRemoval();
                if (deleteData) {
                    confirmDataDeletion(kept);
                }
                data.record(assets, options.stackName, kept);
                deleteStack(aws, state);
            } else {
                kept = data.recorded(assets, options.stackName);
                if (kept == null) {
                    throw DeployerException.failed("stack " + options.stackName + " does not exist, and no record of"
                            + " data it kept was found in s3://" + assets.bucket() + "/" + RetainedData.recordKey(options.stackName));
                }
                if (!deleteData) {
                    console.info("Stack " + options.stackName + " is already gone.");
                } else {
                    confirmDataDeletion(kept);
                }
            }

            if (deleteData) {
                deleteKept(data, kept);
            } else {
                report(data, kept, aws.region().id());
            }
            return 0;
        }
    }

    private void confirmRemoval() {
        if (!options.yes && !console.confirm("This deletes stack " + options.stackName + " and the tracking server. Type the"
                + " stack name to go on:", options.stackName, "pass --yes to delete it")) {
            throw DeployerException.failed("nothing was deleted");
        }
    }

    private void confirmDataDeletion(RetainedData.Kept kept) {
        String what = (kept.bucket() == null ? "" : "the artifact bucket " + kept.bucket())
                + (kept.bucket() != null && kept.cluster() != null ? " and " : "")
                + (kept.cluster() == null ? "" : "the final snapshot of database " + kept.cluster());
        if (!options.yes && !console.confirm("--delete-data also deletes " + what + ": every run's artifacts and"
                + " the experiments, for good. Type 'delete data' to go on:", "delete data", "pass --yes with --delete-data")) {
            throw DeployerException.failed("nothing was deleted");
        }
    }

    private void deleteStack(AwsSession aws, StackState state) {
        StackWatcher.Result result = deleteAndWatch(aws, state);
        if (!result.succeeded()) {
            throw DeployerException.failed("the stack could not be deleted: " + result.rootCause() + "\nIt is now "
                    + result.finalStatus() + ". Fix or remove that resource by hand, then run ./remove.sh again"
                    + " (or delete the stack in the console, choosing to retain the resource that failed).");
        }
        console.info("Stack " + options.stackName + " is deleted.");
    }

    private void report(RetainedData data, RetainedData.Kept kept, String region) {
        console.info("Kept, on purpose:");
        if (kept.bucket() != null) {
            long[] counts = data.objectCounts(kept.bucket());
            if (counts == null) {
                console.info("  artifact bucket " + kept.bucket() + ": already gone");
            } else {
                console.info("  artifact bucket " + kept.bucket() + ": " + counts[0] + " objects (" + counts[1]
                        + " versions and delete markers)");
            }
        }
        List<DBClusterSnapshot> snapshots = data.snapshots(kept.cluster());
        for (DBClusterSnapshot snapshot : snapshots) {
            console.info("  database snapshot " + snapshot.dbClusterSnapshotIdentifier() + " of " + kept.cluster()
                    + (snapshot.snapshotCreateTime() == null ? "" : ", taken " + snapshot.snapshotCreateTime()));
        }
        if (kept.cluster() != null && snapshots.isEmpty()) {
            console.info("  no snapshot of database " + kept.cluster() + " found yet (CloudFormation takes one as it"
                    + " deletes the cluster; check aws rds describe-db-cluster-snapshots --db-cluster-identifier "
                    + kept.cluster() + ")");
        }
        console.info("To delete them as well: ./remove.sh --stack-name " + options.stackName + " --delete-data --region " + region);
        for (DBClusterSnapshot snapshot : snapshots) {
            console.info("  or the snapshot alone: aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier "
                    + snapshot.dbClusterSnapshotIdentifier() + " --region " + region);
        }
    }

    private void deleteKept(RetainedData data, RetainedData.Kept kept) {
        if (kept.bucket() != null) {
            if (data.objectCounts(kept.bucket()) == null) {
                console.info("Artifact bucket " + kept.bucket() + " is already gone.");
            } else {
                long deleted = data.deleteBucket(kept.bucket());
                console.info("Deleted artifact bucket " + kept.bucket() + " (" + deleted + " object versions and markers).");
            }
        }
        for (DBClusterSnapshot snapshot : data.snapshots(kept.cluster())) {
            data.deleteSnapshot(snapshot.dbClusterSnapshotIdentifier());
            console.info("Deleted database snapshot " + snapshot.dbClusterSnapshotIdentifier() + ".");
        }
    }
}
