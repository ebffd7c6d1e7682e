package dmlflow.resources.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

/** Event fixtures from src/test/resources/events, pointed at a test's answer server. */
public final class Events {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Events() {
    }

    public static ObjectNode load(String name, URI responseUrl) {
        try (InputStream in = Events.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no event fixture " + name);
            }
            ObjectNode event = (ObjectNode) JSON.readTree(in);
            event.put("ResponseURL", responseUrl.toString());
            return event;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode load(String name, URI responseUrl, Consumer<ObjectNode> change) {
        ObjectNode event = load(name, responseUrl);
        change.accept(event);
        return event;
    }

    /**
     * Turns an event into an Update of the resource with this physical id, its old properties a
     * copy of the current ones (returned, for a test to make them differ).
     */
    public static ObjectNode asUpdate(ObjectNode event, String physicalId) {
        event.put("RequestType", "Update");
        event.put("PhysicalResourceId", physicalId);
        ObjectNode old = properties(event).deepCopy();
        event.set("OldResourceProperties", old);
        return old;
    }

    public static ObjectNode properties(ObjectNode event) {
        return (ObjectNode) event.get("ResourceProperties");
    }

    /** Invokes a handler the way the Lambda runtime does: a JSON stream in, a stream out. */
    public static void invoke(RequestStreamHandler handler, String event, FakeContext context) throws IOException {
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), context);
    }

    public static void invoke(RequestStreamHandler handler, ObjectNode event, FakeContext context) throws IOException {
        invoke(handler, event.toString(), context);
    }
}
