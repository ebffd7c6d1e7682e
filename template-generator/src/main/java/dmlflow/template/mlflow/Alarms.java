package dmlflow.template.mlflow;

import dmlflow.template.cdk.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.CfnAlarm;
import software.amazon.awscdk.services.cloudwatch.CfnDashboard;
import software.amazon.awscdk.services.events.CfnRule;
import software.amazon.awscdk.services.kms.CfnKey;
import software.amazon.awscdk.services.sns.CfnSubscription;
import software.amazon.awscdk.services.sns.CfnTopic;
import software.amazon.awscdk.services.sns.CfnTopicPolicy;

/**
 * What wakes someone when the server breaks (AlarmEmail given; nothing at all without it): an
 * encrypted SNS topic with the user's email subscription, alarms on the signals an operator
 * watches, a rule for tasks that cannot start, and a dashboard of the same signals. Every alarm's
 * description says what to do.
 *
 * <p>The topic's key is our own: CloudWatch and EventBridge cannot publish to a topic encrypted
 * with the AWS-managed aws/sns key, whose policy cannot be changed (SNS developer guide, "Enable
 * compatibility between event sources from AWS services and encrypted topics").
 */
final class Alarms extends Construct {
    /** Percent of requests answered 5xx (by the load balancer or the server) that raises the alarm. */
    static final int SERVER_ERROR_PERCENT = 5;
    /** Fewer requests than this in 5 minutes are too few to judge a rate by. */
    static final int MIN_REQUESTS = 20;
    static final int DATABASE_CAPACITY_PERCENT = 95;

    record Props(String email, LoadBalancer loadBalancer, TrackingService service, Database database,
            Number minTaskCount, CfnCondition condition, CfnCondition purgeCondition) {
        Props {
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(loadBalancer, "loadBalancer");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(minTaskCount, "minTaskCount");
            Objects.requireNonNull(condition, "condition");
            Objects.requireNonNull(purgeCondition, "purgeCondition");
        }
    }

    private final Props props;
    private final CfnTopic topic;
    private final List<CfnResource> made = new ArrayList<>();
    private final List<CfnAlarm> alarms = new ArrayList<>();

    Alarms(Construct scope, String id, Props props) {
        super(scope, id);
        this.props = props;
        CfnKey key = made(CfnKey.Builder.create(this, "Key")
                .description("dmlflow alarms: encrypts the alarm topic")
                .enableKeyRotation(true)
                .pendingWindowInDays(7)
                .keyPolicy(keyPolicy())
                .build());
        topic = made(CfnTopic.Builder.create(this, "Topic")
                .displayName("dmlflow alarms")
                .kmsMasterKeyId(key.getAttrArn())
                .build());
        made(CfnSubscription.Builder.create(this, "Email")
                .topicArn(topic.getRef()).protocol("email").endpoint(props.email()).build());

        LoadBalancer lb = props.loadBalancer();
        String albName = lb.albConstruct().getLoadBalancerFullName();
        String targetGroupName = lb.targetGroup().getTargetGroupFullName();
        alarm(CfnAlarm.Builder.create(this, "ServerErrors")
                .alarmDescription("More than " + SERVER_ERROR_PERCENT + "% of requests got a 5xx answer for 10 minutes."
                        + " Read the tracking server's log (stack output LogGroup) for tracebacks; 502/503 from the load"
                        + " balancer mean no healthy task answered (see the TooFewHealthyTasks alarm).")
                .metrics(List.of(
                        mathQuery("rate", "IF(requests >= " + MIN_REQUESTS + ", 100 * (FILL(balancer, 0) + FILL(server, 0))"
                                + " / requests, 0)", "5xx answers, % of requests"),
                        albQuery("balancer", "HTTPCode_ELB_5XX_Count", albName),
                        albQuery("server", "HTTPCode_Target_5XX_Count", albName),
                        albQuery("requests", "RequestCount", albName)))
                .evaluationPeriods(2)
                .threshold(SERVER_ERROR_PERCENT)
                .comparisonOperator("GreaterThanThreshold")
                .treatMissingData("notBreaching"));
        alarm(CfnAlarm.Builder.create(this, "UnhealthyTargets")
                .alarmDescription("A task has failed the load balancer's health check (/health) for 3 minutes. Read the"
                        + " ECS service's events and the task's log: the server is stuck or out of memory (raise"
                        + " TaskMemory), or the database is unreachable.")
                .namespace("AWS/ApplicationELB").metricName("UnHealthyHostCount")
                .dimensions(targetDimensions(albName, targetGroupName))
                .statistic("Maximum").period(60).evaluationPeriods(3)
                .threshold(1).comparisonOperator("GreaterThanOrEqualToThreshold")
                .treatMissingData("notBreaching"));
        alarm(CfnAlarm.Builder.create(this, "TooFewHealthyTasks")
                .alarmDescription("Fewer healthy tasks than MinTaskCount behind the load balancer for 3 minutes (none"
                        + " at all: the server is down). Read the ECS service's events: tasks that stop at start"
                        + " (see the task's stopped reason and log), a Spot interruption without capacity, or an"
                        + " image that cannot be pulled.")
                .namespace("AWS/ApplicationELB").metricName("HealthyHostCount")
                .dimensions(targetDimensions(albName, targetGroupName))
                .statistic("Minimum").period(60).evaluationPeriods(3)
                .threshold(props.minTaskCount())
                .comparisonOperator("LessThanThreshold")
                .treatMissingData("breaching"));
        alarm(CfnAlarm.Builder.create(this, "DatabaseAtMaxCapacity")
                .alarmDescription("Aurora has run at " + DATABASE_CAPACITY_PERCENT + "% or more of DatabaseMaxCapacity for"
                        + " 15 minutes: queries slow down. Raise DatabaseMaxCapacity (./deploy.sh -p"
                        + " DatabaseMaxCapacity=N), or find the heavy queries in Performance Insights.")
                .namespace("AWS/RDS").metricName("ACUUtilization")
                .dimensions(List.of(dimension("DBClusterIdentifier", props.database().clusterIdentifier())))
                .statistic("Maximum").period(300).evaluationPeriods(3)
                .threshold(DATABASE_CAPACITY_PERCENT).comparisonOperator("GreaterThanOrEqualToThreshold")
                // A paused database sends no data: that is not a problem.
                .treatMissingData("notBreaching"));
        // ECS says when a service cannot start tasks consistently (ECS service action events,
        // SERVICE_TASK_START_IMPAIRED): tasks stopping in a loop, whatever the reason.
        CfnRule tasksFailToStart = made(CfnRule.Builder.create(this, "TasksFailToStart")
                .description("dmlflow: the tracking server's tasks keep failing to start")
                .eventPattern(Json.object(
                        "source", List.of("aws.ecs"),
                        "detail-type", List.of("ECS Service Action"),
                        "resources", List.of(props.service().serviceArn()),
                        "detail", Json.object("eventName", List.of("SERVICE_TASK_START_IMPAIRED"))))
                .targets(List.of(CfnRule.TargetProperty.builder()
                        .id("AlarmTopic")
                        .arn(topic.getRef())
                        .inputTransformer(CfnRule.InputTransformerProperty.builder()
                                .inputPathsMap(new TreeMap<>(Map.of("region", "$.region", "time", "$.time")))
                                .inputTemplate("\"dmlflow: ECS cannot start the tracking server's tasks consistently"
                                        + " (at <time> in <region>): they stop soon after starting. Look at the stopped"
                                        + " tasks' reasons in the ECS console and the container log (stack output"
                                        + " LogGroup); ./deploy.sh status shows the last error.\"")
                                .build())
                        .build()))
                .build());
        // The daily purge's task (DeletedDataPurge) stopped other than by finishing well: its container
        // exited non-zero (gc failed, or was killed for memory), or it never ran (image, secrets,
        // network). ECS task state change events carry the group the schedule starts it in.
        CfnRule purgeFailed = CfnRule.Builder.create(this, "PurgeFailed")
                .description("dmlflow: the daily purge of deleted runs failed")
                .eventPattern(Json.object(
                        "source", List.of("aws.ecs"),
                        "detail-type", List.of("ECS Task State Change"),
                        "detail", Json.object(
                                "clusterArn", List.of(props.service().clusterArn()),
                                "group", List.of(DeletedDataPurge.TASK_GROUP),
                                "lastStatus", List.of("STOPPED"),
                                "$or", List.of(
                                        Json.object("stopCode", List.of(Json.object("anything-but", "EssentialContainerExited"))),
                                        Json.object("containers", Json.object("exitCode",
                                                List.of(Json.object("anything-but", 0))))))))
                .targets(List.of(CfnRule.TargetProperty.builder()
                        .id("AlarmTopic")
                        .arn(topic.getRef())
                        .inputTransformer(CfnRule.InputTransformerProperty.builder()
                                .inputPathsMap(new TreeMap<>(Map.of("time", "$.time", "reason", "$.detail.stoppedReason")))
                                .inputTemplate("\"dmlflow: the daily purge of deleted runs failed at <time> (<reason>). What it"
                                        + " purged before the error stays purged, the rest waits for the next day. Its lines"
                                        + " start with 'dmlflow gc:' in the server's log: ./deploy.sh logs --since 1d"
                                        + " --filter 'dmlflow gc'.\"")
                                .build())
                        .build()))
                .build();
        purgeFailed.getCfnOptions().setCondition(props.purgeCondition());
        made(CfnTopicPolicy.Builder.create(this, "TopicPolicy")
                .topics(List.of(topic.getRef()))
                .policyDocument(topicPolicy(List.of(tasksFailToStart.getAttrArn(), Fn.conditionIf(
                        props.purgeCondition().getLogicalId(), purgeFailed.getAttrArn(), Aws.NO_VALUE).toString())))
                .build());

        made(CfnDashboard.Builder.create(this, "Dashboard")
                .dashboardName(Fn.join("-", List.of(Aws.STACK_NAME, "mlflow")))
                .dashboardBody(Stack.of(this).toJsonString(dashboard(albName, targetGroupName)))
                .build());
        made.forEach(resource -> resource.getCfnOptions().setCondition(props.condition()));
    }

    /** The topic alarms publish to. */
    String topicArn() {
        return topic.getRef();
    }

    private <T extends CfnResource> T made(T resource) {
        made.add(resource);
        return resource;
    }

    private void alarm(CfnAlarm.Builder builder) {
        alarms.add(made(builder.alarmActions(List.of(topic.getRef())).okActions(List.of(topic.getRef())).build()));
    }

    /**
     * The account administers the key (as KMS's default policy does); CloudWatch and EventBridge
     * may use it to publish. EventBridge's KMS request carries no aws:SourceAccount, so only
     * CloudWatch's grant is conditioned on it (SNS developer guide, same section).
     */
    private Map<String, Object> keyPolicy() {
        Map<String, Object> account = Json.object("AWS", Fn.join("", List.of("arn:", Aws.PARTITION, ":iam::",
                Aws.ACCOUNT_ID, ":root")));
        return policy(
                Json.object("Sid", "AccountAdministersTheKey", "Effect", "Allow", "Principal", account,
                        "Action", "kms:*", "Resource", "*"),
                Json.object("Sid", "CloudWatchPublishesAlarms", "Effect", "Allow",
                        "Principal", Json.object("Service", "cloudwatch.amazonaws.com"),
                        "Action", List.of("kms:Decrypt", "kms:GenerateDataKey*"), "Resource", "*",
                        "Condition", Json.object("StringEquals", Json.object("aws:SourceAccount", Aws.ACCOUNT_ID))),
                Json.object("Sid", "EventBridgePublishesEvents", "Effect", "Allow",
                        "Principal", Json.object("Service", "events.amazonaws.com"),
                        "Action", List.of("kms:Decrypt", "kms:GenerateDataKey*"), "Resource", "*"));
    }

    /** Only this stack's alarms and rules publish; nobody without TLS does anything. */
    private Map<String, Object> topicPolicy(List<String> ruleArns) {
        String topicArn = topic.getRef();
        return policy(
                Json.object("Sid", "AlarmsPublish", "Effect", "Allow",
                        "Principal", Json.object("Service", "cloudwatch.amazonaws.com"),
                        "Action", "sns:Publish", "Resource", topicArn,
                        "Condition", Json.object("StringEquals", Json.object("aws:SourceAccount", Aws.ACCOUNT_ID))),
                Json.object("Sid", "TaskRulesPublish", "Effect", "Allow",
                        "Principal", Json.object("Service", "events.amazonaws.com"),
                        "Action", "sns:Publish", "Resource", topicArn,
                        "Condition", Json.object("ArnEquals", Json.object("aws:SourceArn", ruleArns))),
                Json.object("Sid", "TlsOnly", "Effect", "Deny", "Principal", "*", "Action", "sns:*", "Resource", topicArn,
                        "Condition", Json.object("Bool", Json.object("aws:SecureTransport", "false"))));
    }

    @SafeVarargs
    private static Map<String, Object> policy(Map<String, Object>... statements) {
        return Json.object("Version", "2012-10-17", "Statement", List.of(statements));
    }

    private static CfnAlarm.MetricDataQueryProperty mathQuery(String id, String expression, String label) {
        return CfnAlarm.MetricDataQueryProperty.builder().id(id).expression(expression).label(label).returnData(true).build();
    }

    private static CfnAlarm.MetricDataQueryProperty albQuery(String id, String metric, String albName) {
        return CfnAlarm.MetricDataQueryProperty.builder().id(id).returnData(false)
                .metricStat(CfnAlarm.MetricStatProperty.builder()
                        .metric(CfnAlarm.MetricProperty.builder()
                                .namespace("AWS/ApplicationELB").metricName(metric)
                                .dimensions(List.of(dimension("LoadBalancer", albName)))
                                .build())
                        .period(300).stat("Sum").build())
                .build();
    }

    private static List<CfnAlarm.DimensionProperty> targetDimensions(String albName, String targetGroupName) {
        return List.of(dimension("LoadBalancer", albName), dimension("TargetGroup", targetGroupName));
    }

    private static CfnAlarm.DimensionProperty dimension(String name, String value) {
        return CfnAlarm.DimensionProperty.builder().name(name).value(value).build();
    }

    /** The alarms' signals, side by side, with the alarms' own states on top. */
    private Map<String, Object> dashboard(String albName, String targetGroupName) {
        List<String> alarmArns = alarms.stream().map(CfnAlarm::getAttrArn).toList();
        String service = props.service().serviceName();
        String cluster = props.service().clusterName();
        String database = props.database().clusterIdentifier();
        List<Object> widgets = List.of(
                widget(0, 0, 24, 3, "alarm", Json.object("title", "Alarms", "alarms", alarmArns)),
                metricWidget(0, 3, "Requests and 5xx answers (sum per 5 minutes)", List.of(
                        List.of("AWS/ApplicationELB", "RequestCount", "LoadBalancer", albName),
                        List.of("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", albName),
                        List.of("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", albName)), "Sum"),
                metricWidget(12, 3, "Healthy and unhealthy tasks", List.of(
                        List.of("AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", albName, "TargetGroup", targetGroupName),
                        List.of("AWS/ApplicationELB", "UnHealthyHostCount", "LoadBalancer", albName, "TargetGroup", targetGroupName)),
                        "Minimum"),
                metricWidget(0, 9, "Tracking server CPU and memory (% of the task's)", List.of(
                        List.of("AWS/ECS", "CPUUtilization", "ClusterName", cluster, "ServiceName", service),
                        List.of("AWS/ECS", "MemoryUtilization", "ClusterName", cluster, "ServiceName", service)), "Average"),
                metricWidget(12, 9, "Aurora capacity (ACUs, and % of DatabaseMaxCapacity)", List.of(
                        List.of("AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", database),
                        List.of("AWS/RDS", "ACUUtilization", "DBClusterIdentifier", database)), "Maximum"),
                metricWidget(0, 15, "Response time (seconds, p90)", List.of(
                        List.of("AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", albName)), "p90"));
        return Json.object("widgets", widgets);
    }

    private static Map<String, Object> metricWidget(int x, int y, String title, List<List<String>> metrics, String stat) {
        return widget(x, y, 12, 6, "metric", Json.object("title", title, "region", Aws.REGION, "stat", stat,
                "period", 300, "view", "timeSeries", "metrics", metrics));
    }

    private static Map<String, Object> widget(int x, int y, int width, int height, String type, Map<String, Object> properties) {
        return Json.object("type", type, "x", x, "y", y, "width", width, "height", height, "properties", properties);
    }
}
