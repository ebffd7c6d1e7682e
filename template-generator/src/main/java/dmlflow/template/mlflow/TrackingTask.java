package dmlflow.template.mlflow;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.FargateTaskDefinitionProps;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.RoleProps;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;

/**
 * What the tracking server's tasks run: the task definition, the role the server acts with, and
 * its one container with what it is told (environment) and given (secrets).
 *
 * <p>Not a construct of its own: its resources are made in the service's scope, so they keep the
 * logical ids (TrackingTaskRole…, TrackingTask…) that deployed stacks already have.
 */
final class TrackingTask {
    /** How long a worker trusts a verified password: the staleness a team accepts for the speed. */
    static final int AUTH_CACHE_SECONDS = 60;

    private final Role role;
    private final FargateTaskDefinition definition;

    TrackingTask(Construct scope, TrackingService.Props props, LogGroup logGroup) {
        role = new Role(scope, "TaskRole", RoleProps.builder()
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .description("dmlflow: what the MLflow server may do (read and write its artifacts)")
                .build());
        props.artifacts().grantReadWrite(role);

        definition = new FargateTaskDefinition(scope, "Task", FargateTaskDefinitionProps.builder()
                .family(Fn.join("-", List.of(Aws.STACK_NAME, "mlflow")))
                .cpu(props.cpu())
                .memoryLimitMiB(props.memoryMiB())
                .ephemeralStorageGiB(props.ephemeralStorageGiB())
                .taskRole(role)
                .runtimePlatform(RuntimePlatform.builder()
                        .cpuArchitecture(CpuArchitecture.X86_64)
                        .operatingSystemFamily(OperatingSystemFamily.LINUX)
                        .build())
                .build());
        // A private ECR MlflowImage (its pattern accepts one) is pulled with the execution role (ECS
        // developer guide, "Amazon ECS task execution IAM role": ECR permissions); the image comes
        // from ContainerImage.fromRegistry, which grants nothing. Repositories of this account.
        definition.obtainExecutionRole().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("PullAPrivateEcrImage")
                .actions(List.of("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"))
                .resources(List.of(Stack.of(scope).formatArn(ArnComponents.builder().service("ecr").region("*")
                        .resource("repository").resourceName("*").build())))
                .build());
        definition.obtainExecutionRole().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("SignInToEcr")
                .actions(List.of("ecr:GetAuthorizationToken"))
                .resources(List.of("*"))
                .build());
        definition.addContainer(TrackingService.CONTAINER_NAME, ContainerDefinitionOptions.builder()
                .image(ContainerImage.fromRegistry(props.image()))
                .entryPoint(List.of("/bin/sh", "-c"))
                .command(List.of(StartScript.text()))
                .environment(environment(props))
                .secrets(secrets(props))
                .portMappings(List.of(PortMapping.builder().containerPort(LoadBalancer.SERVER_PORT).build()))
                .logging(LogDriver.awsLogs(AwsLogDriverProps.builder()
                        .logGroup(logGroup)
                        .streamPrefix(TrackingService.LOG_STREAM_PREFIX)
                        .build()))
                .essential(true)
                .stopTimeout(Duration.seconds(30))
                .build());
    }

    /** The role the server acts with (it reads and writes the artifacts). */
    Role role() {
        return role;
    }

    FargateTaskDefinition definition() {
        return definition;
    }

    private static Map<String, String> environment(TrackingService.Props props) {
        Map<String, String> env = new TreeMap<>();
        env.put("DMLFLOW_DB_HOST", props.database().endpoint());
        env.put("DMLFLOW_DB_PORT", props.database().port());
        env.put("DMLFLOW_DB_NAME", DatabaseSetup.TRACKING_DATABASE);
        env.put("DMLFLOW_AUTH_DB_NAME", DatabaseSetup.AUTH_DATABASE);
        env.put("DMLFLOW_AUTH_MODE", props.authMode());
        env.put("DMLFLOW_DEFAULT_PERMISSION", props.defaultPermission());
        env.put("DMLFLOW_ADMIN_USERNAME", ServerSecrets.ADMIN_USERNAME);
        env.put("DMLFLOW_ARTIFACTS_DESTINATION", props.artifacts().destinationUri());
        env.put("DMLFLOW_ALLOWED_HOSTS", props.allowedHosts());
        env.put("DMLFLOW_WORKERS", props.workers());
        env.put("DMLFLOW_IDLE_TIMEOUT", props.idleTimeoutSeconds());
        env.put("DMLFLOW_PORT", String.valueOf(LoadBalancer.SERVER_PORT));
        // ECS reads secrets when a task starts: a new value makes a new task definition, so the
        // tasks restart and pick up a rotated password.
        env.put("DMLFLOW_CREDENTIALS_VERSION", props.credentialsVersion());
        // Basic auth's password check is scrypt, ~150 ms of CPU, on every request: each worker keeps
        // a verified password this long (mlflow PR #22817). A changed or deleted password keeps
        // working for up to this long on the workers that did not serve the change (README, security).
        env.put("DMLFLOW_AUTH_CACHE_SECONDS", String.valueOf(AUTH_CACHE_SECONDS));
        // With SignIn oidc or cognito, the person the load balancer signed in (container/dmlflow_signin.py).
        env.putAll(props.signIn().environment(props.loadBalancer().arn()));
        env.put("MLFLOW_DISABLE_TELEMETRY", "true");
        // Set on purpose, though it is MLflow's default from 3.16.1 (mlflow PR #25308): basic auth
        // refuses a logged-in non-admin any route it has no permission rule for, rather than letting
        // every route added without one through (PR #25065). What a non-admin can do is then what
        // the rules grant (3.17's mlflow/server/auth/__init__.py, README "Sign-in"): create
        // experiments, models and prompts (MANAGE on what they create), read and, with
        // DefaultPermission EDIT, write the others'. 3.12 (the tests') has no such setting.
        env.put("MLFLOW_BASIC_AUTH_FAIL_CLOSED", "true");
        // MLflow's job runner (on by default from 3.9 with a SQL store) queries the database every
        // minute for GenAI online scorers (register_periodic_tasks in mlflow/server/jobs/utils.py),
        // so Aurora could never pause at 0 ACU. dmlflow serves tracking and the registry: off.
        env.put("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false");
        // A held connection keeps Aurora Serverless v2 awake; without a pool it can pause at 0 ACU.
        env.put("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool");
        return env;
    }

    private static Map<String, Secret> secrets(TrackingService.Props props) {
        Map<String, Secret> secrets = new TreeMap<>();
        secrets.put("DMLFLOW_DB_USERNAME", Secret.fromSecretsManager(props.database().appUserSecret(), "username"));
        secrets.put("DMLFLOW_DB_PASSWORD", Secret.fromSecretsManager(props.database().appUserSecret(), "password"));
        secrets.put("DMLFLOW_ADMIN_PASSWORD", Secret.fromSecretsManager(props.secrets().adminPassword(), "password"));
        secrets.put("MLFLOW_FLASK_SERVER_SECRET_KEY", Secret.fromSecretsManager(props.secrets().flaskSecretKey()));
        return secrets;
    }
}
