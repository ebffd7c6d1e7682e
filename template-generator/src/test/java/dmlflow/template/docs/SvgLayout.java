package dmlflow.template.docs;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Measures a picture the way a reader meets it: each text's box, each line with its arrowhead,
 * each rectangle's border. It does not trust the renderer's own bookkeeping: everything comes from
 * the SVG's elements, and its geometry is its own.
 */
final class SvgLayout {
    /**
     * Text sizes by CSS class, with a width per character broader than DejaVu Sans draws them (the
     * widest sans-serif a viewer falls back to for Helvetica: the picture's strings average at most
     * 0.664 em a character, 0.676 em in bold), and height from its ascent and descent (0.93, 0.24 em).
     */
    private static final Map<String, Font> FONTS = Map.of(
            "title", new Font(14, 0.72), "line", new Font(12, 0.68), "label", new Font(11, 0.68));
    /** Half the arrows' 1.5 px stroke, rounded up: a text this close to a line touches it. */
    private static final double STROKE = 1;

    private record Font(double size, double perCharacter) {
    }

    record Point(double x, double y) {
    }

    record Segment(Point a, Point b) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "(%.0f,%.0f)-(%.0f,%.0f)", a.x(), a.y(), b.x(), b.y());
        }
    }

    record Rect(double left, double top, double right, double bottom) {
        Rect grown(double by) {
            return new Rect(left - by, top - by, right + by, bottom + by);
        }

        boolean overlaps(Rect o) {
            return left < o.right && o.left < right && top < o.bottom && o.top < bottom;
        }

        boolean strictlyContains(Rect o) {
            return left < o.left && o.right < right && top < o.top && o.bottom < bottom;
        }

        boolean holds(Point p) {
            return left <= p.x() && p.x() <= right && top <= p.y() && p.y() <= bottom;
        }

        /** Whether the segment has a point in this rectangle: an end inside, or a crossing of a side. */
        boolean meets(Segment s) {
            if (holds(s.a()) || holds(s.b())) {
                return true;
            }
            Point[] corners = {new Point(left, top), new Point(right, top), new Point(right, bottom), new Point(left, bottom)};
            for (int i = 0; i < 4; i++) {
                if (intersect(s, new Segment(corners[i], corners[(i + 1) % 4]))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "[%.0f,%.0f %.0fx%.0f]", left, top, right - left, bottom - top);
        }
    }

    record Label(String text, Rect bounds) {
        @Override
        public String toString() {
            return "'" + text + "'";
        }
    }

    private final Rect canvas;
    private final List<Rect> frames = new ArrayList<>();
    private final List<Segment> strokes = new ArrayList<>();
    private final List<Label> labels = new ArrayList<>();

    private SvgLayout(Element svg) {
        canvas = new Rect(0, 0, number(svg, "width"), number(svg, "height"));
        for (Element rect : elements(svg, "rect")) {
            double x = number(rect, "x");
            double y = number(rect, "y");
            frames.add(new Rect(x, y, x + number(rect, "width"), y + number(rect, "height")));
        }
        for (Element line : elements(svg, "line")) {
            Segment segment = new Segment(new Point(number(line, "x1"), number(line, "y1")),
                    new Point(number(line, "x2"), number(line, "y2")));
            strokes.add(segment);
            if (line.getAttribute("class").contains("edge")) {
                strokes.addAll(arrowhead(segment));
            }
        }
        for (Element text : elements(svg, "text")) {
            labels.add(new Label(text.getTextContent(), bounds(text)));
        }
    }

    static SvgLayout of(String svg) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            Document document = factory.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
            return new SvgLayout(document.getDocumentElement());
        } catch (Exception e) {
            throw new AssertionError("not a well-formed SVG: " + e.getMessage(), e);
        }
    }

    List<Label> labels() {
        return labels;
    }

    /** Every place where a text touches what it must not, or two boxes cut into each other. */
    List<String> overlaps() {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            Label label = labels.get(i);
            Rect inked = label.bounds().grown(STROKE);
            if (!canvas.strictlyContains(label.bounds())) {
                found.add(label + " leaves the picture");
            }
            for (Label other : labels.subList(i + 1, labels.size())) {
                if (label.bounds().overlaps(other.bounds())) {
                    found.add(label + " overlaps " + other);
                }
            }
            for (Segment stroke : strokes) {
                if (inked.meets(stroke)) {
                    found.add(label + " is crossed by the line " + stroke);
                }
            }
            for (Rect frame : frames) {
                if (inked.overlaps(frame) && !frame.strictlyContains(inked)) {
                    found.add(label + " straddles the border of the box " + frame);
                }
            }
        }
        for (int i = 0; i < frames.size(); i++) {
            for (Rect other : frames.subList(i + 1, frames.size())) {
                Rect frame = frames.get(i);
                if (frame.overlaps(other) && !frame.strictlyContains(other) && !other.strictlyContains(frame)) {
                    found.add("the boxes " + frame + " and " + other + " cut into each other");
                }
            }
        }
        return found;
    }

    /** The marker's triangle: 7 units of a 1.5 px stroke long and wide, its tip a little past the line's end. */
    private static List<Segment> arrowhead(Segment line) {
        double length = Math.hypot(line.b().x() - line.a().x(), line.b().y() - line.a().y());
        double ux = (line.b().x() - line.a().x()) / length;
        double uy = (line.b().y() - line.a().y()) / length;
        Point tip = new Point(line.b().x() + 1.5 * ux, line.b().y() + 1.5 * uy);
        Point base = new Point(line.b().x() - 10.5 * ux, line.b().y() - 10.5 * uy);
        Point left = new Point(base.x() - 5.5 * uy, base.y() + 5.5 * ux);
        Point right = new Point(base.x() + 5.5 * uy, base.y() - 5.5 * ux);
        return List.of(new Segment(left, tip), new Segment(tip, right), new Segment(right, left));
    }

    private static Rect bounds(Element text) {
        Font font = FONTS.get(text.getAttribute("class"));
        if (font == null) {
            throw new AssertionError("a text of class '" + text.getAttribute("class") + "': give SvgLayout its font");
        }
        double width = text.getTextContent().length() * font.size() * font.perCharacter();
        double x = number(text, "x");
        double left = switch (text.getAttribute("text-anchor")) {
            case "middle" -> x - width / 2;
            case "end" -> x - width;
            default -> x;
        };
        double y = number(text, "y");
        return new Rect(left, y - 0.95 * font.size(), left + width, y + 0.25 * font.size());
    }

    private static boolean intersect(Segment s, Segment t) {
        double d1 = turn(t.a(), t.b(), s.a());
        double d2 = turn(t.a(), t.b(), s.b());
        double d3 = turn(s.a(), s.b(), t.a());
        double d4 = turn(s.a(), s.b(), t.b());
        return (d1 * d2 <= 0) && (d3 * d4 <= 0) && !(d1 == 0 && d2 == 0 && !overlapOnLine(s, t));
    }

    /** Twice the signed area of the triangle o, a, b: its sign says which side of o→a the point b is on. */
    private static double turn(Point o, Point a, Point b) {
        return (a.x() - o.x()) * (b.y() - o.y()) - (a.y() - o.y()) * (b.x() - o.x());
    }

    private static boolean overlapOnLine(Segment s, Segment t) {
        return Math.max(Math.min(s.a().x(), s.b().x()), Math.min(t.a().x(), t.b().x()))
                <= Math.min(Math.max(s.a().x(), s.b().x()), Math.max(t.a().x(), t.b().x()))
                && Math.max(Math.min(s.a().y(), s.b().y()), Math.min(t.a().y(), t.b().y()))
                <= Math.min(Math.max(s.a().y(), s.b().y()), Math.max(t.a().y(), t.b().y()));
    }

    private static List<Element> elements(Element root, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = root.getElementsByTagName(name);
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    private static double number(Element element, String attribute) {
        String value = element.getAttribute(attribute);
        if (value.isEmpty()) {
            throw new AssertionError("<" + element.getTagName() + "> without " + attribute);
        }
        return Double.parseDouble(value);
    }
}
