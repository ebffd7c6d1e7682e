package dmlflow.resources.testing;

import dmlflow.resources.aws.AwsClients;
import dmlflow.resources.ecs.TaskLogs;
import dmlflow.testing.MotoServer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;

/** A log group in moto_server where fake containers write what real ones would. */
public final class ContainerLogs {
    private final CloudWatchLogsClient logs;
    private final String group = "dmlflow-test-" + UUID.randomUUID();

    public ContainerLogs() {
        MotoServer.start();
        logs = AwsClients.logs();
        logs.createLogGroup(r -> r.logGroupName(group));
    }

    public String group() {
        return group;
    }

    public void write(String taskArn, List<String> lines) {
        String stream = TaskLogs.streamName("mlflow", "mlflow", taskArn);
        logs.createLogStream(r -> r.logGroupName(group).logStreamName(stream));
        long now = Instant.now().toEpochMilli();
        logs.putLogEvents(r -> r.logGroupName(group).logStreamName(stream).logEvents(lines.stream()
                .map(line -> InputLogEvent.builder().timestamp(now).message(line).build()).toList()));
    }
}
