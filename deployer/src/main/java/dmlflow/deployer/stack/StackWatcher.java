package dmlflow.deployer.stack;

import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Interruption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;

/**
 * Follows a stack operation to its end: a live line of progress on a terminal (resources done
 * of total, elapsed time, what is in progress), one line per event elsewhere; and, when it
 * fails, the root cause: the first failure that is not a cancellation caused by another.
 */
public final class StackWatcher {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    /** Off a terminal, the longest silence while waiting: CI systems end jobs that print nothing. */
    /** Checked once a poll (5 s plus the call), so that no silence reaches a minute. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(45);
    private static final List<String> CASCADE = List.of("Resource creation cancelled", "Resource update cancelled",
            "Resource deletion cancelled", "Resource handler returned message: \"null\"");

    public record Result(String finalStatus, boolean succeeded, String rootCause, List<StackEvent> events) {
    }

    private final CloudFormationClient cloudFormation;
    private final Console console;
    private final Duration poll;
    private final Duration timeout;
    private final Clock clock;
    private int statusWidth = "CREATE_IN_PROGRESS".length();
    private int typeWidth;

    public StackWatcher(CloudFormationClient cloudFormation, Console console, Duration poll, Duration timeout, Clock clock) {
        this.cloudFormation = cloudFormation;
        this.console = console;
        this.poll = poll;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The newest event a stack has now (null for none): what a following operation adds comes after it. */
    public String newestEvent(String stack) {
        try {
            List<StackEvent> events = cloudFormation.describeStackEvents(r -> r.stackName(stack)).stackEvents();
            return events.isEmpty() ? null : events.get(0).eventId();
        } catch (CloudFormationException e) {
            return null;
        }
    }

    /**
     * @param stack the stack's name, or its id (which still answers once the stack is deleted)
     * @param before the newest event before this operation ({@link #newestEvent}), or null
     * @param total how many resources the operation touches, for the progress line
     */
    public Result watch(String stack, String before, int total) {
        Instant started = clock.instant();
        Set<String> seen = new HashSet<>();
        List<StackEvent> events = new ArrayList<>();
        Map<String, String> latest = new LinkedHashMap<>();
        Instant lastLine = started;
        try {
            while (true) {
                var described = cloudFormation.describeStacks(r -> r.stackName(stack)).stacks().get(0);
                for (StackEvent event : newEvents(stack, before, seen)) {
                    events.add(event);
                    if (!event.logicalResourceId().equals(described.stackName())) {
                        latest.put(event.logicalResourceId(), event.resourceStatusAsString());
                    }
                    boolean failed = event.resourceStatusAsString().endsWith("_FAILED");
                    if (failed) {
                        console.warn(line(event));
                    } else if (!console.terminal()) {
                        console.info(line(event));
                    }
                    lastLine = failed || !console.terminal() ? clock.instant() : lastLine;
                }
                String status = described.stackStatusAsString();
                Instant now = clock.instant();
                Interruption.goingOn("stack " + described.stackName() + " is " + status + goesOn(described.stackName()));
                Result result = resultOnceDone(described, events, latest, total, Duration.between(started, now));
                if (result != null) {
                    return result;
                }
                if (!console.terminal() && Duration.between(lastLine, now).compareTo(HEARTBEAT) >= 0) {
                    console.info(TIME.format(now) + "  still " + status + "  "
                            + progressLine(latest, total, Duration.between(started, now)));
                    lastLine = now;
                }
                sleep();
            }
        } finally {
            Interruption.settled();
        }
    }

    /** The operation's result once the stack has left _IN_PROGRESS; null while it goes on (live line drawn). */
    private Result resultOnceDone(Stack described, List<StackEvent> events, Map<String, String> latest, int total,
            Duration elapsed) {
        String status = described.stackStatusAsString();
        if (!status.endsWith("_IN_PROGRESS")) {
            console.clearProgress();
            boolean succeeded = status.equals("CREATE_COMPLETE") || status.equals("UPDATE_COMPLETE")
                    || status.equals("DELETE_COMPLETE") || status.equals("IMPORT_COMPLETE");
            return new Result(status, succeeded, succeeded ? null : rootCause(events, described.stackStatusReason()), events);
        }
        if (elapsed.compareTo(timeout) > 0) {
            throw DeployerException.failed("stack " + described.stackName() + " is still " + status + " after "
                    + timeout.toMinutes() + " minutes" + goesOn(described.stackName()));
        }
        console.progress(progressLine(latest, total, elapsed));
        return null;
    }

    /** What a person reads when this command stops following an operation that has not ended. */
    private static String goesOn(String stackName) {
        return " and CloudFormation goes on without this command; follow it with ./deploy.sh status --stack-name "
                + stackName;
    }

    private List<StackEvent> newEvents(String stack, String before, Set<String> seen) {
        return eventsBackTo(cloudFormation, stack, event -> event.eventId().equals(before) || !seen.add(event.eventId()), false);
    }

    /** The stack's own statuses that start an operation (AWS CloudFormation User Guide, "Stack status codes"). */
    private static final Set<String> OPERATION_STARTS = Set.of("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS",
            "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS");

    /**
     * The events of the stack's latest operation, oldest first: back to the stack's own event that
     * started it (a rollback belongs to the operation it undoes).
     */
    public static List<StackEvent> latestOperation(CloudFormationClient cloudFormation, String stack) {
        return eventsBackTo(cloudFormation, stack, event -> "AWS::CloudFormation::Stack".equals(event.resourceType())
                && event.physicalResourceId() != null && event.physicalResourceId().equals(event.stackId())
                && OPERATION_STARTS.contains(event.resourceStatusAsString()), true);
    }

    /**
     * Events oldest first, read page by page newest first (as DescribeStackEvents gives them) until
     * {@code last} matches one; that one is kept or not.
     */
    private static List<StackEvent> eventsBackTo(CloudFormationClient cloudFormation, String stack,
            Predicate<StackEvent> last, boolean keepLast) {
        List<StackEvent> events = new ArrayList<>();
        String token = null;
        page:
        do {
            String next = token;
            var page = cloudFormation.describeStackEvents(r -> r.stackName(stack).nextToken(next));
            for (StackEvent event : page.stackEvents()) {
                boolean stop = last.test(event);
                if (!stop || keepLast) {
                    events.add(event);
                }
                if (stop) {
                    break page;
                }
            }
            token = page.nextToken();
        } while (token != null);
        events.sort(Comparator.comparing(StackEvent::timestamp));
        return events;
    }

    public static String rootCause(List<StackEvent> events, String stackReason) {
        List<StackEvent> ordered = events.stream().sorted(Comparator.comparing(StackEvent::timestamp)).toList();
        for (StackEvent event : ordered) {
            String reason = event.resourceStatusReason() == null ? "" : event.resourceStatusReason();
            if (event.resourceStatusAsString().endsWith("_FAILED")
                    && !"AWS::CloudFormation::Stack".equals(event.resourceType())
                    && CASCADE.stream().noneMatch(reason::contains)) {
                return event.logicalResourceId() + " (" + event.resourceType() + ") " + event.resourceStatusAsString()
                        + ": " + (reason.isBlank() ? "no reason given" : reason);
            }
        }
        return ordered.stream().filter(e -> e.resourceStatusAsString().endsWith("_FAILED") && e.resourceStatusReason() != null)
                .map(e -> e.logicalResourceId() + ": " + e.resourceStatusReason()).findFirst()
                .orElse(stackReason == null ? "CloudFormation gave no reason" : stackReason);
    }

    /**
     * One event as a line. The columns are as wide as the widest status and type seen so far
     * (they only grow), so long names line up with short ones and push nothing out of line.
     */
    private String line(StackEvent event) {
        String reason = event.resourceStatusReason() == null ? "" : "  " + event.resourceStatusReason();
        statusWidth = Math.max(statusWidth, event.resourceStatusAsString().length());
        typeWidth = Math.max(typeWidth, event.resourceType().length());
        return TIME.format(event.timestamp()) + "  " + pad(event.resourceStatusAsString(), statusWidth) + "  "
                + pad(event.resourceType(), typeWidth) + "  " + event.logicalResourceId() + reason;
    }

    private static String progressLine(Map<String, String> latest, int total, Duration elapsed) {
        long done = latest.values().stream().filter(s -> s.endsWith("_COMPLETE") && !s.contains("ROLLBACK")).count();
        List<String> working = latest.entrySet().stream().filter(e -> e.getValue().endsWith("_IN_PROGRESS"))
                .map(Map.Entry::getKey).toList();
        String doing = working.isEmpty() ? "waiting for CloudFormation"
                : "in progress: " + working.stream().limit(3).collect(Collectors.joining(", "))
                        + (working.size() > 3 ? " and " + (working.size() - 3) + " more" : "");
        return String.format("[%d/%d] %02d:%02d  %s", Math.min(done, Math.max(total, done)), Math.max(total, done),
                elapsed.toMinutes(), elapsed.toSecondsPart(), doing);
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private void sleep() {
        try {
            Thread.sleep(poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeployerException.failed("interrupted while watching the stack; it goes on in CloudFormation");
        }
    }
}
