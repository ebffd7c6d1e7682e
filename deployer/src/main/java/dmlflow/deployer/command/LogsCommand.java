package dmlflow.deployer.command;

import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.stack.StackState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/** The tracking server's log: its CloudWatch log group (stack output LogGroup), from --since on, followed. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Print the tracking server's log (the stack's CloudWatch log group: every task's lines, the"
                + " schema migration's and the daily purge's) from --since on, and follow it until Ctrl-C.")
public final class LogsCommand extends BaseCommand {
    private static final Pattern AGE = Pattern.compile("(\\d{1,6})([smhdw])");
    /** How late a line may reach CloudWatch after a later one and still be printed. */
    private static final Duration LATE = Duration.ofSeconds(60);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Option(names = "--since", defaultValue = "10m", paramLabel = "AGE",
            description = "Start this long ago: 30s, 10m, 2h, 1d or 1w (default: ${DEFAULT-VALUE}).")
    String since;

    @Option(names = "--follow", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep printing new lines as they arrive (the default); --no-follow prints what is there and stops.")
    boolean follow;

    @Option(names = "--filter", paramLabel = "PATTERN",
            description = "Only lines matching a CloudWatch Logs filter pattern, for example '\"dmlflow gc\"' or ERROR.")
    String filter;

    @Override
    public Integer call() {
        Duration age = age(since);
        try (AwsSession aws = session()) {
            StackState state = existingStack(aws);
            String group = state.output("LogGroup").orElseThrow(() -> DeployerException.failed("stack "
                    + options.stackName + " has no LogGroup output (it is " + state.status() + "): ./deploy.sh status"
                    + " says why"));
            console.info("Log group " + group + ", from " + TIME.format(clock.instant().minus(age)) + " UTC"
                    + (follow ? " on (Ctrl-C stops following; the server goes on):" : ":"));
            print(aws.logs(), group, clock.instant().minus(age).toEpochMilli());
            return 0;
        }
    }

    /** "10m" as a duration; a usage error in the operator's words otherwise. */
    static Duration age(String text) {
        Matcher matcher = AGE.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            throw DeployerException.usage("--since '" + text + "' is not an age such as 30s, 10m, 2h, 1d or 1w");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofDays(7 * amount);
        };
    }

    /**
     * Pages through the events from {@code start} on; following, asks again every poll from a
     * minute before the newest time seen, printing only events not printed yet: the tasks' log
     * drivers send in batches, so a line can arrive after a later line of another task.
     */
    private void print(CloudWatchLogsClient logs, String group, long start) {
        long from = start;
        long newest = start;
        java.util.Map<String, Long> printed = new java.util.HashMap<>();
        while (true) {
            String token = null;
            do {
                FilterLogEventsResponse page = page(logs, group, from, token);
                for (FilteredLogEvent event : page.events()) {
                    if (printed.putIfAbsent(event.eventId(), event.timestamp()) == null) {
                        console.info(line(event));
                        newest = Math.max(newest, event.timestamp());
                    }
                }
                token = page.nextToken();
            } while (token != null);
            if (!follow) {
                return;
            }
            from = Math.max(start, newest - LATE.toMillis());
            long forgetBefore = from;
            printed.values().removeIf(time -> time < forgetBefore);
            try {
                Thread.sleep(options.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private FilterLogEventsResponse page(CloudWatchLogsClient logs, String group, long from, String token) {
        try {
            return logs.filterLogEvents(r -> r.logGroupName(group).startTime(from).nextToken(token)
                    .filterPattern(filter));
        } catch (ResourceNotFoundException gone) {
            throw DeployerException.failed("the log group " + group + " is gone (deleted outside the stack?): the"
                    + " next ./deploy.sh makes it again");
        }
    }

    /** "2026-12-03 15:04:05 3f9a1c2e  the line": the time in UTC, the task it came from, the line. */
    static String line(FilteredLogEvent event) {
        String stream = event.logStreamName() == null ? "" : event.logStreamName();
        String task = stream.substring(stream.lastIndexOf('/') + 1);
        task = task.length() > 8 ? task.substring(0, 8) : task;
        return TIME.format(Instant.ofEpochMilli(event.timestamp())) + " " + task + "  " + event.message().stripTrailing();
    }
}
