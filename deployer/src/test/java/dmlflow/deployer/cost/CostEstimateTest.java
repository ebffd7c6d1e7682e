package dmlflow.deployer.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.stack.ParameterValidator;
import dmlflow.deployer.stack.StackTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The estimate's arithmetic, pinned by hand from the price file, and README's table kept equal to it. */
class CostEstimateTest {
    private static final Path ROOT = Path.of(System.getProperty("dmlflow.root", "..")).toAbsolutePath().normalize();
    private static final Path PRICES = ROOT.resolve("pricing");
    private static final StackTemplate TEMPLATE = StackTemplate.load(ROOT.resolve("templates/mlflow.yaml"));

    private static CostEstimate.Prices usEast1() {
        return CostEstimate.Prices.load(PRICES, "us-east-1").orElseThrow();
    }

    private static Map<String, Double> idle(List<CostEstimate.Line> lines) {
        Map<String, Double> byItem = new LinkedHashMap<>();
        lines.forEach(line -> byItem.put(line.item(), Math.round(line.idle() * 100) / 100.0));
        return byItem;
    }

    @Test
    void theDefaultsIdleForNinetyFiveDollarsAtMost() {
        List<CostEstimate.Line> lines = CostEstimate.lines(TEMPLATE.effective(Map.of(), Map.of()), usEast1());
        // 730 h × price, by hand: NAT 0.045; 3 addresses × 0.005; ALB 0.0225; 0.5 vCPU × 0.04048 + 2 GB ×
        // 0.004445; 10 GiB over 20 × 0.000111; Aurora paused; 1 GB × 0.10; 4 × 0.40; 0.1 GB × (0.50 + 0.03).
        assertThat(idle(lines)).containsExactly(Map.entry("NAT gateway", 32.85), Map.entry("Public IPv4 addresses", 10.95),
                Map.entry("Load balancer", 16.43), Map.entry("Fargate", 21.26), Map.entry("Fargate storage", 0.81),
                Map.entry("Aurora capacity", 0.0), Map.entry("Aurora storage", 0.10), Map.entry("Secrets Manager", 1.60),
                Map.entry("CloudWatch Logs", 0.05));
        assertThat(CostEstimate.idleTotal(lines)).isCloseTo(84.05, org.assertj.core.data.Offset.offset(0.01)).isLessThanOrEqualTo(95);
        // Working: + 2 GB through the NAT, + 176 LCU-hours, + 176 ACU-hours, + 0.4 GB of logs.
        assertThat(CostEstimate.workingTotal(lines) - CostEstimate.idleTotal(lines))
                .isCloseTo(2 * 0.045 + 176 * 0.008 + 176 * 0.12 + 0.4 * 0.53, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void spotAndASmallerTaskAreCountedAtTheirOwnPrices() {
        Map<String, String> lean = TEMPLATE.effective(CostTable.LEAN, Map.of());
        List<CostEstimate.Line> lines = CostEstimate.lines(lean, usEast1());
        assertThat(idle(lines)).containsEntry("Fargate Spot", Math.round((0.5 * 0.01275 + 1 * 0.0014) * 730 * 100) / 100.0)
                .containsEntry("Fargate storage", 0.08).doesNotContainKey("Fargate");
        Map<String, String> paused = new LinkedHashMap<>(lean);
        paused.put("DatabaseMinCapacity", "0.5");
        assertThat(idle(CostEstimate.lines(paused, usEast1()))).as("a database that never pauses")
                .containsEntry("Aurora capacity", Math.round(0.5 * 730 * 0.12 * 100) / 100.0);
        Map<String, String> natInstance = new LinkedHashMap<>(lean);
        natInstance.put("NatMode", "instance");
        // 730 h × 0.0084 (t4g.micro) + 8 GB × 0.08 + 2 alarms × 0.10.
        assertThat(idle(CostEstimate.lines(natInstance, usEast1()))).containsEntry("NAT instance", 6.97)
                .doesNotContainKey("NAT gateway");
        assertThat(CostEstimate.idleTotal(CostEstimate.lines(lean, usEast1()))).as("the lean profile idles for $45 at most")
                .isCloseTo(41.86, org.assertj.core.data.Offset.offset(0.01)).isLessThanOrEqualTo(45);
    }

    @Test
    void alarmsAndAManagedDomainAreCountedOnlyWhenAsked() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("AlarmEmail", "ops@example.com");
        given.put("DomainName", "mlflow.example.com");
        given.put("HostedZoneId", "Z0123456789ABCDEFGHIJ");
        Map<String, String> values = TEMPLATE.effective(given, Map.of());
        // 6 alarm metrics × 0.10 + a dashboard 3.00 + a KMS key 1.00.
        assertThat(idle(CostEstimate.lines(values, usEast1()))).containsEntry("Alarms", 4.60)
                .containsEntry("Certificate and DNS", 0.0);
        assertThat(idle(CostEstimate.lines(TEMPLATE.effective(Map.of(), Map.of()), usEast1())))
                .doesNotContainKeys("Alarms", "Certificate and DNS");
        // What is billed is what the template makes with an email, and nothing without one.
        assertThat(TEMPLATE.resourceCounts(values)).containsEntry("AWS::CloudWatch::Dashboard", 1)
                .containsEntry("AWS::KMS::Key", 1).containsEntry("AWS::CertificateManager::Certificate", 1)
                .containsEntry("AWS::Route53::RecordSet", 1);
        assertThat(TEMPLATE.resourceCounts(TEMPLATE.effective(Map.of(), Map.of())))
                .doesNotContainKeys("AWS::CloudWatch::Dashboard", "AWS::KMS::Key", "AWS::SNS::Topic",
                        "AWS::CertificateManager::Certificate", "AWS::Route53::RecordSet", "AWS::CloudWatch::Alarm");
        int metrics = 0;
        var resources = TEMPLATE.resources().fields();
        while (resources.hasNext()) {
            var resource = resources.next().getValue();
            if ("AWS::CloudWatch::Alarm".equals(resource.path("Type").asText())
                    && "HasAlarmEmail".equals(resource.path("Condition").asText())) {
                int stats = 0;
                for (var query : resource.path("Properties").path("Metrics")) {
                    stats += query.has("MetricStat") ? 1 : 0;
                }
                metrics += Math.max(1, stats);
            }
        }
        assertThat(metrics).as("alarm metrics in the template").isEqualTo(CostEstimate.ALERT_ALARM_METRICS);
    }

    @Test
    void aRegionWithoutAPriceFileGetsNoGuess() {
        assertThat(CostEstimate.reportOrWhyNot(Map.of(), PRICES, "ap-south-1")).singleElement().asString()
                .startsWith("No cost estimate: there is no price file for ap-south-1");
        assertThat(CostEstimate.reportOrWhyNot(Map.of(), PRICES, null)).singleElement().asString().contains("--region");
        assertThat(CostEstimate.reportOrWhyNot(Map.of(), PRICES, "eu-west-1")).first().asString()
                .startsWith("Monthly estimate in eu-west-1 (prices of ");
    }

    @Test
    void everyPriceFileIsDatedSourcedAndComplete() throws Exception {
        try (var files = Files.list(PRICES)) {
            List<Path> all = files.filter(f -> f.toString().endsWith(".json")).toList();
            assertThat(all).extracting(f -> f.getFileName().toString()).contains("us-east-1.json", "eu-west-1.json");
            for (Path file : all) {
                String region = file.getFileName().toString().replace(".json", "");
                CostEstimate.Prices prices = CostEstimate.Prices.load(PRICES, region).orElseThrow();
                assertThat(prices.region()).isEqualTo(region);
                assertThat(prices.date()).matches("\\d{4}-\\d{2}-\\d{2}");
                assertThat(prices.perUnit().keySet()).as(file.toString()).isEqualTo(usEast1().perUnit().keySet());
                assertThat(Files.readString(file)).contains("\"sources\"", "https://aws.amazon.com/");
            }
        }
    }

    @Test
    void readmesCostTableIsTheEstimatorsOwn() throws Exception {
        Map<String, String> lean = new LinkedHashMap<>(TEMPLATE.effective(CostTable.LEAN, Map.of()));
        lean.put(StackTemplate.CODE_BUCKET, "assets-bucket");
        lean.put(StackTemplate.CODE_KEY, "custom-resources/x.jar");
        // The lean profile is made of the template's own parameters and values.
        new ParameterValidator(TEMPLATE).checkEffective(lean);
        String readme = Files.readString(ROOT.resolve("README.md"));
        String fresh = CostTable.render(TEMPLATE, PRICES);
        assertThat(CostTable.replace(readme, fresh)).as("README's cost table; run scripts/update-cost-table.sh")
                .isEqualTo(readme);
    }
}
