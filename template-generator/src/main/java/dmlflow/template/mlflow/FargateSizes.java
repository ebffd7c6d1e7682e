package dmlflow.template.mlflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.CfnRule;
import software.amazon.awscdk.CfnRuleProps;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Stack;

/**
 * Template rules that refuse CPU and memory pairs Fargate would refuse, before anything is
 * created, with a message that says which memory sizes the chosen CPU allows.
 */
final class FargateSizes {
    /** Fargate's valid memory (MiB) per CPU value, from AWS's task-size table. */
    static final Map<Integer, List<Integer>> MEMORY_BY_CPU = memoryByCpu();

    private FargateSizes() {
    }

    private static Map<Integer, List<Integer>> memoryByCpu() {
        Map<Integer, List<Integer>> sizes = new LinkedHashMap<>();
        sizes.put(512, gibSteps(1, 4));
        sizes.put(1024, gibSteps(2, 8));
        sizes.put(2048, gibSteps(4, 16));
        sizes.put(4096, gibSteps(8, 30));
        return sizes;
    }

    private static List<Integer> gibSteps(int fromGib, int toGib) {
        List<Integer> values = new ArrayList<>();
        for (int gib = fromGib; gib <= toGib; gib++) {
            values.add(gib * 1024);
        }
        return values;
    }

    /**
     * Peak resident memory of one uvicorn worker (479 MiB, basic auth, 8 clients), and of the
     * mlflow CLI parent every task has besides its workers (193 MiB), measured by
     * scripts/bench-server.sh with the real MLflow (README "How fast it serves").
     */
    static final int WORKER_PEAK_MIB = 480;
    static final int SERVER_BASE_MIB = 200;
    /** The share of TaskMemory the server may use at its peak, leaving room for the page cache and growth. */
    static final double MEMORY_HEADROOM = 0.7;

    /** The fewest MiB of task memory that hold this many workers at their peak. */
    static int memoryFor(int workers) {
        double needed = (SERVER_BASE_MIB + workers * WORKER_PEAK_MIB) / MEMORY_HEADROOM;
        return (int) Math.max(1024, Math.ceil(needed / 1024) * 1024);
    }

    /**
     * Rules that refuse a Workers count whose peak memory would pass 70% of TaskMemory, naming the
     * memory it needs; one rule for each group of counts that need the same memory.
     */
    static void addWorkerRules(Stack stack, CfnParameter workers, CfnParameter memory, int maxWorkers) {
        Map<Integer, List<String>> countsByMemory = new LinkedHashMap<>();
        for (int count = 1; count <= maxWorkers; count++) {
            countsByMemory.computeIfAbsent(memoryFor(count), needed -> new ArrayList<>()).add(String.valueOf(count));
        }
        List<Integer> allMemory = MEMORY_BY_CPU.values().stream().flatMap(List::stream).distinct().sorted().toList();
        countsByMemory.forEach((needed, counts) -> {
            if (needed <= allMemory.get(0)) {
                return;
            }
            List<String> enough = allMemory.stream().filter(mib -> mib >= needed).map(String::valueOf).toList();
            String range = counts.size() == 1 ? counts.get(0) : counts.get(0) + "-" + counts.get(counts.size() - 1);
            CfnRule rule = new CfnRule(stack, "WorkersFitMemory" + range.replace("-", "To"), CfnRuleProps.builder()
                    .ruleCondition(Fn.conditionContains(counts, workers.getValueAsString()))
                    .build());
            rule.addAssertion(Fn.conditionContains(enough, memory.getValueAsString()),
                    "Workers " + range + (counts.size() == 1 ? " needs" : " need") + " TaskMemory " + needed + " or more: each worker peaks at about "
                            + WORKER_PEAK_MIB + " MiB and the rest of the server at " + SERVER_BASE_MIB
                            + " MiB, within 70% of the task's memory. Lower Workers or raise TaskMemory (and TaskCpu).");
        });
    }

    static void addRules(Stack stack, CfnParameter cpu, CfnParameter memory) {
        MEMORY_BY_CPU.forEach((cpuValue, memoryValues) -> {
            List<String> allowed = memoryValues.stream().map(String::valueOf).toList();
            CfnRule rule = new CfnRule(stack, "TaskMemoryFitsCpu" + cpuValue, CfnRuleProps.builder()
                    .ruleCondition(Fn.conditionEquals(cpu.getValueAsString(), String.valueOf(cpuValue)))
                    .build());
            rule.addAssertion(Fn.conditionContains(allowed, memory.getValueAsString()),
                    "With TaskCpu " + cpuValue + ", TaskMemory must be one of " + String.join(", ", allowed));
        });
    }
}
