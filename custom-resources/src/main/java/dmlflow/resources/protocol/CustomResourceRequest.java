package dmlflow.resources.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A custom-resource request with its properties parsed into the resource's own typed record.
 *
 * @param <P> the resource's properties
 */
public record CustomResourceRequest<P>(RequestType type, String requestId, String stackId, String logicalResourceId,
        String resourceType, String physicalResourceId, P properties, P oldProperties) {

    /** The stack's name, from its ARN (arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID). */
    public String stackName() {
        String[] parts = stackId.split("/");
        return parts.length >= 2 ? parts[1] : stackId;
    }

    static JsonNode propertiesOf(JsonNode event, String field) {
        JsonNode properties = event.get(field);
        if (properties == null || properties.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!properties.isObject()) {
            throw new InvalidRequestException(field + " must be an object");
        }
        return properties;
    }

    static String required(JsonNode event, String field) {
        String value = Envelope.text(event, field);
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException("the event has no " + field);
        }
        return value;
    }
}
