package dmlflow.deployer.stack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dmlflow.deployer.Main;
import dmlflow.deployer.console.Console;
import dmlflow.deployer.console.Interruption;
import dmlflow.deployer.testing.TestConsole;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/**
 * Waiting on a long stack operation as a CI job and as a person: off a terminal a line at least
 * every minute even when CloudFormation reports nothing new; on Ctrl-C one line saying the stack
 * goes on and how to follow it, and exit 130. A stub stands in for CloudFormation, since no
 * emulator holds a stack in progress on demand.
 */
class StackWatcherTest {
    private static final String CFN = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private static final String STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/mlflow/1111";

    @TempDir
    Path dir;
    private WireMockServer aws;

    @BeforeEach
    void start() {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        aws.stubFor(action("DescribeStackEvents").willReturn(xml("<DescribeStackEventsResponse xmlns=\"" + CFN + "\">"
                + "<DescribeStackEventsResult><StackEvents></StackEvents></DescribeStackEventsResult>"
                + "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStackEventsResponse>")));
    }

    @AfterEach
    void stop() {
        aws.stop();
    }

    @Test
    void offATerminalALongSilenceStillGetsALineAtLeastEveryMinute() {
        inProgressFor(12);
        TestConsole piped = new TestConsole();

        StackWatcher.Result result = watcher(piped.console).watch("mlflow", null, 40);

        assertThat(result.succeeded()).isTrue();
        List<LocalTime> beats = piped.out().lines().filter(line -> line.contains("still UPDATE_IN_PROGRESS"))
                .map(line -> LocalTime.parse(line.substring(0, 8))).toList();
        assertThat(beats).as(piped.out()).hasSizeGreaterThanOrEqualTo(2);
        for (int i = 1; i < beats.size(); i++) {
            assertThat(Duration.between(beats.get(i - 1), beats.get(i))).isBetween(StackWatcher.HEARTBEAT,
                    Duration.ofSeconds(60));
        }
        assertThat(piped.out()).contains("[0/40]");
    }

    @Test
    void onATerminalTheLiveLineIsEnough() {
        inProgressFor(12);
        TestConsole terminal = new TestConsole(true, "");

        watcher(terminal.console).watch("mlflow", null, 40);

        assertThat(terminal.out()).doesNotContain("still UPDATE_IN_PROGRESS");
    }

    /** The real signal path: a JVM watching a stack that stays in progress gets SIGINT. */
    @Test
    @Timeout(60)
    void ctrlCSaysTheStackGoesOnAndHowToFollowItAndExits130() throws Exception {
        aws.stubFor(action("DescribeStacks").willReturn(xml(stack("UPDATE_IN_PROGRESS"))));
        Process watching = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), WatchForever.class.getName(), aws.baseUrl())
                .redirectError(dir.resolve("stderr").toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(watching.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("watching");
            while (aws.findAll(postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=DescribeStacks&"))).size() < 2) {
                Thread.sleep(100);
            }
            new ProcessBuilder("kill", "-INT", String.valueOf(watching.pid())).start().waitFor();
            assertThat(watching.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(watching.exitValue()).isEqualTo(130);
        assertThat(Files.readString(dir.resolve("stderr")).strip()).isEqualTo("Interrupted: stack mlflow is UPDATE_IN_PROGRESS"
                + " and CloudFormation goes on without this command; follow it with ./deploy.sh status --stack-name mlflow");
    }

    /** The watching JVM of the Ctrl-C test, wired as Main wires a command. */
    static final class WatchForever {
        public static void main(String[] args) {
            Console console = Console.system();
            Interruption.install(console);
            System.out.println("watching");
            System.out.flush();
            new StackWatcher(client(args[0]), console, Duration.ofMillis(100), Duration.ofHours(1), Clock.systemUTC())
                    .watch("mlflow", null, 40);
        }
    }

    private StackWatcher watcher(Console console) {
        return new StackWatcher(client(aws.baseUrl()), console, Duration.ZERO, Duration.ofHours(2), new SteppingClock());
    }

    private static CloudFormationClient client(String endpoint) {
        return CloudFormationClient.builder().endpointOverride(URI.create(endpoint)).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build();
    }

    /** The stack stays UPDATE_IN_PROGRESS for that many descriptions, then is UPDATE_COMPLETE. */
    private void inProgressFor(int descriptions) {
        String state = Scenario.STARTED;
        for (int i = 0; i < descriptions; i++) {
            String next = "described-" + (i + 1);
            aws.stubFor(action("DescribeStacks").inScenario("stack").whenScenarioStateIs(state)
                    .willReturn(xml(stack("UPDATE_IN_PROGRESS"))).willSetStateTo(next));
            state = next;
        }
        aws.stubFor(action("DescribeStacks").inScenario("stack").whenScenarioStateIs(state)
                .willReturn(xml(stack("UPDATE_COMPLETE"))));
    }

    private static MappingBuilder action(String action) {
        return post(urlEqualTo("/")).withRequestBody(containing("Action=" + action + "&"));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(body);
    }

    private static String stack(String status) {
        return "<DescribeStacksResponse xmlns=\"" + CFN + "\"><DescribeStacksResult><Stacks><member>"
                + "<StackName>mlflow</StackName><StackId>" + STACK_ID + "</StackId><StackStatus>" + status
                + "</StackStatus><CreationTime>2026-11-26T06:00:00Z</CreationTime></member></Stacks>"
                + "</DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>";
    }

    /** Twenty-five seconds pass each time the watcher looks at the time: an hour-long wait in a blink. */
    private static final class SteppingClock extends Clock {
        private Instant now = Instant.parse("2026-12-03T10:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public synchronized Instant instant() {
            now = now.plusSeconds(25);
            return now;
        }
    }
}
