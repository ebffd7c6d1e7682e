package dmlflow.resources.protocol;

import java.net.URI;
import java.time.Instant;

/** Delivers an answer to CloudFormation's presigned ResponseURL. */
public interface AnswerSender {
    /**
     * @return true once CloudFormation (S3) accepted the body; false when every attempt before
     *     {@code deadline} failed
     */
    boolean send(URI responseUrl, byte[] body, Instant deadline, LogSink log);
}
