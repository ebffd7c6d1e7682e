package dmlflow.template.docs;

import java.util.Locale;

/**
 * The plane the architecture diagram is drawn on: points, line segments, rectangles and text
 * with the room it takes, measured the way the label placement and ArchitectureDiagramTest need.
 */
final class DiagramGeometry {
    /** Room kept between a label and whatever it must not touch. */
    static final double CLEARANCE = 3;

    private DiagramGeometry() {
    }

    record Point(double x, double y) {
    }

    record Segment(Point from, Point to) {
        Point at(double t) {
            return new Point(from.x() + (to.x() - from.x()) * t, from.y() + (to.y() - from.y()) * t);
        }

        /** Whether any part of the segment lies in the rectangle (Liang–Barsky clipping). */
        boolean meets(Rect r) {
            double dx = to.x() - from.x();
            double dy = to.y() - from.y();
            double[] p = {-dx, dx, -dy, dy};
            double[] q = {from.x() - r.x(), r.right() - from.x(), from.y() - r.y(), r.bottom() - from.y()};
            double enter = 0;
            double leave = 1;
            for (int i = 0; i < 4; i++) {
                if (p[i] == 0) {
                    if (q[i] < 0) {
                        return false;
                    }
                } else if (p[i] < 0) {
                    enter = Math.max(enter, q[i] / p[i]);
                } else {
                    leave = Math.min(leave, q[i] / p[i]);
                }
            }
            return enter <= leave;
        }
    }

    record Rect(double x, double y, double w, double h) {
        double right() {
            return x + w;
        }

        double bottom() {
            return y + h;
        }

        Point centre() {
            return new Point(x + w / 2, y + h / 2);
        }

        Rect grown(double by) {
            return new Rect(x - by, y - by, w + 2 * by, h + 2 * by);
        }

        boolean overlaps(Rect o) {
            return x < o.right() && o.x() < right() && y < o.bottom() && o.y() < bottom();
        }

        boolean contains(Rect o) {
            return x < o.x() && o.right() < right() && y < o.y() && o.bottom() < bottom();
        }
    }

    /**
     * The picture's three text styles. Widths are estimated per character, wide enough for DejaVu
     * Sans, the broadest of the sans-serif fonts a viewer falls back to for Helvetica: its widest
     * strings here average 0.664 em a character ("named DomainName"), 0.676 in bold ("NAT gateway").
     */
    enum Font {
        TITLE("title", 14, 0.72), LINE("line", 12, 0.68), LABEL("label", 11, 0.68);

        final String cssClass;
        final double size;
        final double perCharacter;

        Font(String cssClass, double size, double perCharacter) {
            this.cssClass = cssClass;
            this.size = size;
            this.perCharacter = perCharacter;
        }

        double width(String text) {
            return text.length() * size * perCharacter;
        }
    }

    record Text(double x, double y, Font font, boolean centred, String content) {
        /** Ascent and descent as DejaVu Sans has them (0.93 and 0.24 em), rounded up. */
        Rect bounds() {
            double w = font.width(content);
            return new Rect(centred ? x - w / 2 : x, y - 0.95 * font.size, w, 1.2 * font.size);
        }

        static Text centredIn(Rect r, Font font, String content) {
            return new Text(Math.round(r.centre().x()), Math.round(r.bottom() - 0.25 * font.size), font, true, content);
        }

        String svg() {
            return String.format("  <text x=\"%s\" y=\"%s\" class=\"%s\"%s>%s</text>%n", number(x), number(y), font.cssClass,
                    centred ? " text-anchor=\"middle\"" : "", escape(content));
        }
    }

    /** A coordinate as SVG gets it: whole numbers bare, anything else to one decimal, the same in every locale. */
    static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
