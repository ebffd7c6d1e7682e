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
