package dmlflow.deployer.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a stack with these parameters costs a month, item by item: for an idle month (nobody uses
 * the server) and for a working month ({@link #WORKING_HOURS} hours of use). Prices come from
 * one dated, sourced file per region (pricing/REGION.json); a region without one gets no guess.
 */
public final class CostEstimate {
    static final double HOURS = 730;
    /** The working pattern: 8 hours a day, 22 days a month. */
    static final double WORKING_HOURS = 8 * 22;
    /** Load balancer capacity units while people work (a few clients logging runs). */
    static final double WORKING_LCU = 1;
    /** Aurora capacity while people work. */
    static final double WORKING_ACU = 1;
    /** NAT traffic in a working month: one pull of the MLflow image (the -full image is ~2 GB). */
    static final double WORKING_NAT_GB = 2;
    /** Aurora storage assumed: a small team's tracking data. */
    static final double DATABASE_GB = 1;
    /** Logs a month: idle (load balancer health checks) and working (every request is a line). */
    static final double IDLE_LOG_GB = 0.1;
    static final double WORKING_LOG_GB = 0.5;
    /** Fargate includes 20 GiB of ephemeral storage; more is billed. */
    static final int INCLUDED_STORAGE_GIB = 20;
    /** Availability zones the load balancer spans: one public IPv4 address each. */
    static final int LOAD_BALANCER_ADDRESSES = 2;
    /** The NAT instance's root volume. */
    static final int NAT_INSTANCE_VOLUME_GB = 8;
    /** The NAT instance's recover and reboot alarms. */
    static final int NAT_INSTANCE_ALARMS = 2;

    /**
     * Metrics the AlarmEmail alarms watch (billed per metric): the 5xx rate's three, and one each for
     * unhealthy targets, healthy targets and Aurora capacity. CostEstimateTest counts them in the template.
     */
    static final int ALERT_ALARM_METRICS = 6;

    record Prices(String region, String date, Path file, Map<String, Double> perUnit) {
        double get(String name) {
            Double value = perUnit.get(name);
            if (value == null) {
                throw DeployerException.failed("the price file " + file + " has no price '" + name + "'");
            }
            return value;
        }

        /** The region's price file, or empty when there is none. */
        static Optional<Prices> load(Path directory, String region) {
            Path file = directory.resolve(region + ".json");
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            try {
                JsonNode root = new ObjectMapper().readTree(file.toFile());
                Map<String, Double> values = new LinkedHashMap<>();
                root.path("prices").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asDouble()));
                return Optional.of(new Prices(root.path("region").asText(region), root.path("date").asText("?"), file, values));
            } catch (IOException e) {
                throw DeployerException.failed("cannot read the price file " + file + ": " + Problems.of(e));
            }
        }
    }

    /** One billed item: what it is, how it is counted, its idle and working monthly cost. */
    record Line(String item, String basis, double idle, double working) {
    }

    private CostEstimate() {
    }

    static List<Line> lines(Map<String, String> parameters, Prices prices) {
        List<Line> lines = new ArrayList<>();
        boolean natInstance = "instance".equals(parameters.getOrDefault("NatMode", "gateway"));
        if (natInstance) {
            String type = parameters.getOrDefault("NatInstanceType", "t4g.micro");
            double instance = HOURS * prices.get("natInstanceHour." + type)
                    + NAT_INSTANCE_VOLUME_GB * prices.get("ebsGp3GbMonth") + NAT_INSTANCE_ALARMS * prices.get("cloudwatchAlarmMonth");
            lines.add(new Line("NAT instance", type + ", 730 h, 8 GB gp3, " + NAT_INSTANCE_ALARMS + " recovery alarms",
                    instance, instance));
        } else {
            double gateway = HOURS * prices.get("natGatewayHour");
            lines.add(new Line("NAT gateway", "730 h; working: + " + fmt(WORKING_NAT_GB) + " GB processed",
                    gateway, gateway + WORKING_NAT_GB * prices.get("natGatewayGb")));
        }
        double addresses = (LOAD_BALANCER_ADDRESSES + 1) * HOURS * prices.get("publicIpv4Hour");
        lines.add(new Line("Public IPv4 addresses", LOAD_BALANCER_ADDRESSES + " for the load balancer, 1 for the NAT",
                addresses, addresses));
        double balancer = HOURS * prices.get("loadBalancerHour");
        lines.add(new Line("Load balancer", "730 h; working: + " + fmt(WORKING_LCU) + " LCU for " + fmt(WORKING_HOURS) + " h",
                balancer, balancer + WORKING_LCU * WORKING_HOURS * prices.get("loadBalancerLcuHour")));

        int tasks = integer(parameters, "MinTaskCount", 1);
        double vcpu = integer(parameters, "TaskCpu", 512) / 1024.0;
        double memoryGb = integer(parameters, "TaskMemory", 2048) / 1024.0;
        boolean spot = "FARGATE_SPOT".equals(parameters.getOrDefault("CapacityProvider", "FARGATE"));
        double perHour = vcpu * prices.get(spot ? "fargateSpotVcpuHour" : "fargateVcpuHour")
                + memoryGb * prices.get(spot ? "fargateSpotGbHour" : "fargateGbHour");
        double compute = tasks * HOURS * perHour;
        lines.add(new Line("Fargate" + (spot ? " Spot" : ""), tasks + " × " + fmt(vcpu) + " vCPU / " + fmt(memoryGb)
                + " GB, 730 h", compute, compute));
        int extraStorage = Math.max(0, integer(parameters, "EphemeralStorageGiB", 21) - INCLUDED_STORAGE_GIB);
        if (extraStorage > 0) {
            double storage = tasks * extraStorage * HOURS * prices.get("fargateStorageGbHour");
            lines.add(new Line("Fargate storage", extraStorage + " GiB over the 20 included", storage, storage));
        }

        double minAcu = number(parameters, "DatabaseMinCapacity", 0);
        double idleAcu = minAcu * HOURS * prices.get("auroraAcuHour");
        double workingAcu = (Math.max(minAcu, WORKING_ACU) * WORKING_HOURS + minAcu * (HOURS - WORKING_HOURS))
                * prices.get("auroraAcuHour");
        lines.add(new Line("Aurora capacity", (minAcu == 0 ? "paused when idle" : fmt(minAcu) + " ACU at least")
                + "; working: " + fmt(Math.max(minAcu, WORKING_ACU)) + " ACU for " + fmt(WORKING_HOURS) + " h", idleAcu, workingAcu));
        double storage = DATABASE_GB * prices.get("auroraStorageGbMonth");
        lines.add(new Line("Aurora storage", fmt(DATABASE_GB) + " GB (backups up to its size are free)", storage, storage));

        int secrets = 4;
        double secretCost = secrets * prices.get("secretMonth");
        lines.add(new Line("Secrets Manager", secrets + " secrets", secretCost, secretCost));
        lines.add(new Line("CloudWatch Logs", fmt(IDLE_LOG_GB) + " GB; working: " + fmt(WORKING_LOG_GB) + " GB",
                IDLE_LOG_GB * (prices.get("logsIngestGb") + prices.get("logsStorageGbMonth")),
                WORKING_LOG_GB * (prices.get("logsIngestGb") + prices.get("logsStorageGbMonth"))));
        if (!parameters.getOrDefault("AlarmEmail", "").isEmpty()) {
            double alerting = ALERT_ALARM_METRICS * prices.get("cloudwatchAlarmMonth")
                    + prices.get("cloudwatchDashboardMonth") + prices.get("kmsKeyMonth");
            lines.add(new Line("Alarms", ALERT_ALARM_METRICS + " alarm metrics, a dashboard (an account's first 3 are"
                    + " free), the topic's KMS key; emails free", alerting, alerting));
        }
        if (!parameters.getOrDefault("HostedZoneId", "").isEmpty()) {
            lines.add(new Line("Certificate and DNS", "ACM certificate and alias queries are free (the zone's"
                    + " $0.50 is already yours)", 0, 0));
        }
        return lines;
    }

    static double idleTotal(List<Line> lines) {
        return lines.stream().mapToDouble(Line::idle).sum();
    }

    static double workingTotal(List<Line> lines) {
        return lines.stream().mapToDouble(Line::working).sum();
    }

    /** The estimate as a person reads it in a terminal. */
    static List<String> report(Map<String, String> parameters, Prices prices) {
        List<Line> lines = lines(parameters, prices);
        List<String> out = new ArrayList<>();
        out.add("Monthly estimate in " + prices.region() + " (prices of " + prices.date() + ", " + prices.file()
                + "; artifacts in S3 and data transfer out are extra):");
        out.add(String.format("  %-24s %9s %9s  %s", "", "idle", "working", "counted as"));
        for (Line line : lines) {
            out.add(String.format("  %-24s %9s %9s  %s", line.item(), money(line.idle()), money(line.working()), line.basis()));
        }
        out.add(String.format("  %-24s %9s %9s  %s", "Total", money(idleTotal(lines)), money(workingTotal(lines)),
                "idle: nobody uses it; working: " + fmt(WORKING_HOURS) + " h of use (8 h × 22 days)"));
        return out;
    }

    /** The report, or why there is none. */
    public static List<String> reportOrWhyNot(Map<String, String> parameters, Path directory, String region) {
        if (region == null) {
            return List.of("No cost estimate: give --region (or set AWS_REGION) to price the plan.");
        }
        return Prices.load(directory, region).map(prices -> report(parameters, prices)).orElse(List.of("No cost estimate: there is no price file for "
                + region + " (" + directory.resolve(region + ".json") + "); copy one from " + directory
                + " and fill in that region's prices from the AWS pricing pages."));
    }

    static String money(double dollars) {
        return String.format(Locale.ROOT, "$%.2f", dollars);
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private static int integer(Map<String, String> parameters, String name, int fallback) {
        try {
            return Integer.parseInt(parameters.getOrDefault(name, String.valueOf(fallback)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static double number(Map<String, String> parameters, String name, double fallback) {
        try {
            return Double.parseDouble(parameters.getOrDefault(name, String.valueOf(fallback)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
