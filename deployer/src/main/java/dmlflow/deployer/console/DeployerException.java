package dmlflow.deployer.console;

/** A failure told to the operator as one sentence and what to do next; no stack trace. */
public final class DeployerException extends RuntimeException {
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public DeployerException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public static DeployerException usage(String message) {
        return new DeployerException(USAGE, message);
    }

    public static DeployerException failed(String message) {
        return new DeployerException(FAILED, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
