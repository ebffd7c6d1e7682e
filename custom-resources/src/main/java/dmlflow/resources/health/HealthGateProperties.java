package dmlflow.resources.health;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.protocol.Properties;
import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;

/** Custom::MlflowHealth properties, as the template writes them. */
record HealthGateProperties(String cluster, String service, String targetGroup, URI trackingUri, String trackingHost,
        String image, String taskDefinition, String containerName, String logGroup, String logStreamPrefix,
        int timeoutSeconds) {
    /** The properties the template sets (besides ServiceToken and ServiceTimeout). */
    static final List<String> NAMES = List.of("Cluster", "Service", "TargetGroup", "TrackingUri", "TrackingHost", "Image",
            "TaskDefinition", "ContainerName", "LogGroup", "LogStreamPrefix", "TimeoutSeconds");
    static final String TYPE = "Custom::MlflowHealth";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_./:#-]{1,512}");
    static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}");
    static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9_./:@-]{1,512}");

    static HealthGateProperties parse(JsonNode node) {
        Properties p = new Properties(node, TYPE);
        String uri = p.string("TrackingUri", Pattern.compile("https?://[A-Za-z0-9.:-]+/?"), "an http(s) URL of a host");
        return new HealthGateProperties(
                p.string("Cluster", NAME, "an ECS cluster name or ARN"),
                p.string("Service", NAME, "an ECS service name"),
                p.string("TargetGroup", NAME, "a target group ARN"),
                URI.create(uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri),
                p.string("TrackingHost", HOST, "the host name of the tracking URI"),
                p.string("Image", IMAGE, "a container image reference"),
                p.string("TaskDefinition", NAME, "a task definition ARN"),
                p.string("ContainerName", NAME, "a container name"),
                p.string("LogGroup", NAME, "a log group name"),
                p.string("LogStreamPrefix", NAME, "a log stream prefix"),
                p.integer("TimeoutSeconds", 1, 3600));
    }
}
