package dmlflow.resources.ecs;

import java.util.List;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskStopCode;

/** What a stopped task says about itself, in one paragraph: why, with what exit code, and its last words. */
public final class StoppedTask {
    static final int LOG_LINES = 12;

    private StoppedTask() {
    }

    public static Container container(Task task, String name) {
        return task.containers().stream().filter(c -> name.equals(c.name())).findFirst().orElse(null);
    }

    /** The container exited 0: the only clean end for a one-off task. */
    public static boolean succeeded(Task task, String containerName) {
        Container container = container(task, containerName);
        return container != null && container.exitCode() != null && container.exitCode() == 0;
    }

    /** Stopped because it failed (not because a deployment or scale-in replaced it). */
    public static boolean failed(Task task, String containerName) {
        if (task.stopCode() == TaskStopCode.TASK_FAILED_TO_START || task.stopCode() == TaskStopCode.ESSENTIAL_CONTAINER_EXITED) {
            return true;
        }
        String reason = task.stoppedReason() == null ? "" : task.stoppedReason();
        if (reason.contains("health checks")) {
            return true;
        }
        Container container = container(task, containerName);
        return container != null && container.exitCode() != null && container.exitCode() != 0;
    }

    public static String describe(Task task, String containerName, TaskLogs logs) {
        StringBuilder text = new StringBuilder("task ").append(TaskLogs.taskId(task.taskArn())).append(" stopped");
        if (task.stoppedReason() != null) {
            text.append(": ").append(task.stoppedReason());
        }
        Container container = container(task, containerName);
        if (container != null) {
            if (container.exitCode() != null) {
                text.append("; container ").append(containerName).append(" exit code ").append(container.exitCode());
            }
            if (container.reason() != null && !container.reason().isBlank()) {
                text.append(" (").append(container.reason()).append(")");
            }
        }
        List<String> lines = logs.tail(containerName, task.taskArn(), LOG_LINES);
        if (!lines.isEmpty()) {
            text.append("; last log lines (").append(logs.location(containerName, task.taskArn())).append("):\n")
                    .append(String.join("\n", lines));
        }
        return text.toString();
    }
}
