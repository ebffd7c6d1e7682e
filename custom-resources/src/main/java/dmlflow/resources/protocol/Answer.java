package dmlflow.resources.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The answer CloudFormation gets: SUCCESS with attributes, or FAILED with a reason. */
public record Answer(Status status, String reason, String physicalResourceId, Map<String, String> data) {
    /** CloudFormation refuses a longer response body ("Response object is too long"). */
    public static final int MAX_BODY_BYTES = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Status { SUCCESS, FAILED }

    public Answer {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(physicalResourceId, "physicalResourceId");
        data = data == null ? Map.of() : new TreeMap<>(data);
        if (status == Status.FAILED && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a FAILED answer needs a reason");
        }
    }

    public static Answer success(String physicalResourceId, Map<String, String> data) {
        return new Answer(Status.SUCCESS, null, physicalResourceId, data);
    }

    public static Answer failed(String physicalResourceId, String reason) {
        return new Answer(Status.FAILED, reason, physicalResourceId, Map.of());
    }

    /**
     * The response body, at most {@link #MAX_BODY_BYTES}: the reason is cut first (the ids never
     * are), and the data dropped only if the ids and data alone would not fit.
     */
    byte[] body(Envelope envelope, String logStream) {
        byte[] whole = render(envelope, reason, data);
        if (whole.length <= MAX_BODY_BYTES) {
            return whole;
        }
        String marker = " … [cut to fit CloudFormation's 4 KB limit; the whole text is in log stream "
                + logStream + "]";
        Map<String, String> attributes = render(envelope, marker, data).length <= MAX_BODY_BYTES ? data : Map.of();
        if (render(envelope, marker, attributes).length > MAX_BODY_BYTES) {
            throw new IllegalStateException("the answer's ids alone exceed " + MAX_BODY_BYTES + " bytes");
        }
        String text = reason == null ? "" : reason;
        int fits = 0;
        int tooLong = text.length() + 1;
        while (tooLong - fits > 1) {
            int mid = (fits + tooLong) >>> 1;
            if (render(envelope, text.substring(0, mid) + marker, attributes).length <= MAX_BODY_BYTES) {
                fits = mid;
            } else {
                tooLong = mid;
            }
        }
        if (fits > 0 && Character.isHighSurrogate(text.charAt(fits - 1))) {
            fits--;
        }
        return render(envelope, text.substring(0, fits) + marker, attributes);
    }

    private byte[] render(Envelope envelope, String reasonText, Map<String, String> attributes) {
        ObjectNode body = JSON.createObjectNode();
        body.put("Status", status.name());
        if (reasonText != null) {
            body.put("Reason", reasonText);
        }
        body.put("PhysicalResourceId", physicalResourceId);
        body.put("StackId", nullToEmpty(envelope.stackId()));
        body.put("RequestId", nullToEmpty(envelope.requestId()));
        body.put("LogicalResourceId", nullToEmpty(envelope.logicalResourceId()));
        body.put("NoEcho", false);
        ObjectNode dataNode = body.putObject("Data");
        attributes.forEach(dataNode::put);
        try {
            return JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the answer", e);
        }
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
