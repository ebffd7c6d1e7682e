package dmlflow.deployer.console;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows of columns as aligned lines: each column as wide as its widest cell, so that long names
 * and values never push a row out of line; the last column is left as long as it is.
 */
public final class Table {
    private final String indent;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String indent) {
        this.indent = indent;
    }

    public Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    public List<String> lines() {
        int columns = rows.stream().mapToInt(row -> row.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < row.length - 1; i++) {
                widths[i] = Math.max(widths[i], length(row[i]));
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < row.length; i++) {
                String cell = row[i] == null ? "" : row[i];
                line.append(cell);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - length(cell) + 2));
                }
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    private static int length(String cell) {
        return cell == null ? 0 : cell.codePointCount(0, cell.length());
    }
}
