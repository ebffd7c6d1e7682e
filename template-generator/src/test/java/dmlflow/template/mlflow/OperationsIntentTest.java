package dmlflow.template.mlflow;

import dmlflow.template.Templates;
import static dmlflow.template.Templates.mlflow;
import static dmlflow.template.Templates.ofType;
import static dmlflow.template.Templates.references;
import static dmlflow.template.Templates.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What running it in production adds to the template: HTTPS on the user's own name when a Route 53
 * zone is given, and alarms that reach a person when an email is given; without those parameters
 * none of it exists. (Which resources a set of parameters makes, and the refusal of a zone with a
 * certificate or without a name, are checked with the deployer's evaluator: ParameterValidationTest
 * and CostEstimateTest.)
 */
class OperationsIntentTest {
    private static final Set<String> ALERTING_TYPES = Set.of("AWS::SNS::Topic", "AWS::SNS::Subscription",
            "AWS::SNS::TopicPolicy", "AWS::KMS::Key", "AWS::Events::Rule", "AWS::CloudWatch::Dashboard");

    @Nested
    class HttpsOnYourName {
        @Test
        void aGivenZoneGetsACertificateValidatedInItAndAnAliasToTheLoadBalancer() {
            assertThat(condition("ManagesDomain").toString()).contains("HostedZoneId");
            JsonNode certificate = resource("LoadBalancerCertificate");
            assertThat(certificate.path("Condition").asText()).isEqualTo("ManagesDomain");
            assertThat(certificate.path("Properties").path("ValidationMethod").asText()).isEqualTo("DNS");
            assertThat(references(certificate.path("Properties").path("DomainName"))).containsExactly("DomainName");
            JsonNode validation = certificate.path("Properties").path("DomainValidationOptions").get(0);
            assertThat(references(validation.path("HostedZoneId"))).containsExactly("HostedZoneId");

            JsonNode alias = resource("LoadBalancerAliasRecord");
            assertThat(alias.path("Condition").asText()).isEqualTo("ManagesDomain");
            assertThat(alias.path("Properties").path("Type").asText()).isEqualTo("A");
            assertThat(references(alias.path("Properties").path("Name"))).containsExactly("DomainName");
            assertThat(references(alias.path("Properties").path("HostedZoneId"))).containsExactly("HostedZoneId");
            assertThat(alias.path("Properties").path("AliasTarget").path("DNSName").path("Fn::GetAtt").toString())
                    .isEqualTo("[\"LoadBalancerAlb\",\"DNSName\"]");
            assertThat(alias.path("Properties").path("AliasTarget").path("HostedZoneId").path("Fn::GetAtt").toString())
                    .isEqualTo("[\"LoadBalancerAlb\",\"CanonicalHostedZoneID\"]");
        }

        @Test
        void httpsServesWithTheGivenCertificateOrTheOneTheStackMade() {
            assertThat(condition("HasCertificate").toString()).contains("CertificateArn", "HostedZoneId");
            JsonNode arn = resource("LoadBalancerHttps").path("Properties").path("Certificates").get(0).path("CertificateArn");
            assertThat(arn.path("Fn::If").get(0).asText()).isEqualTo("HasCertificateArn");
            assertThat(references(arn.path("Fn::If").get(1))).containsExactly("CertificateArn");
            assertThat(references(arn.path("Fn::If").get(2))).containsExactly("LoadBalancerCertificate");
        }

        @Test
        void theGateProbesTheUriUsersWillUseOnceItsRecordAndListenerExist() {
            JsonNode gate = resource("HealthGate");
            JsonNode uri = gate.path("Properties").path("TrackingUri").path("Fn::If");
            assertThat(uri.get(0).asText()).isEqualTo("ManagesDomain");
            assertThat(uri.get(1).toString()).contains("https://").contains("DomainName");
            assertThat(references(uri.get(2))).containsExactly("LoadBalancerAlb");
            // Both are conditional: DependsOn cannot name them, a reference in Metadata can.
            JsonNode waits = gate.path("Metadata").path("dmlflow:probesTheDomainAfter").path("Fn::If");
            assertThat(waits.get(0).asText()).isEqualTo("ManagesDomain");
            assertThat(references(waits.get(1))).containsExactlyInAnyOrder("LoadBalancerAliasRecord", "LoadBalancerHttps");
            // It reaches https://DomainName from the private subnets, through the NAT's address.
            List<String> httpsSources = new ArrayList<>();
            for (JsonNode rule : resource("LoadBalancerSecurityGroup").path("Properties").path("SecurityGroupIngress")) {
                if (rule.path("FromPort").asInt() == 443) {
                    httpsSources.addAll(references(rule.path("CidrIp")));
                }
            }
            assertThat(httpsSources).contains("AllowedCidr", "NetworkNatAddress", "NetworkNatInstanceAddress");
        }

        @Test
        void theTrackingUriIsHttpsOnTheDomainWhenTheStackManagesIt() {
            JsonNode uri = mlflow().path("Outputs").path("TrackingUri").path("Value").path("Fn::Join").get(1);
            assertThat(uri.get(0).path("Fn::If").get(0).asText()).as("the scheme").isEqualTo("HasCertificate");
            assertThat(uri.get(2).path("Fn::If").get(0).asText()).as("the host").isEqualTo("HasDomainName");
            assertThat(references(uri.get(2).path("Fn::If").get(1))).containsExactly("DomainName");
        }
    }

    @Nested
    class Alerting {
        @Test
        void withoutAnEmailNothingOfItIsMade() {
            for (String type : ALERTING_TYPES) {
                assertThat(ofType(type)).as(type).isNotEmpty().allSatisfy(entry ->
                        assertThat(entry.getValue().path("Condition").asText()).as(entry.getKey())
                                .isIn("HasAlarmEmail", "AlarmsOnPurge"));
            }
            assertThat(condition("HasAlarmEmail").toString()).contains("AlarmEmail");
            assertThat(ofType("AWS::CloudWatch::Alarm")).allSatisfy(entry -> assertThat(entry.getValue().path("Condition")
                    .asText()).as(entry.getKey()).isIn("HasAlarmEmail", "NatInstance"));
            assertThat(condition("AlarmsOnPurge").toString()).contains("HasAlarmEmail");
        }

        @Test
        void everyAlarmTellsThePersonItWakesAndSaysWhatToDo() {
            List<Map.Entry<String, JsonNode>> alarms = ofType("AWS::CloudWatch::Alarm").stream()
                    .filter(entry -> "HasAlarmEmail".equals(entry.getValue().path("Condition").asText())).toList();
            assertThat(alarms).extracting(Map.Entry::getKey).containsExactlyInAnyOrder("AlarmsServerErrors",
                    "AlarmsUnhealthyTargets", "AlarmsTooFewHealthyTasks", "AlarmsDatabaseAtMaxCapacity");
            for (Map.Entry<String, JsonNode> alarm : alarms) {
                JsonNode properties = alarm.getValue().path("Properties");
                assertThat(references(properties.path("AlarmActions"))).as(alarm.getKey()).containsExactly("AlarmsTopic");
                assertThat(references(properties.path("OKActions"))).as(alarm.getKey()).containsExactly("AlarmsTopic");
                assertThat(properties.path("AlarmDescription").asText()).as(alarm.getKey()).hasSizeGreaterThan(100)
                        .containsAnyOf("Read", "Raise", "Look");
            }
        }

        @Test
        void theNatInstancesRecoveryAlarmsActFirstAndTellThePersonWhenThereIsATopic() {
            for (String id : List.of("NetworkNatInstanceRecover", "NetworkNatInstanceReboot")) {
                JsonNode actions = resource(id).path("Properties").path("AlarmActions");
                assertThat(actions.get(0).toString()).as(id).contains(":automate:");
                assertThat(actions.get(1).path("Fn::If").get(0).asText()).as(id).isEqualTo("HasAlarmEmail");
                assertThat(references(actions.get(1))).as(id).contains("AlarmsTopic");
            }
        }

        @Test
        void tooFewHealthyTasksMeansFewerThanMinTaskCountAndNoDataCountsAsNone() {
            JsonNode properties = resource("AlarmsTooFewHealthyTasks").path("Properties");
            assertThat(properties.path("MetricName").asText()).isEqualTo("HealthyHostCount");
            assertThat(references(properties.path("Threshold"))).containsExactly("MinTaskCount");
            assertThat(properties.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
            assertThat(properties.path("TreatMissingData").asText()).isEqualTo("breaching");
            assertThat(resource("AlarmsDatabaseAtMaxCapacity").path("Properties").path("TreatMissingData").asText())
                    .as("a paused database sends nothing").isEqualTo("notBreaching");
        }

        @Test
        void theTopicIsEncryptedWithAKeyCloudWatchAndEventBridgeMayPublishWith() {
            JsonNode topic = resource("AlarmsTopic").path("Properties");
            assertThat(topic.path("KmsMasterKeyId").path("Fn::GetAtt").get(0).asText()).isEqualTo("AlarmsKey");
            JsonNode key = resource("AlarmsKey").path("Properties");
            assertThat(key.path("EnableKeyRotation").asBoolean()).isTrue();
            String policy = key.path("KeyPolicy").toString();
            assertThat(policy).contains("cloudwatch.amazonaws.com", "events.amazonaws.com", "kms:GenerateDataKey*");
            assertThat(resource("AlarmsEmail").path("Properties").path("Protocol").asText()).isEqualTo("email");
            assertThat(references(resource("AlarmsEmail").path("Properties").path("Endpoint"))).containsExactly("AlarmEmail");
        }

        @Test
        void onlyOurAlarmsAndRulePublishAndOnlyOverTls() {
            JsonNode statements = resource("AlarmsTopicPolicy").path("Properties").path("PolicyDocument").path("Statement");
            boolean tlsOnly = false;
            for (JsonNode statement : statements) {
                if ("Deny".equals(statement.path("Effect").asText())) {
                    tlsOnly = statement.path("Condition").toString().contains("\"aws:SecureTransport\":\"false\"");
                } else {
                    assertThat(statement.path("Condition").isObject()).as(statement.path("Sid").asText()).isTrue();
                }
                if (statement.path("Principal").toString().contains("events.amazonaws.com")) {
                    JsonNode rules = statement.path("Condition").path("ArnEquals").path("aws:SourceArn");
                    assertThat(rules.get(0).path("Fn::GetAtt").get(0).asText()).isEqualTo("AlarmsTasksFailToStart");
                    assertThat(rules.get(1).path("Fn::If").get(0).asText()).as("the purge's rule, when it exists")
                            .isEqualTo("AlarmsOnPurge");
                    assertThat(references(rules.get(1).path("Fn::If").get(1))).containsExactly("AlarmsPurgeFailed");
                    assertThat(rules).hasSize(2);
                }
            }
            assertThat(tlsOnly).isTrue();
        }

        @Test
        void tasksThatKeepFailingToStartReachThePersonToo() {
            JsonNode rule = resource("AlarmsTasksFailToStart").path("Properties");
            assertThat(rule.path("EventPattern").toString()).contains("SERVICE_TASK_START_IMPAIRED", "ECS Service Action");
            assertThat(rule.path("EventPattern").path("resources").toString()).as("our service's ARN").contains(":service/", "TrackingCluster");
            assertThat(references(rule.path("Targets").get(0).path("Arn"))).containsExactly("AlarmsTopic");
        }

        @Test
        void theDashboardShowsWhatTheAlarmsWatch() {
            String body = resource("AlarmsDashboard").path("Properties").path("DashboardBody").toString();
            assertThat(body).contains("HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount",
                    "HealthyHostCount", "UnHealthyHostCount", "ACUUtilization", "CPUUtilization", "MemoryUtilization");
            assertThat(references(resource("AlarmsDashboard").path("Properties").path("DashboardBody")))
                    .contains("AlarmsServerErrors", "AlarmsUnhealthyTargets", "AlarmsTooFewHealthyTasks",
                            "AlarmsDatabaseAtMaxCapacity");
        }
    }

    /**
     * The daily purge (PurgeDeletedAfterDays). Its four lifecycle paths: created with the stack or
     * when the setting leaves 0 (the Condition); on an update the schedule follows the task
     * definition's new revision and the setting's new value (its Input, not the task definition,
     * so no server restarts); a rollback puts the old values back the same way; removed before the
     * task definition, cluster and role it names, since it references them, and with the stack or
     * when the setting becomes 0. What it purges and keeps: PurgeAgainstRealMlflowTest.
     */
    @Nested
    class DailyPurge {
        @Test
        void theScheduleRunsTheServersOwnTaskInGcModeWithTheSettingAsItsOverride() throws Exception {
            JsonNode schedule = resource("PurgeSchedule");
            assertThat(schedule.path("Condition").asText()).isEqualTo("PurgesDeleted");
            assertThat(condition("PurgesDeleted").toString()).contains("PurgeDeletedAfterDays", "\"0\"");
            JsonNode target = schedule.path("Properties").path("Target");
            assertThat(references(target.path("Arn"))).containsExactly("TrackingCluster");
            JsonNode ecs = target.path("EcsParameters");
            assertThat(references(ecs.path("TaskDefinitionArn"))).containsExactly("TrackingTask");
            JsonNode service = resource("TrackingServiceService").path("Properties").path("NetworkConfiguration")
                    .path("AwsvpcConfiguration");
            JsonNode network = ecs.path("NetworkConfiguration").path("AwsvpcConfiguration");
            assertThat(network.path("Subnets")).as("the service's subnets: the database and S3 are reachable from them")
                    .isEqualTo(service.path("Subnets"));
            assertThat(references(network.path("SecurityGroups"))).containsExactly("TrackingSecurityGroup");
            assertThat(network.path("AssignPublicIp").asText()).isEqualTo("DISABLED");

            JsonNode input = target.path("Input").path("Fn::Sub");
            assertThat(references(input.get(1))).containsExactly("PurgeDeletedAfterDays");
            JsonNode override = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    input.get(0).asText().replace("${Days}", "30"));
            String container = resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0)
                    .path("Name").asText();
            JsonNode overridden = override.path("containerOverrides").get(0);
            assertThat(overridden.path("name").asText()).as("the task's container").isEqualTo(container);
            assertThat(overridden.path("environment").toString())
                    .contains("{\"name\":\"DMLFLOW_MODE\",\"value\":\"gc\"}")
                    .contains("{\"name\":\"DMLFLOW_GC_OLDER_THAN_DAYS\",\"value\":\"30\"}");
            assertThat(StartScript.text()).as("the start script has the mode the schedule asks for")
                    .contains("\"${DMLFLOW_MODE:-serve}\" = gc").contains("DMLFLOW_GC_OLDER_THAN_DAYS");
        }

        @Test
        void theSchedulerMayRunOnlyOurTaskFamilyOnOurClusterAndPassOnlyItsRoles() {
            JsonNode role = resource("PurgeSchedulerRole");
            assertThat(role.path("Condition").asText()).isEqualTo("PurgesDeleted");
            assertThat(role.path("Properties").path("AssumeRolePolicyDocument").toString())
                    .contains("scheduler.amazonaws.com", "aws:SourceAccount");
            JsonNode statements = role.path("Properties").path("Policies").get(0).path("PolicyDocument").path("Statement");
            assertThat(statements).hasSize(2);
            assertThat(statements.get(0).path("Action").asText()).isEqualTo("ecs:RunTask");
            assertThat(statements.get(0).path("Resource").toString()).contains(":task-definition/", "mlflow", ":*");
            assertThat(references(statements.get(0).path("Condition"))).containsExactly("TrackingCluster");
            assertThat(statements.get(1).path("Action").asText()).isEqualTo("iam:PassRole");
            assertThat(references(statements.get(1).path("Resource")))
                    .containsExactlyInAnyOrder("TrackingTaskRole", "TrackingTaskExecutionRole");
            assertThat(statements.get(1).path("Condition").toString()).contains("ecs-tasks.amazonaws.com");
        }

        /**
         * A purge that fails reaches the alarm email whatever stops it: gc's error (the start
         * script exits non-zero after its "dmlflow gc: failed" line), a kill for memory (137), or
         * a task that never ran (image, secrets, network: a stop code other than the container's
         * exit). ECS task state change events carry the group the schedule starts the task in.
         */
        @Test
        void aPurgeThatDoesNotFinishWellReachesTheAlarmEmail() {
            assertThat(resource("PurgeSchedule").path("Properties").path("Target").path("EcsParameters").path("Group")
                    .asText()).isEqualTo(DeletedDataPurge.TASK_GROUP);
            JsonNode rule = resource("AlarmsPurgeFailed");
            assertThat(rule.path("Condition").asText()).isEqualTo("AlarmsOnPurge");
            assertThat(condition("AlarmsOnPurge").toString()).contains("PurgesDeleted", "HasAlarmEmail");
            JsonNode detail = rule.path("Properties").path("EventPattern").path("detail");
            assertThat(detail.path("group").toString()).contains(DeletedDataPurge.TASK_GROUP);
            assertThat(references(detail.path("clusterArn"))).containsExactly("TrackingCluster");
            assertThat(detail.path("lastStatus").toString()).contains("STOPPED");
            assertThat(detail.path("$or").toString()).contains("EssentialContainerExited", "exitCode", "anything-but");
            assertThat(references(rule.path("Properties").path("Targets").get(0).path("Arn"))).containsExactly("AlarmsTopic");
            assertThat(resource("AlarmsTopicPolicy").path("Properties").toString()).as("the topic takes its messages")
                    .contains("AlarmsPurgeFailed");
            assertThat(StartScript.text().lines().filter(line -> line.contains(DeletedDataPurge.FAILURE_LINE)).count())
                    .as("every failure the gc mode reports is a line in the log").isGreaterThanOrEqualTo(4);
        }
    }

    private static JsonNode condition(String name) {
        JsonNode condition = mlflow().path("Conditions").path(name);
        assertThat(condition.isMissingNode()).as("condition %s", name).isFalse();
        return condition;
    }
}
