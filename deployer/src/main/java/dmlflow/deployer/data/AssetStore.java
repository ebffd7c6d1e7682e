package dmlflow.deployer.data;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import dmlflow.deployer.stack.StackState;
import dmlflow.deployer.stack.StackTemplate;
import dmlflow.deployer.stack.StackWatcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The assets bucket of an account and region (made by the dmlflow-bootstrap stack on first use)
 * and the content-addressed uploads into it: the same bytes get the same key, so an unchanged
 * jar is not uploaded again and a changed one updates the functions.
 */
public final class AssetStore {
    public static final String BOOTSTRAP_STACK = "dmlflow-bootstrap";
    static final String BUCKET_OUTPUT = "AssetsBucketName";

    private final AwsSession aws;
    private final String bucket;

    private AssetStore(AwsSession aws, String bucket) {
        this.aws = aws;
        this.bucket = bucket;
    }

    public static AssetStore ensure(AwsSession aws, Path bootstrapTemplate, StackWatcher watcher, Console console) {
        StackState bootstrap = StackState.describe(aws.cloudFormation(), BOOTSTRAP_STACK);
        if (!bootstrap.exists()) {
            console.info("Creating the assets bucket (stack " + BOOTSTRAP_STACK + ", once per account and region)…");
            StackTemplate template = StackTemplate.load(bootstrapTemplate);
            aws.cloudFormation().createStack(r -> r.stackName(BOOTSTRAP_STACK)
                    .templateBody(new String(template.bytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .capabilities(Capability.CAPABILITY_IAM)
                    .tags(t -> t.key("dmlflow").value("bootstrap")));
            StackWatcher.Result result = watcher.watch(BOOTSTRAP_STACK, null, template.resourceCount(java.util.Map.of()));
            if (!result.succeeded()) {
                throw DeployerException.failed("the assets stack " + BOOTSTRAP_STACK + " ended " + result.finalStatus()
                        + ": " + result.rootCause() + ". Delete it (aws cloudformation delete-stack --stack-name "
                        + BOOTSTRAP_STACK + ") and run again.");
            }
            bootstrap = StackState.describe(aws.cloudFormation(), BOOTSTRAP_STACK);
        } else if (bootstrap.stack().stackStatus() == StackStatus.ROLLBACK_COMPLETE) {
            throw DeployerException.failed("the assets stack " + BOOTSTRAP_STACK + " is ROLLBACK_COMPLETE: delete it"
                    + " (aws cloudformation delete-stack --stack-name " + BOOTSTRAP_STACK + ") and run again");
        }
        String bucket = bootstrap.output(BUCKET_OUTPUT).orElseThrow(() -> DeployerException.failed(
                "the stack " + BOOTSTRAP_STACK + " has no output " + BUCKET_OUTPUT + ": is it dmlflow's?"));
        return new AssetStore(aws, bucket);
    }

    public String bucket() {
        return bucket;
    }

    /** Uploads the file under PREFIX/SHA256.EXT unless that key is there already; returns the key. */
    public String upload(Path file, String prefix, String extension, Console console) {
        String key = prefix + "/" + sha256(file) + "." + extension;
        S3Client s3 = aws.s3();
        if (exists(s3, key)) {
            console.info("  " + file.getFileName() + " already uploaded (s3://" + bucket + "/" + key + ")");
        } else {
            s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(file));
            console.info("  uploaded " + file.getFileName() + " to s3://" + bucket + "/" + key);
        }
        return key;
    }

    /** The https URL CloudFormation reads a template from (bodies over 51,200 bytes must come by URL). */
    public String url(String key) {
        Region region = aws.region();
        return "https://" + bucket + ".s3." + region.id() + ".amazonaws.com/" + key;
    }

    void put(String key, String content) {
        aws.s3().putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    void delete(String key) {
        aws.s3().deleteObject(r -> r.bucket(bucket).key(key));
    }

    String get(String key) {
        try {
            return aws.s3().getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    private boolean exists(S3Client s3, String key) {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw DeployerException.failed("cannot read " + file + ": " + Problems.of(e));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }
}
