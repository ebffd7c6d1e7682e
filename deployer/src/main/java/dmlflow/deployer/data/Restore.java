package dmlflow.deployer.data;

import dmlflow.deployer.console.DeployerException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;

/**
 * Turns what a removed stack kept into the template parameters that bring it back: the final
 * snapshot, the artifact bucket and the secrets; checked one by one before anything is created.
 */
public final class Restore {
    private static final String AURORA_PREFIX = "8.0.mysql_aurora.";

    /** The parameters to add, and a line a person reads for each. */
    public record Plan(Map<String, String> parameters, List<String> lines) {
    }

    private Restore() {
    }

    public static Plan plan(RetainedData data, RetainedData.Kept kept, String source, Map<String, String> given,
            String engineVersion) {
        List<String> clashes = RetainedData.DATA_PARAMETERS.stream().filter(given::containsKey).toList();
        if (!clashes.isEmpty()) {
            throw DeployerException.usage("--restore sets " + String.join(", ", clashes) + " itself, from the record of"
                    + " stack " + source + ": leave them out, or leave out --restore and give every one yourself");
        }
        List<String> missing = new ArrayList<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();

        String snapshotId = kept.restoreFrom();
        if (snapshotId == null && kept.served()) {
            List<String> finals = data.finalSnapshots(source, kept.cluster());
            snapshotId = finals.isEmpty() ? null : finals.get(finals.size() - 1);
        }
        Optional<DBClusterSnapshot> snapshot = snapshotId == null ? Optional.empty() : data.snapshot(snapshotId);
        if (snapshot.isEmpty()) {
            missing.add(snapshotId == null ? "the final database snapshot of " + kept.cluster() + " (none was found"
                    + (kept.served() ? "" : "; the removed stack's creation had failed, so it never held data") + ")"
                    : "database snapshot " + snapshotId + " (gone)");
        } else if (!"available".equals(snapshot.get().status())) {
            missing.add("database snapshot " + snapshotId + " (it is " + snapshot.get().status() + "; wait until it is available)");
        } else {
            parameters.put(RetainedData.SNAPSHOT_PARAMETER, snapshotId);
            lines.add("database from snapshot " + snapshotId + (snapshot.get().snapshotCreateTime() == null ? ""
                    : ", taken " + snapshot.get().snapshotCreateTime()));
            newerEngine(snapshot.get(), given, engineVersion).ifPresent(version -> {
                parameters.put(RetainedData.ENGINE_PARAMETER, version);
                lines.add("Aurora MySQL " + version + ", the snapshot's version (a restore cannot go back to "
                        + engineVersion + ")");
            });
        }
        if (kept.bucket() == null || !data.bucketExists(kept.bucket())) {
            missing.add("artifact bucket " + (kept.bucket() == null ? "(none recorded)" : kept.bucket() + " (gone)"));
        } else {
            parameters.put(RetainedData.BUCKET_PARAMETER, kept.bucket());
            lines.add("artifacts in bucket " + kept.bucket());
        }
        RetainedData.SECRET_PARAMETERS.forEach((resource, parameter) -> {
            String arn = kept.secrets().get(resource);
            if (arn == null || !data.secretUsable(arn)) {
                missing.add("secret " + (arn == null ? "(none recorded)" : arn + " (gone or scheduled for deletion)")
                        + ": the " + RetainedData.SECRET_LABELS.get(resource));
            } else {
                parameters.put(parameter, arn);
                lines.add(RetainedData.SECRET_LABELS.get(resource) + " from " + arn);
            }
        });
        if (!missing.isEmpty()) {
            throw DeployerException.failed("cannot restore what stack " + source + " kept; missing:\n  "
                    + String.join("\n  ", missing) + "\nNothing was created. A secret scheduled for deletion comes back"
                    + " with aws secretsmanager restore-secret --secret-id ARN.");
        }
        return new Plan(parameters, lines);
    }

    /** The snapshot's Aurora version when it is newer than the one asked for: a restore cannot downgrade. */
    private static Optional<String> newerEngine(DBClusterSnapshot snapshot, Map<String, String> given, String asked) {
        String full = snapshot.engineVersion();
        if (full == null || !full.startsWith(AURORA_PREFIX)) {
            return Optional.empty();
        }
        String version = full.substring(AURORA_PREFIX.length());
        if (!version.matches("[0-9]+(\\.[0-9]+)*") || !asked.matches("[0-9]+(\\.[0-9]+)*") || compare(version, asked) <= 0) {
            return Optional.empty();
        }
        if (given.containsKey(RetainedData.ENGINE_PARAMETER)) {
            throw DeployerException.usage("the snapshot is Aurora MySQL " + version + "; a restore cannot go back to "
                    + RetainedData.ENGINE_PARAMETER + "=" + asked + ": give " + version + " or later, or leave it out");
        }
        return Optional.of(version);
    }

    public static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int left = i < x.length ? Integer.parseInt(x[i]) : 0;
            int right = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (left != right) {
                return Integer.compare(left, right);
            }
        }
        return 0;
    }
}
