package dmlflow.deployer.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dmlflow.deployer.Main;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.cost.ServerCapacity;
import dmlflow.deployer.testing.TestConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Input refused before any AWS call, against the real templates/mlflow.yaml, each with the parameter and rule named. */
class ParameterValidationTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static final StackTemplate MLFLOW = StackTemplate.load(ROOT.resolve("templates/mlflow.yaml"));
    private static final Set<String> RESERVED = Set.of(StackTemplate.CODE_BUCKET, StackTemplate.CODE_KEY);

    @TempDir
    Path dir;

    private static DeployerException refusal(Runnable check) {
        try {
            check.run();
        } catch (DeployerException e) {
            assertThat(e.exitCode()).isEqualTo(DeployerException.USAGE);
            return e;
        }
        throw new AssertionError("the value was accepted");
    }

    @ParameterizedTest(name = "{0}={1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "AuthMode|ldap|AuthMode 'ldap' must be one of basic, none",
            "TaskCpu|256|TaskCpu '256' must be one of 512, 1024, 2048, 4096",
            "LogRetentionDays|10|LogRetentionDays '10' must be one of",
            "VpcCidr|10.0.0.0/8|VpcCidr '10.0.0.0/8' is refused: ",
            "MlflowImage|ghcr.io/mlflow/mlflow|must be an image reference with a tag or digest",
            "DomainName|https://mlflow.example.com|must be empty or a DNS name",
            "IdleTimeoutSeconds|5000|IdleTimeoutSeconds 5000 is too large: at most 4000",
            "EphemeralStorageGiB|20|EphemeralStorageGiB 20 is too small: at least 21",
            "MinTaskCount|two|MinTaskCount 'two' is not a number",
            "Workers|2.0|Workers '2.0' must be one of 1, 2, 3",
            "HealthCheckTimeoutSeconds|900|too large: at most 840",
            "DesiredTaskCount|1.5|DesiredTaskCount 1.5 must be a whole number",
            "EphemeralStorageGiB|21.5|EphemeralStorageGiB 21.5 must be a whole number",
            "MinTaskCount|NaN|MinTaskCount 'NaN' is not a number written in digits",
            "IdleTimeoutSeconds|0x1p8|is not a number written in digits",
            "VpcCidr|10.0.0.1/16|VpcCidr 10.0.0.1/16 has host bits set: the network is 10.0.0.0/16",
            "AllowedCidr|203.0.113.5/24|the network is 203.0.113.0/24",
    })
    void eachConstraintKindRefusesABadValueNamingTheParameterAndTheRule(String name, String value, String message) {
        DeployerException refused = refusal(() -> new ParameterValidator(MLFLOW).checkValues(Map.of(name, value)));
        assertThat(refused).hasMessageContaining(message);
        assertThat(refused.getMessage()).as("in the template's words, not its notation")
                .doesNotContain("AllowedPattern", "AllowedValues", "MinValue", "MaxValue", "^", "[0-9]", "Type Number");
    }

    @Test
    void everyRuleAssertionHasTheSentenceARefusalShows() {
        MLFLOW.rules().fields().forEachRemaining(rule -> rule.getValue().path("Assertions").forEach(assertion ->
                assertThat(assertion.path("AssertDescription").asText("")).as(rule.getKey()).isNotBlank()));
    }

    /** A pattern refusal says what the value must be: every pattern comes with the sentence that explains it. */
    @Test
    void everyPatternHasTheSentenceARefusalShows() {
        assertThat(MLFLOW.parameters().values()).allSatisfy(spec -> assertThat(spec.allowedPattern() == null
                || spec.constraintDescription() != null).as(spec.name()).isTrue());
    }

    @Test
    void templateRulesRefuseAFargateSizeBeforeAws() {
        Map<String, String> effective = MLFLOW.effective(Map.of("TaskCpu", "512", "TaskMemory", "8192", StackTemplate.CODE_BUCKET, "assets-bucket", StackTemplate.CODE_KEY, "k.jar"), Map.of());
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkEffective(effective)))
                .hasMessageContaining("With TaskCpu 512, TaskMemory must be one of 1024, 2048, 3072, 4096");
    }

    @Test
    void workersThatWouldPassSeventyPercentOfTaskMemoryAreRefusedNamingWhatFits() {
        Map<String, String> effective = MLFLOW.effective(Map.of("TaskMemory", "1024", "Workers", "2", StackTemplate.CODE_BUCKET, "assets-bucket", StackTemplate.CODE_KEY, "k.jar"), Map.of());
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkEffective(effective)))
                .hasMessageContaining("Workers 2 needs TaskMemory 2048 or more")
                .hasMessageContaining("within 70% of the task's memory");
    }

    @Test
    void everyWorkersAndMemoryPairIsAcceptedExactlyWhenItsPeakFitsSeventyPercent() {
        for (int workers = 1; workers <= 16; workers++) {
            for (int memory = 1024; memory <= 30720; memory += 1024) {
                String cpu = memory <= 4096 ? "512" : memory <= 8192 ? "1024" : memory <= 16384 ? "2048" : "4096";
                Map<String, String> effective = MLFLOW.effective(Map.of("TaskCpu", cpu,
                        "TaskMemory", String.valueOf(memory), "Workers", String.valueOf(workers),
                        StackTemplate.CODE_BUCKET, "assets-bucket", StackTemplate.CODE_KEY, "k.jar"), Map.of());
                boolean fits = ServerCapacity.SERVER_BASE_MIB + workers * ServerCapacity.WORKER_PEAK_MIB <= 0.7 * memory;
                boolean accepted;
                try {
                    new ParameterValidator(MLFLOW).checkEffective(effective);
                    accepted = true;
                } catch (DeployerException refused) {
                    assertThat(refused).hasMessageContaining("Workers").hasMessageContaining("TaskMemory").hasMessageContaining("or more");
                    accepted = false;
                }
                assertThat(accepted).as("Workers %d with TaskMemory %d", workers, memory).isEqualTo(fits);
            }
        }
    }

    @Test
    void countsAndCapacitiesMustBeInOrder() {
        Map<String, String> effective = MLFLOW.effective(Map.of("MinTaskCount", "4", "DesiredTaskCount", "3",
                "MaxTaskCount", "2", "DatabaseMinCapacity", "4", StackTemplate.CODE_BUCKET, "assets-bucket",
                StackTemplate.CODE_KEY, "k.jar"), Map.of());
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkEffective(effective)))
                .hasMessageContaining("MinTaskCount (4) must not exceed DesiredTaskCount (3)")
                .hasMessageContaining("DesiredTaskCount (3) must not exceed MaxTaskCount (2)")
                .hasMessageContaining("MinTaskCount (4) must not exceed MaxTaskCount (2)")
                .hasMessageContaining("DatabaseMinCapacity (4) must not exceed DatabaseMaxCapacity (2)");
    }

    @Test
    void unknownAndDeployerOwnedNamesAreRefused() {
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkNames(Map.of("Bogus", "1"), RESERVED)))
                .hasMessageContaining("unknown parameter Bogus (the template's parameters: VpcCidr, AllowedCidr");
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkNames(Map.of(StackTemplate.CODE_KEY, "x.jar"), RESERVED)))
                .hasMessageContaining("CustomResourcesCodeKey is set by the deployer");
    }

    @Test
    void theDefaultsDeployAsTheyAre() {
        Map<String, String> effective = MLFLOW.effective(Map.of(StackTemplate.CODE_BUCKET, "assets-bucket", StackTemplate.CODE_KEY, "custom-resources/abc.jar"), Map.of());
        assertThatCode(() -> new ParameterValidator(MLFLOW).checkEffective(effective)).doesNotThrowAnyException();
    }

    @Test
    void anUpdateKeepsPreviousValuesOfWhatIsNotGiven() {
        Map<String, String> previous = Map.of("TaskCpu", "2048", "TaskMemory", "8192");
        Map<String, String> effective = MLFLOW.effective(Map.of("Workers", "4"), previous);
        assertThat(effective).containsEntry("TaskCpu", "2048").containsEntry("Workers", "4").containsEntry("AuthMode", "basic");
        var parameters = MLFLOW.changeSetParameters(Map.of("Workers", "4"), previous);
        assertThat(parameters).anySatisfy(p -> {
            assertThat(p.parameterKey()).isEqualTo("TaskCpu");
            assertThat(p.usePreviousValue()).isTrue();
        });
        assertThat(parameters).noneMatch(p -> p.parameterKey().equals("AuthMode"));
    }

    @Test
    void aCodePipelineTemplateConfigurationIsReadAndTheCommandLineWins() throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"),
                "{\"Parameters\": {\"Workers\": \"3\", \"AuthMode\": \"none\"}, \"Tags\": {\"team\": \"ml\"}}");
        ParameterInput input = ParameterInput.of(List.of("Workers=5"), file);
        assertThat(input.parameters()).containsEntry("Workers", "5").containsEntry("AuthMode", "none");
        assertThat(input.tags()).containsEntry("team", "ml");
    }

    @Test
    void aMalformedConfigurationFileIsRefused() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.json"), "{\"Params\": {}}");
        assertThatThrownBy(() -> ParameterInput.of(List.of(), wrong)).hasMessageContaining("unknown field 'Params'");
        Path nested = Files.writeString(dir.resolve("nested.json"), "{\"Parameters\": {\"Workers\": {\"n\": 3}}}");
        assertThatThrownBy(() -> ParameterInput.of(List.of(), nested)).hasMessageContaining("Parameters.Workers must be a string");
        assertThatThrownBy(() -> ParameterInput.of(List.of("Workers"), null)).hasMessageContaining("-p takes Key=Value");
    }

    @Test
    void planNeedsNoCredentialsAndShowsWhatWouldBeMade() {
        TestConsole console = new TestConsole();
        int code = Main.run(new String[] {"plan", "--template", ROOT.resolve("templates/mlflow.yaml").toString(),
            "-p", "CertificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/abc-123", "-p", "DomainName=mlflow.example.com",
            "-p", "Workers=2"},
                console.console, options -> {
                    throw new AssertionError("plan must not reach AWS");
                });
        assertThat(code).as(console.all()).isZero();
        assertThat(console.out()).contains("valid with these parameters", "Workers", "(given)", "(set by deploy)",
                "AWS::ElasticLoadBalancingV2::Listener", "Custom::MlflowHealth");
        assertThat(console.out()).containsPattern("\\s+2\\s+AWS::ElasticLoadBalancingV2::Listener");
        assertThat(console.out()).contains("memory at peak    ~1160 MiB of 2048 (57%): 2 workers",
                "largest artifact  ~25 GiB");
    }

    @Test
    void planRefusesBadInputWithExitCodeTwo() {
        TestConsole console = new TestConsole();
        int code = Main.run(new String[] {"plan", "--template", ROOT.resolve("templates/mlflow.yaml").toString(),
            "-p", "TaskCpu=3"}, console.console, options -> {
                throw new AssertionError("plan must not reach AWS");
            });
        assertThat(code).isEqualTo(2);
        assertThat(console.err()).contains("Error: TaskCpu '3' must be one of");
    }
    @Test
    void aZoneWithACertificateIsRefusedByDeployBeforeAnyAwsCall() {
        TestConsole console = new TestConsole();
        int code = Main.run(new String[] {"deploy", "--template", ROOT.resolve("templates/mlflow.yaml").toString(),
            "--jar", ROOT.resolve("pom.xml").toString(), "-p", "DomainName=mlflow.example.com",
            "-p", "CertificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/abc-123",
            "-p", "HostedZoneId=Z0123456789ABCDEFGHIJ"}, console.console, options -> {
                throw new AssertionError("the deploy must be refused before it reaches AWS");
            });
        assertThat(code).isEqualTo(2);
        assertThat(console.err()).contains("Give CertificateArn (a certificate made"
                + " elsewhere) or HostedZoneId (the stack makes one for DomainName), not both");
    }

    @Test
    void aZoneWithoutANameIsRefusedUnlessTheStackAlreadyHasOne() {
        ParameterValidator validator = new ParameterValidator(MLFLOW);
        assertThat(refusal(() -> validator.checkRules(Map.of("HostedZoneId", "Z0123456789ABCDEFGHIJ", "DomainName", ""))))
                .hasMessageContaining("HostedZoneId needs DomainName");
        // Not given at all: an update may keep the stack's DomainName, so the given values do not decide.
        Map<String, String> zoneOnly = Map.of("HostedZoneId", "Z0123456789ABCDEFGHIJ");
        assertThatCode(() -> validator.checkRules(zoneOnly)).doesNotThrowAnyException();
        assertThat(refusal(() -> validator.checkRules(MLFLOW.effective(zoneOnly, Map.of()))))
                .as("a new stack").hasMessageContaining("HostedZoneId needs DomainName");
        assertThatCode(() -> validator.checkRules(MLFLOW.effective(zoneOnly,
                Map.of("DomainName", "mlflow.example.com")))).as("a stack that has one").doesNotThrowAnyException();
        assertThatCode(() -> validator.checkRules(MLFLOW.effective(Map.of("HostedZoneId", "Z0123456789ABCDEFGHIJ", "DomainName", "mlflow.example.com"), Map.of())))
                .doesNotThrowAnyException();
    }

    @Test
    void zoneAndEmailValuesAreCheckedByTheirOwnConstraints() {
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkValues(Map.of("HostedZoneId", "example.com"))))
                .hasMessageContaining("HostedZoneId").hasMessageContaining("Route 53 hosted zone id");
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkValues(Map.of("AlarmEmail", "ops at example"))))
                .hasMessageContaining("AlarmEmail").hasMessageContaining("email address");
    }

    /** What the descriptions say beyond MinValue and MaxValue, refused before AWS; risky choices said. */
    @Test
    void capacityOffItsHalfStepsIsRefusedAndAnOpenServerWithoutSignInIsSaid() {
        ParameterValidator validator = new ParameterValidator(MLFLOW);
        assertThat(refusal(() -> validator.checkValues(Map.of("DatabaseMaxCapacity", "1.3"))).getMessage())
                .contains("DatabaseMaxCapacity 1.3 is not a multiple of 0.5", "for example 1.0 or 1.5");
        assertThatCode(() -> validator.checkValues(Map.of("DatabaseMinCapacity", "2.5", "DatabaseMaxCapacity", "4")))
                .doesNotThrowAnyException();
        assertThat(ParameterValidator.warnings(Map.of("AuthMode", "none", "AllowedCidr", "0.0.0.0/0")))
                .singleElement().asString().contains("anyone on the internet");
        assertThat(ParameterValidator.warnings(Map.of("AuthMode", "none", "AllowedCidr", "203.0.113.0/24"))).isEmpty();
        assertThat(ParameterValidator.warnings(Map.of("PurgeDeletedAfterDays", "1"))).singleElement().asString()
                .contains("only 1 day before");
        assertThat(ParameterValidator.warnings(MLFLOW.effective(Map.of(), Map.of()))).as("the defaults").isEmpty();
        assertThat(ParameterValidator.warnings(Map.of("AuthMode", "none", "AllowedCidr", "10.0.0.0/8"))).singleElement()
                .asString().contains("a wide range, without a login");
        assertThat(ParameterValidator.warnings(Map.of("AuthMode", "none", "AllowedCidr", "10.20.0.0/16"))).isEmpty();
        assertThat(ParameterValidator.warnings(Map.of("NatMode", "instance", "NatInstanceType", "t4g.nano")))
                .singleElement().asString().contains("longer than the schema function's 900 s");
        assertThat(ParameterValidator.warnings(Map.of("Workers", "2", "TaskCpu", "1024"))).singleElement().asString()
                .contains("more than one worker per vCPU");
        assertThat(ParameterValidator.warnings(Map.of("Workers", "2", "TaskCpu", "2048"))).isEmpty();
        assertThat(ParameterValidator.warnings(Map.of("MlflowImage", "ghcr.io/mlflow/mlflow:latest"))).singleElement()
                .asString().contains("not pinned");
    }

    @Test
    void aCertificateFromAnotherRegionOrWithoutANameIsRefusedBeforeAws() {
        String arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100";
        assertThat(refusal(() -> ParameterValidator.checkRegion(Map.of("CertificateArn", arn), "eu-west-1")))
                .hasMessageContaining("a certificate in us-east-1, and the stack goes to eu-west-1");
        ParameterValidator.checkRegion(Map.of("CertificateArn", arn), "us-east-1");
        ParameterValidator.checkRegion(Map.of("CertificateArn", ""), "eu-west-1");
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkRules(Map.of("CertificateArn", arn, "DomainName", ""))))
                .hasMessageContaining("CertificateArn needs DomainName");
    }

    @Test
    void signInWithoutHttpsBasicAuthOrItsProviderIsRefusedBeforeAws() {
        ParameterValidator validator = new ParameterValidator(MLFLOW);
        java.util.function.Function<Map<String, String>, Map<String, String>> withDefaults = given -> MLFLOW.effective(given, Map.of());
        assertThat(refusal(() -> validator.checkRules(withDefaults.apply(Map.of("SignIn", "oidc")))))
                .hasMessageContaining("SignIn oidc or cognito needs HTTPS");
        Map<String, String> https = Map.of("HostedZoneId", "Z0123456789ABCDEFGHIJ", "DomainName", "mlflow.example.com");
        Map<String, String> cognitoWithoutAuth = new java.util.HashMap<>(https);
        cognitoWithoutAuth.putAll(Map.of("SignIn", "cognito", "CognitoDomainPrefix", "acme-mlflow", "AuthMode", "none"));
        assertThat(refusal(() -> validator.checkRules(withDefaults.apply(cognitoWithoutAuth))))
                .hasMessageContaining("needs AuthMode basic");
        Map<String, String> cognitoWithoutPrefix = new java.util.HashMap<>(https);
        cognitoWithoutPrefix.put("SignIn", "cognito");
        assertThat(refusal(() -> validator.checkRules(withDefaults.apply(cognitoWithoutPrefix))))
                .hasMessageContaining("SignIn cognito needs CognitoDomainPrefix");
        Map<String, String> oidc = new java.util.HashMap<>(https);
        oidc.putAll(Map.of("SignIn", "oidc", "OidcIssuer", "https://login.example.com",
                "OidcAuthorizationEndpoint", "https://login.example.com/authorize"));
        assertThat(refusal(() -> validator.checkRules(withDefaults.apply(oidc))))
                .hasMessageContaining("copy them from the provider's /.well-known/openid-configuration");
        oidc.putAll(Map.of("OidcTokenEndpoint", "https://login.example.com/token",
                "OidcUserInfoEndpoint", "https://login.example.com/userinfo", "OidcClientId", "mlflow-client"));
        assertThat(refusal(() -> validator.checkRules(withDefaults.apply(oidc)))).hasMessageContaining("OidcClientSecretArn");
        oidc.put("OidcClientSecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlflow-oidc-AbCdEf");
        assertThatCode(() -> validator.checkRules(withDefaults.apply(oidc))).doesNotThrowAnyException();
        assertThat(refusal(() -> validator.checkValues(Map.of("OidcTokenEndpoint", "http://login.example.com/token"))))
                .hasMessageContaining("https URL");
        assertThat(refusal(() -> validator.checkValues(Map.of("AdminEmails", "a@example.com, b@example.com"))))
                .hasMessageContaining("separated by commas");
        assertThat(refusal(() -> validator.checkValues(Map.of("CognitoDomainPrefix", "mlflow-on-aws"))))
                .hasMessageContaining("contains 'aws', which Cognito reserves");
        assertThat(refusal(() -> validator.checkValues(Map.of("CognitoMfa", "OPTIONAL")))).hasMessageContaining("ON, OFF");
        assertThat(refusal(() -> ParameterValidator.checkUpdate(Map.of("CognitoDomainPrefix", "acme-mlflow", "CognitoMfa", "OFF"),
                Map.of("CognitoMfa", "ON")))).hasMessageContaining("does not turn it ON");
        ParameterValidator.checkUpdate(Map.of("CognitoDomainPrefix", "", "CognitoMfa", "OFF"), Map.of("CognitoMfa", "ON"));
    }

    @Test
    void anUpdateCannotLowerTheDatabaseVersionOrGiveSeveralAlarmAddresses() {
        assertThat(refusal(() -> ParameterValidator.checkUpdate(Map.of("DatabaseEngineVersion", "3.10.0"),
                Map.of("DatabaseEngineVersion", "3.08.2")))).hasMessageContaining("never downgrades");
        ParameterValidator.checkUpdate(Map.of("DatabaseEngineVersion", "3.08.2"), Map.of("DatabaseEngineVersion", "3.10.0"));
        ParameterValidator.checkUpdate(Map.of(), Map.of("DatabaseEngineVersion", "3.08.2"));
        assertThat(refusal(() -> new ParameterValidator(MLFLOW).checkValues(Map.of("AlarmEmail", "ops@example.com,"))))
                .hasMessageContaining("one email address");
    }

    @Test
    void aMisspeltParameterGetsTheNameItMostLikelyMeant() {
        ParameterValidator validator = new ParameterValidator(MLFLOW);
        assertThat(refusal(() -> validator.checkNames(Map.of("Wrokers", "2"), Set.of())).getMessage())
                .contains("unknown parameter Wrokers: did you mean Workers?", "./deploy.sh plan lists them");
        assertThat(refusal(() -> validator.checkNames(Map.of("taskcpu", "1024"), Set.of())).getMessage())
                .contains("did you mean TaskCpu?");
        assertThat(ParameterValidator.closest("Bogus", MLFLOW.parameters().keySet())).as("nothing near").isNull();
    }
}
