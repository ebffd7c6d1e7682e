package dmlflow.template.mlflow;

import dmlflow.template.Templates;
import static dmlflow.template.Templates.dependsOn;
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

/** What the template must guarantee, whatever CDK's defaults do. */
class StackIntentTest {
    private static final String OPEN_TO_THE_WORLD = "0.0.0.0/0";

    @Nested
    class Reachability {
        @Test
        void theDatabaseLivesInIsolatedSubnetsWithoutARouteOut() {
            JsonNode subnetGroup = resource("DatabaseClusterSubnets").path("Properties").path("SubnetIds");
            assertThat(references(subnetGroup)).containsExactlyInAnyOrder(
                    "NetworkVpcIsolatedSubnet1Subnet", "NetworkVpcIsolatedSubnet2Subnet");
            for (Map.Entry<String, JsonNode> route : ofType("AWS::EC2::Route")) {
                assertThat(references(route.getValue().path("Properties").path("RouteTableId")))
                        .as("route %s", route.getKey())
                        .noneMatch(id -> id.startsWith("NetworkVpcIsolated"));
            }
        }

        @Test
        void theDatabaseAdmitsOnlyTheTasksAndTheSetupFunction() {
            List<String> peers = new ArrayList<>();
            for (Map.Entry<String, JsonNode> ingress : ofType("AWS::EC2::SecurityGroupIngress")) {
                JsonNode properties = ingress.getValue().path("Properties");
                if (references(properties.path("GroupId")).contains("DatabaseClusterSecurityGroup")) {
                    assertThat(properties.has("CidrIp")).as("%s opens the database to an address range", ingress.getKey()).isFalse();
                    peers.addAll(references(properties.path("SourceSecurityGroupId")));
                }
            }
            assertThat(peers).containsExactlyInAnyOrder("TrackingSecurityGroup", "DatabaseSetupHandlerSecurityGroup");
            assertThat(resource("DatabaseClusterSecurityGroup").path("Properties").path("SecurityGroupIngress").isMissingNode()).isTrue();
            assertThat(resource("DatabaseClusterWriter").path("Properties").path("PubliclyAccessible").asBoolean()).isFalse();
        }

        @Test
        void theTasksHaveNoPublicAddressAndAdmitOnlyTheLoadBalancer() {
            JsonNode network = resource("TrackingServiceService").path("Properties")
                    .path("NetworkConfiguration").path("AwsvpcConfiguration");
            assertThat(network.path("AssignPublicIp").asText()).isEqualTo("DISABLED");
            assertThat(references(network.path("Subnets")))
                    .containsExactlyInAnyOrder("NetworkVpcPrivateSubnet1Subnet", "NetworkVpcPrivateSubnet2Subnet");

            JsonNode inline = resource("TrackingSecurityGroup").path("Properties").path("SecurityGroupIngress");
            assertThat(inline.isMissingNode() || inline.isEmpty()).isTrue();
            List<String> peers = new ArrayList<>();
            for (Map.Entry<String, JsonNode> ingress : ofType("AWS::EC2::SecurityGroupIngress")) {
                JsonNode properties = ingress.getValue().path("Properties");
                if (references(properties.path("GroupId")).contains("TrackingSecurityGroup")) {
                    assertThat(properties.has("CidrIp")).isFalse();
                    peers.addAll(references(properties.path("SourceSecurityGroupId")));
                }
            }
            assertThat(peers).containsExactly("LoadBalancerSecurityGroup");
        }

        @Test
        void onlyTheLoadBalancerListensToTheInternetAndOnlyFromAllowedCidr() {
            for (Map.Entry<String, JsonNode> group : ofType("AWS::EC2::SecurityGroup")) {
                for (JsonNode rule : group.getValue().path("Properties").path("SecurityGroupIngress")) {
                    assertThat(rule.path("CidrIp").asText()).as("no literal open range").isNotEqualTo(OPEN_TO_THE_WORLD);
                    if (group.getKey().equals("NetworkNatInstanceSecurityGroup")) {
                        // The NAT instance takes in only what comes from inside the VPC.
                        assertThat(rule.path("CidrIp").toString()).isEqualTo("{\"Fn::GetAtt\":[\"NetworkVpc\",\"CidrBlock\"]}");
                    } else {
                        assertThat(group.getKey()).isEqualTo("LoadBalancerSecurityGroup");
                    }
                }
            }
            assertThat(resource("LoadBalancerAlb").path("Properties").path("Scheme").asText()).isEqualTo("internet-facing");
        }

        @Test
        void theHealthGateReachesTheLoadBalancerWhateverAllowedCidrIs() {
            List<String> sources = new ArrayList<>();
            for (JsonNode rule : resource("LoadBalancerSecurityGroup").path("Properties").path("SecurityGroupIngress")) {
                if (rule.path("FromPort").asInt() == 80) {
                    sources.addAll(references(rule.path("CidrIp")));
                }
            }
            assertThat(sources).contains("AllowedCidr", "NetworkNatAddress", "NetworkNatInstanceAddress");
            assertThat(resource("HealthGateHandlerFunction").path("Properties").path("VpcConfig").isObject()).isTrue();
        }
    }

    @Nested
    class Permissions {
        @Test
        void theTaskRoleTouchesTheArtifactBucketAndNothingElse() {
            JsonNode statements = resource("TrackingTaskRoleDefaultPolicy").path("Properties")
                    .path("PolicyDocument").path("Statement");
            assertThat(statements).isNotEmpty();
            for (JsonNode statement : statements) {
                for (JsonNode action : statement.path("Action").isArray() ? statement.path("Action") : List.of(statement.path("Action"))) {
                    assertThat(action.asText()).startsWith("s3:").doesNotContain("*");
                }
                // The bucket made here, or the kept one a restore names.
                assertThat(references(statement.path("Resource")))
                        .containsOnly("ArtifactsBucket", "ExistingArtifactBucket", "AWS::Partition");
            }
        }

        /**
         * MlflowImage accepts a private ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG);
         * ECS pulls it with the execution role, which needs ECR's pull actions (ECS developer
         * guide, "Amazon ECS task execution IAM role"), or every task stops with
         * CannotPullContainerError.
         */
        @Test
        void theExecutionRoleCanPullAPrivateEcrImageOfThisAccount() {
            String policy = Templates.resource("TrackingTaskExecutionRoleDefaultPolicy").path("Properties").toString();
            assertThat(policy).contains("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", ":repository/*");
            String pattern = Templates.mlflow().path("Parameters").path("MlflowImage").path("AllowedPattern").asText();
            assertThat("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/mlflow:v3.17.0-full").matches(pattern);
        }

        @Test
        void noPolicyGrantsAWildcardAction() {
            for (Map.Entry<String, JsonNode> policy : ofType("AWS::IAM::Policy")) {
                for (JsonNode statement : policy.getValue().path("Properties").path("PolicyDocument").path("Statement")) {
                    assertThat(statement.path("Action").toString()).as(policy.getKey()).doesNotContain(":*\"", "\"*\"");
                }
            }
            for (Map.Entry<String, JsonNode> role : ofType("AWS::IAM::Role")) {
                assertThat(role.getValue().path("Properties").has("ManagedPolicyArns")).as(role.getKey()).isFalse();
            }
        }
    }

    @Nested
    class Secrets {
        @Test
        void everySecretIsGeneratedByAwsNotWrittenInTheTemplate() {
            List<Map.Entry<String, JsonNode>> secrets = ofType("AWS::SecretsManager::Secret");
            assertThat(secrets).hasSize(4);
            for (Map.Entry<String, JsonNode> secret : secrets) {
                JsonNode properties = secret.getValue().path("Properties");
                assertThat(properties.has("SecretString")).as(secret.getKey()).isFalse();
                assertThat(properties.has("GenerateSecretString")).as(secret.getKey()).isTrue();
            }
            // Dynamic references resolve inside CloudFormation; only the cluster's master login and the
            // load balancer's OIDC client secret (SignIn oidc, a secret the user made) may use one.
            Set<String> mayResolve = Set.of("DatabaseCluster", "LoadBalancerHttps", "LoadBalancerApiDeniedWithoutSession",
                    "LoadBalancerArtifactsDeniedWithoutSession");
            Templates.mlflow().path("Resources").fields().forEachRemaining(r -> {
                if (!mayResolve.contains(r.getKey())) {
                    assertThat(r.getValue().toString()).as(r.getKey()).doesNotContain("{{resolve:secretsmanager");
                }
            });
        }

        @Test
        void theContainerGetsCredentialsOnlyThroughEcsSecrets() {
            JsonNode container = resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0);
            for (JsonNode variable : container.path("Environment")) {
                assertThat(variable.path("Name").asText()).doesNotContain("PASSWORD", "SECRET");
            }
            List<String> secretNames = new ArrayList<>();
            container.path("Secrets").forEach(s -> secretNames.add(s.path("Name").asText()));
            assertThat(secretNames).containsExactlyInAnyOrder("DMLFLOW_DB_USERNAME", "DMLFLOW_DB_PASSWORD",
                    "DMLFLOW_ADMIN_PASSWORD", "MLFLOW_FLASK_SERVER_SECRET_KEY");
        }
    }

    @Nested
    class Data {
        @Test
        void theArtifactBucketOutlivesDeletionAndReplacement() {
            // RetainExceptOnCreate: kept on any delete but the rollback of the creation that made it (empty then).
            assertThat(resource("ArtifactsBucket").path("DeletionPolicy").asText()).isEqualTo("RetainExceptOnCreate");
            assertThat(resource("ArtifactsBucket").path("UpdateReplacePolicy").asText()).isEqualTo("Retain");
        }

        @Test
        void everySecretOutlivesTheStackAndCanBeAKeptOne() {
            Map<String, String> secrets = Map.of("DatabaseMasterSecret", "ExistingDatabaseMasterSecretArn",
                    "DatabaseAppUser", "ExistingDatabaseUserSecretArn",
                    "ServerSecretsAdminPassword", "ExistingAdminSecretArn",
                    "ServerSecretsFlaskSecretKey", "ExistingFlaskSecretKeyArn");
            assertThat(ofType("AWS::SecretsManager::Secret")).extracting(Map.Entry::getKey)
                    .containsExactlyInAnyOrderElementsOf(secrets.keySet());
            secrets.forEach((secret, parameter) -> {
                JsonNode resource = resource(secret);
                assertThat(resource.path("DeletionPolicy").asText()).as(secret).isEqualTo("RetainExceptOnCreate");
                assertThat(resource.path("UpdateReplacePolicy").asText()).as(secret).isEqualTo("Retain");
                String condition = resource.path("Condition").asText();
                assertThat(mlflow().path("Conditions").path(condition).toString()).as(secret)
                        .isEqualTo("{\"Fn::Equals\":[{\"Ref\":\"" + parameter + "\"},\"\"]}");
            });
        }

        @Test
        void aRestoreStartsFromTheSnapshotAndTheKeptBucket() {
            JsonNode cluster = resource("DatabaseCluster").path("Properties");
            assertThat(cluster.path("SnapshotIdentifier").toString()).isEqualTo(
                    "{\"Fn::If\":[\"RestoresDatabase\",{\"Ref\":\"DatabaseSnapshotIdentifier\"},{\"Ref\":\"AWS::NoValue\"}]}");
            // CloudFormation refuses MasterUsername together with SnapshotIdentifier.
            assertThat(cluster.path("MasterUsername").toString()).isEqualTo(
                    "{\"Fn::If\":[\"RestoresDatabase\",{\"Ref\":\"AWS::NoValue\"},\"dmlflow_admin\"]}");
            assertThat(resource("ArtifactsBucket").path("Condition").asText()).isEqualTo("MakesArtifactBucket");
            // The TLS-only policy stays with the bucket it was made for; a kept bucket brings its own
            // (CloudFormation refuses a second AWS::S3::BucketPolicy on a bucket: AlreadyExists).
            assertThat(resource("ArtifactsBucketPolicy").path("Condition").asText()).isEqualTo("MakesArtifactBucket");
            assertThat(resource("ArtifactsBucketPolicy").path("DeletionPolicy").asText()).isEqualTo("RetainExceptOnCreate");
            assertThat(mlflow().path("Rules").path("RestoredUserStoreKeepsItsAdminSecret").toString())
                    .contains("ExistingAdminSecretArn", "DatabaseSnapshotIdentifier");
        }

        @Test
        void nothingRefersToAConditionalSecretOrBucketOutsideItsCondition() {
            // Every use of a resource that may be absent goes through Fn::If on that resource's
            // condition, unless the user is itself under the same condition.
            Map<String, String> conditional = Map.of("DatabaseMasterSecret", "MakesDatabaseMasterSecret",
                    "DatabaseAppUser", "MakesDatabaseUserSecret", "ServerSecretsAdminPassword", "MakesAdminSecret",
                    "ServerSecretsFlaskSecretKey", "MakesFlaskSecretKey", "ArtifactsBucket", "MakesArtifactBucket");
            conditional.forEach((id, condition) -> {
                StringBuilder users = new StringBuilder(mlflow().path("Outputs").toString());
                mlflow().path("Resources").fields().forEachRemaining(entry -> {
                    if (!condition.equals(entry.getValue().path("Condition").asText())) {
                        users.append(entry.getValue());
                    }
                });
                String template = users.toString();
                String guarded = "{\"Fn::If\":[\"" + condition + "\",{\"Ref\":\"" + id + "\"},";
                int bare = template.split("\\{\"Ref\":\"" + id + "\"}", -1).length - 1;
                int viaIf = template.split(java.util.regex.Pattern.quote(guarded), -1).length - 1;
                assertThat(bare).as("references to %s", id).isEqualTo(viaIf).isPositive();
                assertThat(template).as(id).doesNotContain("[\"" + id + "\",\"Arn\"]");
            });
        }

        @Test
        void theDatabaseLeavesASnapshotOnDeletionAndReplacement() {
            assertThat(resource("DatabaseCluster").path("DeletionPolicy").asText()).isEqualTo("Snapshot");
            assertThat(resource("DatabaseCluster").path("UpdateReplacePolicy").asText()).isEqualTo("Snapshot");
            assertThat(resource("DatabaseCluster").path("Properties").path("StorageEncrypted").asBoolean()).isTrue();
        }

        @Test
        void theArtifactBucketIsPrivateEncryptedVersionedAndTlsOnly() {
            JsonNode bucket = resource("ArtifactsBucket").path("Properties");
            JsonNode block = bucket.path("PublicAccessBlockConfiguration");
            assertThat(List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
                    .allMatch(flag -> block.path(flag).asBoolean());
            assertThat(bucket.path("VersioningConfiguration").path("Status").asText()).isEqualTo("Enabled");
            assertThat(bucket.path("BucketEncryption").isObject()).isTrue();
            assertThat(resource("ArtifactsBucketPolicy").toString()).contains("aws:SecureTransport");
        }

        @Test
        void mlflowServesArtifactsItselfAndNeverHandsOutS3Locations() {
            String script = StartScriptTest.scriptFromTemplate();
            assertThat(script).contains("--serve-artifacts", "--artifacts-destination");
            assertThat(script).doesNotContain("--default-artifact-root");
        }
    }

    @Nested
    class Ordering {
        @Test
        void theServiceStartsOnlyAfterTheSchemaIsUpToDate() {
            assertThat(dependsOn("TrackingServiceService")).contains("SchemaMigration");
            assertThat(dependsOn("SchemaMigration")).contains("DatabaseSetup");
        }

        @Test
        void theHealthGateWatchesTheServiceWhileItIsBeingMade() {
            JsonNode gate = resource("HealthGate");
            assertThat(dependsOn("HealthGate")).doesNotContain("TrackingServiceService");
            assertThat(references(gate.path("Properties"))).doesNotContain("TrackingServiceService");
            assertThat(dependsOn("HealthGate")).contains("SchemaMigration");
            assertThat(gate.path("Properties").path("Service"))
                    .isEqualTo(resource("TrackingServiceService").path("Properties").path("ServiceName"));
            assertThat(references(gate.path("Properties").path("TaskDefinition"))).containsExactly("TrackingTask");
        }

        /**
         * On delete CloudFormation removes whatever nothing depends on, in any order: a VPC
         * function's custom resource must depend, transitively, on every resource its answer to
         * the ResponseURL travels through, or it answers into a subnet without a way out.
         */
        @Test
        void customResourcesInTheVpcOutliveEveryPartOfTheirAnswersPath() {
            List<String> checked = new ArrayList<>();
            for (Map.Entry<String, JsonNode> custom : customResources()) {
                String function = references(custom.getValue().path("Properties").path("ServiceToken")).get(0);
                JsonNode subnets = resource(function).path("Properties").path("VpcConfig").path("SubnetIds");
                if (subnets.isMissingNode()) {
                    continue;
                }
                Set<String> path = AnswerPath.of(mlflow().path("Resources"), references(subnets));
                assertThat(path).as("answer path of %s", custom.getKey())
                        .anyMatch(id -> resource(id).path("Type").asText().equals("AWS::EC2::SubnetRouteTableAssociation"))
                        .anyMatch(id -> resource(id).path("Type").asText().equals("AWS::EC2::NatGateway"))
                        .anyMatch(id -> resource(id).path("Type").asText().equals("AWS::EC2::VPCGatewayAttachment"))
                        .anyMatch(id -> resource(id).path("Type").asText().equals("AWS::EC2::VPCEndpoint"));
                assertThat(AnswerPath.dependencies(mlflow().path("Resources"), custom.getKey()))
                        .as("what %s outlives on delete", custom.getKey()).containsAll(path);
                checked.add(custom.getKey());
            }
            assertThat(checked).containsExactlyInAnyOrder("DatabaseSetup", "DatabaseSetupPassword", "HealthGate");
        }

        /** A rotated password's predecessor stays valid (MySQL dual passwords) until the new tasks pass the gate. */
        @Test
        void theOldPasswordIsDiscardedOnlyAfterTheNewTasksAreHealthyAndOnlyOnARotation() {
            JsonNode discard = resource("DatabaseSetupPassword");
            assertThat(discard.path("Type").asText()).isEqualTo(DatabaseSetup.PASSWORD_TYPE);
            assertThat(dependsOn("DatabaseSetupPassword")).contains("HealthGate");
            assertThat(discard.path("Properties").path("Step").asText()).isEqualTo("DiscardOldPassword");
            assertThat(discard.path("Properties").path("CredentialsVersion"))
                    .isEqualTo(resource("DatabaseSetup").path("Properties").path("CredentialsVersion"));
            assertThat(discard.path("Properties").path("ServiceToken"))
                    .isEqualTo(resource("DatabaseSetup").path("Properties").path("ServiceToken"));
        }

        @Test
        void everyCustomResourceWaitsOnlyAMinuteLongerThanItsFunctionRuns() {
            for (String type : List.of(DatabaseSetup.TYPE, SchemaMigration.TYPE, HealthGate.TYPE)) {
                Map.Entry<String, JsonNode> custom = ofType(type).get(0);
                String function = references(custom.getValue().path("Properties").path("ServiceToken")).get(0);
                int timeout = resource(function).path("Properties").path("Timeout").asInt();
                assertThat(custom.getValue().path("Properties").path("ServiceTimeout").asInt())
                        .as(type).isEqualTo(timeout + 60);
            }
        }

        @Test
        void healthWaitFitsInsideTheGateFunctionsDeadline() {
            int maxWait = mlflow().path("Parameters").path("HealthCheckTimeoutSeconds").path("MaxValue").asInt();
            assertThat(maxWait).isLessThan(resource("HealthGateHandlerFunction").path("Properties").path("Timeout").asInt());
        }
    }

    static List<Map.Entry<String, JsonNode>> customResources() {
        List<Map.Entry<String, JsonNode>> found = new ArrayList<>();
        mlflow().path("Resources").fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().startsWith("Custom::")) {
                found.add(e);
            }
        });
        return found;
    }

    @Nested
    class Server {
        /** Priorities are unique per listener: a rule that changed its priority on an update would collide. */
        @Test
        void thePortEightyRulesKeepTheirPrioritiesAcrossReleases() {
            assertThat(resource("LoadBalancerHealthOverHttp").path("Properties").path("Priority").asInt()).isEqualTo(1);
            assertThat(resource("LoadBalancerHealthGateOverHttp").path("Properties").path("Priority").asInt()).isEqualTo(2);
            assertThat(resource("LoadBalancerHealthGateOverHttp").path("Properties").path("Conditions").get(0)
                    .path("Field").asText()).isEqualTo("source-ip");
        }

        /**
         * MLflow's job runner (on by default from 3.9 with a SQL store) polls the tracking store every
         * minute (register_periodic_tasks in mlflow/server/jobs/utils.py): Aurora could never pause.
         */
        @Test
        void mlflowsJobRunnerIsOffSoAnIdleDatabaseCanPause() {
            JsonNode environment = resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0)
                    .path("Environment");
            boolean off = false;
            for (JsonNode variable : environment) {
                if (variable.path("Name").asText().equals("MLFLOW_SERVER_ENABLE_JOB_EXECUTION")) {
                    off = variable.path("Value").asText().equals("false");
                }
            }
            assertThat(off).isTrue();
        }

        /**
         * MLflow 3.16.1 made basic auth fail closed by default (MLFLOW_BASIC_AUTH_FAIL_CLOSED, mlflow
         * PR #25308): set explicitly, so that no image's default decides what a non-admin may reach.
         */
        @Test
        void basicAuthFailsClosedOnPurpose() {
            JsonNode environment = resource("TrackingTask").path("Properties").path("ContainerDefinitions").get(0)
                    .path("Environment");
            assertThat(environment.findValuesAsText("Name")).contains("MLFLOW_BASIC_AUTH_FAIL_CLOSED");
            for (JsonNode variable : environment) {
                if (variable.path("Name").asText().equals("MLFLOW_BASIC_AUTH_FAIL_CLOSED")) {
                    assertThat(variable.path("Value").asText()).isEqualTo("true");
                }
            }
        }

        @Test
        void theLoadBalancerOutwaitsNeitherUvicornNorLargeUploads() {
            JsonNode attributes = resource("LoadBalancerAlb").path("Properties").path("LoadBalancerAttributes");
            boolean idleTimeoutFromParameter = false;
            for (JsonNode attribute : attributes) {
                if (attribute.path("Key").asText().equals("idle_timeout.timeout_seconds")) {
                    idleTimeoutFromParameter = references(attribute.path("Value")).contains("IdleTimeoutSeconds");
                }
            }
            assertThat(idleTimeoutFromParameter).isTrue();
            assertThat(resource("TrackingTask").toString()).contains("DMLFLOW_IDLE_TIMEOUT");
        }

        @Test
        void theHealthCheckAnswersLongBeforeItsTimeoutUnderLoad() {
            // /health touches no database; under 8 clients on one core its slowest answer was well
            // under a second (scripts/bench-server.sh, README "How fast it serves"): the check's
            // 5 s timeout and 3 misses at 15 s apart leave a paused or busy task in service.
            JsonNode targets = ofType("AWS::ElasticLoadBalancingV2::TargetGroup").get(0).getValue().path("Properties");
            assertThat(targets.path("HealthCheckPath").asText()).isEqualTo("/health");
            assertThat(targets.path("HealthCheckTimeoutSeconds").asInt()).isEqualTo(5);
            assertThat(targets.path("HealthCheckIntervalSeconds").asInt()).isEqualTo(15);
            assertThat(targets.path("UnhealthyThresholdCount").asInt()).isEqualTo(3);
        }

        @Test
        void httpsIsConditionalAndRedirectsPortEightyButKeepsHealthOpen() {
            assertThat(resource("LoadBalancerHttps").path("Condition").asText()).isEqualTo("HasCertificate");
            assertThat(resource("LoadBalancerHttp").path("Properties").path("DefaultActions").path("Fn::If").get(0).asText())
                    .isEqualTo("HasCertificate");
            assertThat(resource("LoadBalancerHealthOverHttp").toString()).contains("/health", "/version");
            assertThat(resource("LoadBalancerTargets").path("Properties").path("HealthCheckPath").asText()).isEqualTo("/health");
        }

        @Test
        void aCrashLoopingDeploymentRollsBack() {
            JsonNode breaker = resource("TrackingServiceService").path("Properties")
                    .path("DeploymentConfiguration").path("DeploymentCircuitBreaker");
            assertThat(breaker.path("Enable").asBoolean()).isTrue();
            assertThat(breaker.path("Rollback").asBoolean()).isTrue();
        }

        @Test
        void theDatabaseMayPauseAndTheServerHoldsNoIdleConnections() {
            assertThat(resource("DatabaseParameters").toString()).contains("log_bin_trust_function_creators");
            assertThat(references(resource("DatabaseCluster").path("Properties").path("ServerlessV2ScalingConfiguration")))
                    .contains("DatabaseMinCapacity", "DatabaseMaxCapacity");
            assertThat(resource("TrackingTask").toString()).contains("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool");
        }
    }
}
