package dmlflow.resources.protocol;

/** Where the handler's log lines go (the Lambda logger in AWS). */
@FunctionalInterface
public interface LogSink {
    void log(String line);
}
