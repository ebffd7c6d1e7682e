package dmlflow.deployer.command;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dmlflow.deployer.Main;
import dmlflow.deployer.aws.AwsSession;
import dmlflow.deployer.testing.TestConsole;
import dmlflow.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers no emulator gives, from a stub that speaks the CloudFormation and STS query protocol:
 * a rollback caused by a custom resource, throttling, expired credentials, a busy stack, a stack
 * left in ROLLBACK_COMPLETE.
 */
class CloudFormationErrorPathsTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static final String CFN = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private static final String STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/mlflow/11111111-2222-3333-4444-555555555555";

    @TempDir
    Path dir;
    private WireMockServer aws;
    private Path jar;

    @BeforeEach
    void start() throws Exception {
        aws = new WireMockServer(options().dynamicPort());
        aws.start();
        MotoServer.pointAwsAt(aws.baseUrl());
        jar = Files.writeString(dir.resolve("custom-resources.jar"), "jar");
        aws.stubFor(action("GetCallerIdentity").willReturn(xml(200, "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                + "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId>"
                + "<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId>"
                + "</ResponseMetadata></GetCallerIdentityResponse>")));
    }

    @AfterEach
    void stop() {
        aws.stop();
    }

    private static MappingBuilder action(String action) {
        return post(urlEqualTo("/")).withRequestBody(containing("Action=" + action + "&"));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder xml(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(body);
    }

    private static String error(String namespace, String code, String message) {
        return "<ErrorResponse xmlns=\"" + namespace + "\"><Error><Type>Sender</Type><Code>" + code + "</Code><Message>"
                + message + "</Message></Error><RequestId>1</RequestId></ErrorResponse>";
    }

    private static String stack(String name, String status, String outputs) {
        return "<DescribeStacksResponse xmlns=\"" + CFN + "\"><DescribeStacksResult><Stacks><member>"
                + "<StackName>" + name + "</StackName><StackId>" + STACK_ID.replace("/mlflow/", "/" + name + "/") + "</StackId>"
                + "<StackStatus>" + status + "</StackStatus><CreationTime>2026-11-26T06:00:00Z</CreationTime>"
                + "<Outputs>" + outputs + "</Outputs></member></Stacks></DescribeStacksResult>"
                + "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>";
    }

    private static String event(String id, String logicalId, String type, String status, String reason, String time) {
        return "<member><StackId>" + STACK_ID + "</StackId><EventId>" + id + "</EventId><StackName>mlflow</StackName>"
                + "<LogicalResourceId>" + logicalId + "</LogicalResourceId><ResourceType>" + type + "</ResourceType>"
                + "<PhysicalResourceId>" + (type.equals("AWS::CloudFormation::Stack") ? STACK_ID : logicalId + "-1")
                + "</PhysicalResourceId>"
                + "<Timestamp>" + time + "</Timestamp><ResourceStatus>" + status + "</ResourceStatus>"
                + (reason == null ? "" : "<ResourceStatusReason>" + reason + "</ResourceStatusReason>") + "</member>";
    }

    private static String events(String members) {
        return events(members, null);
    }

    private static String events(String members, String nextToken) {
        return "<DescribeStackEventsResponse xmlns=\"" + CFN + "\"><DescribeStackEventsResult><StackEvents>" + members
                + "</StackEvents>" + (nextToken == null ? "" : "<NextToken>" + nextToken + "</NextToken>")
                + "</DescribeStackEventsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
                + "</DescribeStackEventsResponse>";
    }

    private static final String NO_STACK = error(CFN, "ValidationError", "Stack with id mlflow does not exist");

    private int deploy(TestConsole console, String... extra) {
        String[] base = {"deploy", "--poll-seconds", "0.05",
            "--template", ROOT.resolve("deployer/src/test/resources/test-stack.yaml").toString(),
            "--bootstrap-template", ROOT.resolve("templates/bootstrap.yaml").toString(), "--jar", jar.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Main.run(args, console.console, AwsSession::new);
    }

    private void bootstrapExists() {
        aws.stubFor(action("DescribeStacks").withRequestBody(containing("StackName=dmlflow-bootstrap"))
                .willReturn(xml(200, stack("dmlflow-bootstrap", "CREATE_COMPLETE",
                        "<member><OutputKey>AssetsBucketName</OutputKey><OutputValue>assets-bucket</OutputValue></member>"))));
        // Every upload is already there (HEAD 200): the plan starts at once.
        aws.stubFor(any(anyUrl()).atPriority(10).withHeader("Authorization", containing("/s3/")).willReturn(aResponse().withStatus(200)));
    }

    @Test
    void expiredCredentialsStopTheDeployBeforeItTouchesAnything() {
        aws.stubFor(action("GetCallerIdentity").willReturn(xml(403, error("https://sts.amazonaws.com/doc/2011-06-15/",
                "ExpiredToken", "The security token included in the request is expired"))));
        TestConsole console = new TestConsole();

        assertThat(deploy(console, "--yes")).isEqualTo(1);

        assertThat(console.err()).contains("the AWS credentials are expired or invalid (STS GetCallerIdentity: ExpiredToken)", "aws sso login");
        aws.verify(0, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=DescribeStacks")));
    }

    @Test
    void aBusyStackIsRefusedWithWhatToDo() {
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?"))
                .willReturn(xml(200, stack("mlflow", "UPDATE_IN_PROGRESS", ""))));
        TestConsole console = new TestConsole();

        assertThat(deploy(console, "--yes")).isEqualTo(1);

        assertThat(console.err()).contains("stack mlflow is UPDATE_IN_PROGRESS: wait for it to finish");
        aws.verify(0, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=CreateChangeSet")));
    }

    @Test
    void aStackStuckInRollbackCompleteIsDeletedOnlyWhenTheOperatorSaysSo() {
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?"))
                .willReturn(xml(200, stack("mlflow", "ROLLBACK_COMPLETE", ""))));
        TestConsole console = new TestConsole();

        assertThat(deploy(console)).isEqualTo(1);

        assertThat(console.err()).contains("ROLLBACK_COMPLETE (its first creation failed) and can only be deleted",
                "pass --yes to delete and recreate it");
        aws.verify(0, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=DeleteStack")));
    }

    @Test
    void aStackStuckInRollbackCompleteIsDeletedAndRecreatedWithYes() {
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?")).inScenario("stuck")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(xml(200, stack("mlflow", "ROLLBACK_COMPLETE", ""))));
        aws.stubFor(action("DeleteStack").inScenario("stuck").willSetStateTo("deleted")
                .willReturn(xml(200, "<DeleteStackResponse xmlns=\"" + CFN + "\"><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DeleteStackResponse>")));
        aws.stubFor(action("DescribeStacks").withRequestBody(containing("StackName=arn")).inScenario("stuck")
                .whenScenarioStateIs("deleted").willReturn(xml(200, stack("mlflow", "DELETE_COMPLETE", ""))));
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?")).inScenario("stuck")
                .whenScenarioStateIs("deleted").willReturn(xml(400, NO_STACK)));
        aws.stubFor(action("DescribeStackEvents").willReturn(xml(200, events(""))));
        bootstrapExists();
        aws.stubFor(action("CreateChangeSet").willReturn(xml(400, error(CFN, "ValidationError", "Template format error: stop here"))));
        TestConsole console = new TestConsole();

        assertThat(deploy(console, "--yes")).isEqualTo(1);

        aws.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=DeleteStack")));
        aws.verify(1, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=CreateChangeSet"))
                .withRequestBody(containing("ChangeSetType=CREATE")));
        assertThat(console.err()).contains("Template format error: stop here");
    }

    /**
     * DescribeStackEvents pages newest first (CloudFormation API Reference); an operation starts
     * with the stack's own CREATE_/UPDATE_/DELETE_IN_PROGRESS event. An earlier failure is old news.
     */
    @Test
    void statusNamesTheRootCauseOfTheLatestOperationOnlyAcrossPages() {
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?"))
                .willReturn(xml(200, stack("mlflow", "UPDATE_ROLLBACK_COMPLETE", ""))));
        aws.stubFor(action("DescribeStackEvents").withRequestBody(notContaining("NextToken")).willReturn(xml(200, events(
                event("e11", "mlflow", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", null, "2026-11-26T08:30:00Z")
                + event("e10", "mlflow", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS",
                        "The following resource(s) failed to update: [SchemaMigration]", "2026-11-26T08:20:00Z")
                + event("e9", "TrackingServiceService", "AWS::ECS::Service", "UPDATE_FAILED", "Resource update cancelled",
                        "2026-11-26T08:19:59Z"), "page-2"))));
        aws.stubFor(action("DescribeStackEvents").withRequestBody(containing("NextToken=page-2")).willReturn(xml(200, events(
                event("e8", "SchemaMigration", "Custom::MlflowSchema", "UPDATE_FAILED",
                        "schema migration failed (image ghcr.io/mlflow/mlflow:v3.18.0-full): exit code 1", "2026-11-26T08:19:58Z")
                + event("e7", "mlflow", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated", "2026-11-26T08:00:00Z")
                + event("e3", "HealthGate", "Custom::MlflowHealth", "UPDATE_FAILED", "an older failure", "2026-11-26T06:20:03Z")
                + event("e1", "mlflow", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated", "2026-11-26T06:00:00Z")))));
        TestConsole console = new TestConsole();

        assertThat(Main.run(new String[] {"status"}, console.console, AwsSession::new)).isEqualTo(1);

        assertThat(console.out()).contains("Last failure: SchemaMigration (Custom::MlflowSchema) UPDATE_FAILED: schema"
                + " migration failed").doesNotContain("an older failure");
    }

    /** CreateChangeSet answers; DescribeChangeSet says it is ready with this one resource change. */
    private void changeSetWith(String resourceChange) {
        aws.stubFor(action("CreateChangeSet").willReturn(xml(200, "<CreateChangeSetResponse xmlns=\"" + CFN + "\"><CreateChangeSetResult>"
                + "<Id>arn:aws:cloudformation:eu-west-1:123456789012:changeSet/dmlflow-1/abc</Id><StackId>" + STACK_ID + "</StackId>"
                + "</CreateChangeSetResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></CreateChangeSetResponse>")));
        aws.stubFor(action("DescribeChangeSet").willReturn(xml(200, "<DescribeChangeSetResponse xmlns=\"" + CFN + "\"><DescribeChangeSetResult>"
                + "<ChangeSetId>arn:aws:cloudformation:eu-west-1:123456789012:changeSet/dmlflow-1/abc</ChangeSetId>"
                + "<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type>"
                + resourceChange + "</member></Changes></DescribeChangeSetResult><ResponseMetadata><RequestId>1</RequestId>"
                + "</ResponseMetadata></DescribeChangeSetResponse>")));
    }

    /** An update whose change set replaces the database cluster (as a changed SnapshotIdentifier would). */
    private void anUpdateThatReplacesTheDatabase() {
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?"))
                .willReturn(xml(200, stack("mlflow", "UPDATE_COMPLETE", ""))));
        bootstrapExists();
        aws.stubFor(action("DescribeStackEvents").willReturn(xml(200, events(""))));
        changeSetWith("<ResourceChange><Action>Modify</Action><LogicalResourceId>DatabaseCluster</LogicalResourceId>"
                + "<ResourceType>AWS::RDS::DBCluster</ResourceType><Replacement>True</Replacement></ResourceChange>");
        aws.stubFor(action("DeleteChangeSet").willReturn(xml(200, "<DeleteChangeSetResponse xmlns=\"" + CFN + "\">"
                + "<DeleteChangeSetResult/><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DeleteChangeSetResponse>")));
    }

    @Test
    void replacingTheDatabaseNeedsMoreThanYesOffATerminal() {
        anUpdateThatReplacesTheDatabase();
        TestConsole console = new TestConsole();

        assertThat(deploy(console, "--yes")).isEqualTo(1);

        assertThat(console.out()).contains("WARNING: this change removes or replaces what holds data:",
                "DatabaseCluster (AWS::RDS::DBCluster): replaced");
        assertThat(console.err()).contains("pass --confirm-data-changes to go ahead");
        aws.verify(0, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=ExecuteChangeSet&")));
    }

    @Test
    void onATerminalOnlyTheWordsReplaceDataGoAhead() {
        anUpdateThatReplacesTheDatabase();
        TestConsole console = new TestConsole(true, "yes\n");

        assertThat(deploy(console)).isEqualTo(1);

        assertThat(console.out()).contains("Type 'replace data' to go ahead:");
        aws.verify(0, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=ExecuteChangeSet&")));
    }

    @Test
    void aRollbackIsExplainedByItsRootCauseNotTheCascade() {
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?")).inScenario("deploy")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(xml(400, NO_STACK)));
        aws.stubFor(action("DescribeStacks").withRequestBody(matching(".*StackName=mlflow(&.*)?")).inScenario("deploy")
                .whenScenarioStateIs("executed").willReturn(xml(200, stack("mlflow", "ROLLBACK_COMPLETE", ""))));
        aws.stubFor(action("DescribeStackEvents").inScenario("deploy").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(xml(200, events(""))));
        String reason = "the tracking server does not start: 2 tasks of mlflow-mlflow:1 stopped in failure. Latest: task"
                + " 0a1b stopped: Essential container in task exited; container mlflow exit code 1; last log lines:"
                + " MlflowException: Detected out-of-date database schema";
        aws.stubFor(action("DescribeStackEvents").inScenario("deploy").whenScenarioStateIs("executed")
                .willReturn(xml(200, events(
                        event("e6", "mlflow", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", null, "2026-11-26T06:20:06Z")
                        + event("e5", "mlflow", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS",
                                "The following resource(s) failed to create: [TrackingServiceService, HealthGate]", "2026-11-26T06:20:05Z")
                        + event("e4", "TrackingServiceService", "AWS::ECS::Service", "CREATE_FAILED", "Resource creation cancelled", "2026-11-26T06:20:04Z")
                        + event("e3", "HealthGate", "Custom::MlflowHealth", "CREATE_FAILED", reason, "2026-11-26T06:20:03Z")
                        + event("e2", "HealthGate", "Custom::MlflowHealth", "CREATE_IN_PROGRESS", null, "2026-11-26T06:15:00Z")
                        + event("e1", "mlflow", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated", "2026-11-26T06:00:00Z")))));
        bootstrapExists();
        changeSetWith("<ResourceChange><Action>Add</Action><LogicalResourceId>HealthGate</LogicalResourceId>"
                + "<ResourceType>Custom::MlflowHealth</ResourceType></ResourceChange>");
        aws.stubFor(action("ExecuteChangeSet").inScenario("deploy").willSetStateTo("executed")
                .willReturn(xml(200, "<ExecuteChangeSetResponse xmlns=\"" + CFN + "\"><ExecuteChangeSetResult/><ResponseMetadata>"
                        + "<RequestId>1</RequestId></ResponseMetadata></ExecuteChangeSetResponse>")));
        TestConsole console = new TestConsole();

        assertThat(deploy(console, "--yes")).isEqualTo(1);

        String failure = console.err();
        assertThat(failure).contains("deployment failed: HealthGate (Custom::MlflowHealth) CREATE_FAILED: the tracking server does not start",
                "Detected out-of-date database schema", "The stack is now ROLLBACK_COMPLETE",
                "run ./deploy.sh again: it offers to delete the failed stack first");
        assertThat(failure.lines().filter(l -> l.startsWith("Error:")).findFirst().orElseThrow())
                .doesNotContain("Resource creation cancelled", "TrackingServiceService");
        assertThat(console.out()).contains("Resource creation cancelled");
    }

    @Test
    void throttlingIsRetriedRatherThanReported() {
        aws.stubFor(action("DescribeStacks").inScenario("throttled").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("calm").willReturn(xml(400, error(CFN, "Throttling", "Rate exceeded"))));
        aws.stubFor(action("DescribeStacks").inScenario("throttled").whenScenarioStateIs("calm")
                .willReturn(xml(200, stack("mlflow", "UPDATE_COMPLETE",
                        "<member><OutputKey>TrackingUri</OutputKey><OutputValue>https://mlflow.example.com</OutputValue></member>"))));
        TestConsole console = new TestConsole();

        assertThat(Main.run(new String[] {"status"}, console.console, AwsSession::new)).as(console.all()).isZero();

        assertThat(console.out()).contains("Stack mlflow: UPDATE_COMPLETE", "Tracking URI: https://mlflow.example.com");
        aws.verify(2, postRequestedFor(urlEqualTo("/")).withRequestBody(containing("Action=DescribeStacks")));
    }
}
