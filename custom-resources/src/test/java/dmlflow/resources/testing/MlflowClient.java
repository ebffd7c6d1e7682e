package dmlflow.resources.testing;

import dmlflow.testing.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A user's side of a real tracking server: the Python client (tests' python/tracking_client.py)
 * logging and reading runs with a basic-auth login, and the artifact bucket in moto's S3 as the
 * server's own boto3 reaches it.
 */
public final class MlflowClient {
    private final Path dir;
    private final MotoServer moto;

    public MlflowClient(Path dir, MotoServer moto) {
        this.dir = dir;
        this.moto = moto;
    }

    /** What the server's boto3 needs to reach moto's S3. */
    public Map<String, String> s3Environment() {
        return Map.of("MLFLOW_S3_ENDPOINT_URL", moto.url(), "AWS_ACCESS_KEY_ID", "testing",
                "AWS_SECRET_ACCESS_KEY", "testing", "AWS_DEFAULT_REGION", "us-east-1");
    }

    public void createBucket(String bucket) {
        TrackingContainer.python(script("s3_objects.py"), s3Environment(), "create", bucket);
    }

    /** A bucket with versioning on, as the template makes the artifact bucket. */
    public void createVersionedBucket(String bucket) {
        TrackingContainer.python(script("s3_objects.py"), s3Environment(), "create-versioned", bucket);
    }

    /** Every object version and delete marker, as "version KEY" and "delete-marker KEY" lines. */
    public List<String> versions(String bucket) {
        return List.of(TrackingContainer.python(script("s3_objects.py"), s3Environment(), "versions", bucket).split("\n"));
    }

    public List<String> keys(String bucket) {
        return List.of(TrackingContainer.python(script("s3_objects.py"), s3Environment(), "list", bucket).split("\n"));
    }

    /** An object's ETag as S3 reports it (a multipart upload's ends in -PARTS). */
    public String etag(String bucket, String key) {
        return TrackingContainer.python(script("s3_objects.py"), s3Environment(), "etag", bucket, key);
    }

    /** Runs the client as a user; its last output line. */
    public String run(URI base, String username, String password, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = base.toString();
        System.arraycopy(args, 0, all, 1, args.length);
        String output = TrackingContainer.python(script("tracking_client.py"),
                Map.of("MLFLOW_TRACKING_USERNAME", username, "MLFLOW_TRACKING_PASSWORD", password), all);
        // MLflow's client prints its own lines (a link to the run) before the script's last one.
        return output.substring(output.lastIndexOf('\n') + 1);
    }

    public Path script(String name) {
        return script(dir, name);
    }

    /** One of the test's Python scripts (src/test/resources/python), copied into dir. */
    public static Path script(Path dir, String name) {
        Path target = dir.resolve(name);
        try {
            if (!Files.exists(target)) {
                try (InputStream in = MlflowClient.class.getResourceAsStream("/python/" + name)) {
                    Files.copy(in, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
