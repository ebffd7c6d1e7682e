package dmlflow.resources.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;

/**
 * The parts of a custom-resource event needed to answer it, read leniently: an event that is
 * wrong in every other way still gets an answer as long as it says where to send it.
 */
record Envelope(URI responseUrl, String requestId, String stackId, String logicalResourceId,
        String physicalResourceId, JsonNode event) {

    static Envelope read(JsonNode event) {
        String url = text(event, "ResponseURL");
        if (url == null || url.isBlank()) {
            throw new InvalidRequestException("the event has no ResponseURL: there is nowhere to send an answer");
        }
        URI responseUrl;
        try {
            responseUrl = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("the event's ResponseURL is not a URL");
        }
        return new Envelope(responseUrl, text(event, "RequestId"), text(event, "StackId"),
                text(event, "LogicalResourceId"), text(event, "PhysicalResourceId"), event);
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
    }
}
