package dmlflow.deployer.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Columns as wide as their data: a long cell moves its column, never one row alone. */
class TableTest {
    @Test
    void aLongCellWidensItsColumnForEveryRow() {
        var lines = new Table("  ").row("A", "short", "x").row("AVeryLongParameterNameIndeed", "v", "(given)").lines();
        assertThat(lines).containsExactly(
                "  A                             short  x",
                "  AVeryLongParameterNameIndeed  v      (given)");
        assertThat(lines.get(0).indexOf("short")).isEqualTo(lines.get(1).indexOf("v"));
    }
}
