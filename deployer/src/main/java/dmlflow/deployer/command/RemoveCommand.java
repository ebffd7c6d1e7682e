package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.data.AssetStore;
import dmlflow.deployer.data.RetainedData;
import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.stack.StackWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudformation.model.ResourceStatus;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;

/**
 * Deletes the stack and records what it kept (artifact bucket, final snapshot, secrets) so that
 * {@code deploy --restore} brings it back; deletes exactly that record's items only when told to.
 */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Delete the stack. The artifact bucket, a final database snapshot and the secrets are kept and"
                + " recorded (./deploy.sh --restore brings the server back on them), unless --delete-data is given"
                + " and confirmed.")
public final class RemoveCommand extends BaseCommand {
    @Mixin
    ChangeOptions change = new ChangeOptions();

    @Override
    ChangeOptions change() {
        return change;
    }

    /** The stack's own certificate (HostedZoneId), which ACM releases a little after its listener goes. */
    static final String CERTIFICATE = "LoadBalancerCertificate";
    static final Duration CERTIFICATE_RELEASE = Duration.ofSeconds(30);

    @Option(names = "--delete-data", description = "Also delete what the stack kept: the artifact bucket (every object"
            + " version), its final database snapshots, and its secrets (restorable for 7 days). Snapshots taken"
            + " before the removal are never deleted. Works again later, after the stack is gone.")
    boolean deleteData;

    @Option(names = "--confirm-delete-data", description = "Answer both --delete-data questions (needed when not on a"
            + " terminal; --yes does not answer them).")
    boolean confirmDeleteData;

    @Option(names = "--bootstrap-template", paramLabel = "FILE",
            description = "The assets-bucket template (default: templates/bootstrap.yaml of the dmlflow checkout).")
    Path bootstrapPath;

    @Override
    public Integer call() {
        if (confirmDeleteData && !deleteData) {
            throw DeployerException.usage("--confirm-delete-data answers --delete-data's questions: give both, or neither");
        }
        try (AwsSession aws = session()) {
            announce(aws, "Removing");
            StackState state = StackState.describe(aws.cloudFormation(), options.stackName);
            refuseWhenBusy(state);
            // Nothing to act on creates nothing: without the stack and the assets stack, there is no
            // record of kept data either, and no assets bucket is made to look for one.
            if (!state.exists() && !StackState.describe(aws.cloudFormation(), AssetStore.BOOTSTRAP_STACK).exists()) {
                throw DeployerException.failed("stack " + options.stackName + " does not exist in " + aws.region().id()
                        + ", and nothing dmlflow kept is recorded there: nothing to remove (--stack-name and --region"
                        + " name another)");
            }
            // Every refusal and question before anything is written (the assets stack included).
            if (state.exists()) {
                if (!state.neverDeployed() && "true".equals(state.parameters().get("DatabaseDeletionProtection"))) {
                    throw DeployerException.failed("the database has deletion protection on: first run ./deploy.sh"
                            + " --stack-name " + options.stackName + " -p DatabaseDeletionProtection=false, then remove");
                }
                if (deleteData && !confirmDeleteData && !console.terminal()) {
                    throw DeployerException.failed("--delete-data asks twice before it deletes, and nobody can answer"
                            + " off a terminal: add --confirm-delete-data. Nothing was deleted.");
                }
                confirmRemoval();
            }
            RetainedData data = new RetainedData(aws);
            AssetStore assets = AssetStore.ensure(aws, Checkout.fileOr(bootstrapPath, Checkout.BOOTSTRAP_TEMPLATE),
                    watcher(aws), console);
            RetainedData.Kept earlier = data.recorded(assets, options.stackName);

            if (state.exists() && state.neverDeployed()) {
                // A change set that was never executed: the stack holds nothing; the record stays as it is.
                deleteStack(aws, state);
                state = StackState.describe(aws.cloudFormation(), options.stackName);
                if (earlier == null) {
                    console.info("Stack " + options.stackName + " held only a change set that never ran; it is deleted,"
                            + " and there was nothing else to remove.");
                    return 0;
                }
            }
            RetainedData.Kept kept;
            if (state.exists()) {
                kept = data.inventory(options.stackName, state.parameters(), earlier, !state.deadOnArrival(), clock.instant());
                if (deleteData) {
                    confirmDataDeletion(data, kept, true);
                }
                // Recorded before anything goes: an interrupted removal still knows what it keeps.
                data.record(assets, options.stackName, kept);
                deleteStack(aws, state);
            } else {
                if (earlier == null) {
                    throw DeployerException.failed("stack " + options.stackName + " does not exist, and no record of"
                            + " data it kept was found in s3://" + assets.bucket() + "/" + RetainedData.recordKey(options.stackName));
                }
                kept = earlier;
                if (!deleteData) {
                    console.info("Stack " + options.stackName + " is gone.");
                }
            }
            // The final snapshot exists, and has its name, only once CloudFormation has deleted the cluster.
            kept = kept.withFinalSnapshots(data.finalSnapshots(options.stackName, kept.cluster()));
            data.record(assets, options.stackName, kept);

            if (deleteData) {
                if (!state.exists()) {
                    confirmDataDeletion(data, kept, false);
                }
                deleteKept(data, kept);
                data.forget(assets, options.stackName);
                console.info("The record of kept data, s3://" + assets.bucket() + "/" + RetainedData.recordKey(options.stackName)
                        + ", is deleted too.");
            } else {
                report(data, kept, aws.region().id());
            }
            return 0;
        }
    }

    private void confirmRemoval() {
        if (!change.yes && !console.confirm("This deletes stack " + options.stackName + " and the tracking server. Type the"
                + " stack name to go on:", options.stackName, "pass --yes to delete it")) {
            throw DeployerException.failed("nothing was deleted");
        }
    }

    /** Lists every item, then asks twice; --yes answers neither question, --confirm-delete-data both. */
    private void confirmDataDeletion(RetainedData data, RetainedData.Kept kept, boolean beforeRemoval) {
        console.info("--delete-data deletes, for good:");
        describe(data, kept, beforeRemoval).forEach(line -> console.info("  " + line));
        List<String> spared = spared(data, kept);
        if (!spared.isEmpty()) {
            console.info("It does not delete these snapshots, taken before the removal (by you, or before an upgrade):");
            spared.forEach(line -> console.info("  " + line));
        }
        if (confirmDeleteData) {
            return;
        }
        String how = "pass --confirm-delete-data with --delete-data (--yes does not answer this)";
        if (!console.confirm("Every run, model and artifact in them is lost. Type 'delete data' to go on:", "delete data", how)
                || !console.confirm("Asking once more: type the stack name, " + options.stackName + ", to delete the "
                        + itemCount(kept, beforeRemoval) + " items above:", options.stackName, how)) {
            throw DeployerException.failed("nothing was deleted");
        }
    }

    private static int itemCount(RetainedData.Kept kept, boolean beforeRemoval) {
        return kept.itemCount() + (beforeRemoval && kept.cluster() != null ? 1 : 0);
    }

    private List<String> describe(RetainedData data, RetainedData.Kept kept, boolean beforeRemoval) {
        List<String> lines = new ArrayList<>();
        if (kept.bucket() != null) {
            long[] counts = data.objectCounts(kept.bucket());
            lines.add("artifact bucket " + kept.bucket() + (counts == null ? ": already gone"
                    : ": " + counts[0] + " objects (" + counts[1] + " versions and delete markers)"));
        }
        for (String snapshot : kept.finalSnapshots()) {
            lines.add("database snapshot " + snapshot + " (the final snapshot CloudFormation took)");
        }
        if (beforeRemoval && kept.cluster() != null) {
            lines.add("the final snapshot CloudFormation takes of database " + kept.cluster() + " as it deletes it");
        }
        kept.secrets().forEach((resource, arn) -> lines.add("secret " + arn + " (" + RetainedData.SECRET_LABELS.get(resource)
                + "; restorable for " + RetainedData.SECRET_RECOVERY_DAYS + " days)"));
        return lines;
    }

    private List<String> spared(RetainedData data, RetainedData.Kept kept) {
        List<String> lines = new ArrayList<>();
        for (DBClusterSnapshot snapshot : data.snapshots(kept.cluster())) {
            if (!kept.finalSnapshots().contains(snapshot.dbClusterSnapshotIdentifier())
                    && !snapshot.dbClusterSnapshotIdentifier().startsWith(RetainedData.finalSnapshotPrefix(options.stackName))) {
                lines.add("database snapshot " + snapshot.dbClusterSnapshotIdentifier()
                        + (snapshot.snapshotCreateTime() == null ? "" : ", taken " + snapshot.snapshotCreateTime()));
            }
        }
        return lines;
    }

    private void deleteStack(AwsSession aws, StackState state) {
        StackWatcher.Result result = deleteAndWatch(aws, state);
        if (!result.succeeded() && onlyTheCertificateWasStillInUse(result)) {
            console.info("The load balancer's certificate was still in use a moment ago (ACM lets go of it shortly"
                    + " after the listener is gone); deleting the stack again in " + CERTIFICATE_RELEASE.toSeconds() + " s.");
            pause(CERTIFICATE_RELEASE);
            result = deleteAndWatch(aws, state);
        }
        if (!result.succeeded()) {
            throw DeployerException.failed("the stack could not be deleted: " + result.rootCause() + "\nIt is now "
                    + result.finalStatus() + ". Fix or remove that resource by hand, then run ./remove.sh again"
                    + " (or delete the stack in the console, choosing to retain the resource that failed).");
        }
        console.info("Stack " + options.stackName + " is deleted.");
    }

    /**
     * ACM keeps a certificate "in use" for a little while after the listener that used it is deleted,
     * so the stack's deletion can fail on the certificate alone (aws-cdk issue 4179); a second
     * deletion then finishes.
     */
    static boolean onlyTheCertificateWasStillInUse(StackWatcher.Result result) {
        List<StackEvent> failed = result.events().stream()
                .filter(event -> event.resourceStatus() == ResourceStatus.DELETE_FAILED)
                .filter(event -> !event.logicalResourceId().equals(event.stackName()))
                .toList();
        return !failed.isEmpty() && failed.stream().allMatch(event -> CERTIFICATE.equals(event.logicalResourceId())
                && String.valueOf(event.resourceStatusReason()).toLowerCase(Locale.ROOT).contains("in use"));
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeployerException.failed("interrupted while waiting for the certificate to be released");
        }
    }

    private void report(RetainedData data, RetainedData.Kept kept, String region) {
        if (kept.itemCount() == 0 && kept.cluster() == null) {
            console.info("The stack held no data (no artifact bucket, database or secret): nothing was kept.");
            return;
        }
        console.info("Kept, on purpose, and recorded for ./deploy.sh --restore:");
        describe(data, kept, false).stream().map(line -> line.replace("; restorable for "
                + RetainedData.SECRET_RECOVERY_DAYS + " days", "")).forEach(line -> console.info("  " + line));
        if (kept.cluster() != null && kept.finalSnapshots().isEmpty()) {
            console.info("  no final snapshot of database " + kept.cluster() + " found yet; check aws rds"
                    + " describe-db-cluster-snapshots --db-cluster-identifier " + kept.cluster());
        }
        List<String> spared = spared(data, kept);
        if (!spared.isEmpty()) {
            console.info("Also there, taken before the removal (never deleted by remove.sh):");
            spared.forEach(line -> console.info("  " + line));
        }
        console.info("To bring the server back with every run, artifact and login:");
        console.info("  ./deploy.sh --stack-name " + options.stackName + " --restore --region " + region);
        console.info("To delete the kept data instead:");
        console.info("  ./remove.sh --stack-name " + options.stackName + " --delete-data --region " + region);
    }

    private void deleteKept(RetainedData data, RetainedData.Kept kept) {
        if (kept.bucket() != null) {
            if (!data.bucketExists(kept.bucket())) {
                console.info("Artifact bucket " + kept.bucket() + " is already gone.");
            } else {
                long deleted = data.deleteBucket(kept.bucket());
                console.info("Deleted artifact bucket " + kept.bucket() + " (" + deleted + " object versions and markers).");
            }
        }
        for (String snapshot : kept.finalSnapshots()) {
            console.info(data.deleteSnapshot(snapshot) ? "Deleted database snapshot " + snapshot + "."
                    : "Database snapshot " + snapshot + " is already gone.");
        }
        kept.secrets().forEach((resource, arn) -> console.info(data.deleteSecret(arn)
                ? "Deleted secret " + arn + " (" + RetainedData.SECRET_LABELS.get(resource) + "); aws secretsmanager"
                        + " restore-secret --secret-id " + arn + " undoes it within " + RetainedData.SECRET_RECOVERY_DAYS + " days."
                : "Secret " + arn + " is already gone."));
    }
}
