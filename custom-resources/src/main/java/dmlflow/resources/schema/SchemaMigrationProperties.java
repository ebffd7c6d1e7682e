package dmlflow.resources.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dmlflow.resources.protocol.Properties;
import java.util.List;
import java.util.regex.Pattern;

/** Custom::MlflowSchema properties, as the template writes them. */
record SchemaMigrationProperties(String cluster, String service, String taskDefinition, String containerName,
        List<String> subnets, List<String> securityGroups, String logGroup, String logStreamPrefix, String image,
        String databaseCluster, int keepSnapshots) {
    /** The properties the template sets (besides ServiceToken and ServiceTimeout). */
    static final List<String> NAMES = List.of("Cluster", "Service", "TaskDefinition", "ContainerName", "Subnets",
            "SecurityGroups", "LogGroup", "LogStreamPrefix", "Image", "DatabaseCluster", "KeepSnapshots");
    /** Pre-upgrade snapshots kept when a stack from before KeepSnapshots (a rollback's old properties) says nothing. */
    static final int KEEP_SNAPSHOTS_BEFORE = 3;
    static final String TYPE = "Custom::MlflowSchema";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_./:#-]{1,512}");

    static SchemaMigrationProperties parse(JsonNode node) {
        Properties p = new Properties(node, TYPE);
        return new SchemaMigrationProperties(
                p.string("Cluster", NAME, "an ECS cluster name or ARN"),
                p.string("Service", NAME, "an ECS service name"),
                p.string("TaskDefinition", NAME, "a task definition ARN"),
                p.string("ContainerName", NAME, "a container name"),
                p.strings("Subnets", Pattern.compile("subnet-[0-9a-f]+"), "subnet ids"),
                p.strings("SecurityGroups", Pattern.compile("sg-[0-9a-f]+"), "security group ids"),
                p.string("LogGroup", NAME, "a log group name"),
                p.string("LogStreamPrefix", NAME, "a log stream prefix"),
                p.string("Image"),
                p.string("DatabaseCluster", Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,62}"), "an Aurora cluster identifier"),
                node.has("KeepSnapshots") ? p.integer("KeepSnapshots", 1, 100) : KEEP_SNAPSHOTS_BEFORE);
    }
}
