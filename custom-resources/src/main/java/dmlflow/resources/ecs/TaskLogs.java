package dmlflow.resources.ecs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/** The last lines a container wrote, from its awslogs stream (PREFIX/CONTAINER/TASK_ID). */
public final class TaskLogs {
    static final int MAX_LINE = 300;
    private static final int FIRST_LINES = 50;

    private final Supplier<CloudWatchLogsClient> logs;
    private final String logGroup;
    private final String streamPrefix;

    public TaskLogs(Supplier<CloudWatchLogsClient> logs, String logGroup, String streamPrefix) {
        this.logs = logs;
        this.logGroup = logGroup;
        this.streamPrefix = streamPrefix;
    }

    public static String streamName(String prefix, String container, String taskArn) {
        return prefix + "/" + container + "/" + taskId(taskArn);
    }

    public static String taskId(String taskArn) {
        return taskArn.substring(taskArn.lastIndexOf('/') + 1);
    }

    /** Up to {@code count} last lines, oldest first; a note instead when there are none to read. */
    public List<String> tail(String container, String taskArn, int count) {
        String stream = streamName(streamPrefix, container, taskArn);
        try {
            List<OutputLogEvent> events = logs.get().getLogEvents(r -> r.logGroupName(logGroup)
                    .logStreamName(stream).startFromHead(false).limit(count)).events();
            List<String> lines = new ArrayList<>();
            for (OutputLogEvent event : events) {
                String line = event.message().stripTrailing();
                lines.add(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line);
            }
            return lines;
        } catch (ResourceNotFoundException e) {
            return List.of("(no log stream " + logGroup + "/" + stream + ": the container wrote nothing)");
        } catch (RuntimeException e) {
            return List.of("(cannot read " + logGroup + "/" + stream + ": " + e.getMessage() + ")");
        }
    }

    /** The first group of the first of the container's first lines that {@code line} matches. */
    public Optional<String> first(String container, String taskArn, Pattern line) {
        String stream = streamName(streamPrefix, container, taskArn);
        try {
            return logs.get().getLogEvents(r -> r.logGroupName(logGroup).logStreamName(stream).startFromHead(true)
                    .limit(FIRST_LINES)).events().stream()
                    .map(e -> line.matcher(e.message().strip())).filter(Matcher::matches).map(m -> m.group(1))
                    .findFirst();
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        }
    }

    public String location(String container, String taskArn) {
        return logGroup + "/" + streamName(streamPrefix, container, taskArn);
    }
}
