package dmlflow.template.docs;

import static dmlflow.template.docs.DiagramGeometry.CLEARANCE;

import dmlflow.template.docs.DiagramGeometry.Font;
import dmlflow.template.docs.DiagramGeometry.Point;
import dmlflow.template.docs.DiagramGeometry.Rect;
import dmlflow.template.docs.DiagramGeometry.Segment;
import dmlflow.template.docs.DiagramGeometry.Text;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts each arrow's label beside its line where it touches no other text, line or border. Each
 * placed label is taken too, so later labels keep clear of it; the order of placing matters.
 */
final class LabelPlacer {
    private final Rect canvas;
    private final List<Rect> taken = new ArrayList<>();
    private final List<Rect> frames;
    private final List<Segment> strokes;

    /**
     * @param texts   what is written already (titles, box lines, the legend)
     * @param frames  borders a label may lie inside or outside of, never across
     * @param strokes every arrow's line and arrowhead
     */
    LabelPlacer(Rect canvas, List<Text> texts, List<Rect> frames, List<Segment> strokes) {
        this.canvas = canvas;
        texts.forEach(text -> taken.add(text.bounds()));
        this.frames = List.copyOf(frames);
        this.strokes = List.copyOf(strokes);
    }

    /** The first clear spot from the middle of the line outwards; the middle if none is; null for no label. */
    Text place(Segment line, String label) {
        if (label.isEmpty()) {
            return null;
        }
        for (int step = 0; step <= 72; step++) {
            double t = 0.5 + (step % 2 == 0 ? 1 : -1) * 0.0125 * ((step + 1) / 2);
            for (Text candidate : besides(line, t, label)) {
                if (isClear(candidate.bounds().grown(CLEARANCE))) {
                    taken.add(candidate.bounds());
                    return candidate;
                }
            }
        }
        Point middle = line.at(0.5);
        return new Text(Math.round(middle.x()), Math.round(middle.y()), Font.LABEL, true, label);
    }

    /** The label above, below, right and left of the point at t, just clear of the line however it slopes. */
    private static List<Text> besides(Segment line, double t, String label) {
        Point p = line.at(t);
        double dx = Math.abs(line.to().x() - line.from().x());
        double dy = Math.abs(line.to().y() - line.from().y());
        double w = Font.LABEL.width(label);
        double h = 1.2 * Font.LABEL.size;
        List<Text> above = new ArrayList<>();
        List<Text> aside = new ArrayList<>();
        if (dx > 0) {
            double lift = CLEARANCE + 1 + dy / dx * (w / 2 + CLEARANCE);
            above.add(Text.centredIn(new Rect(p.x() - w / 2, p.y() - lift - h, w, h), Font.LABEL, label));
            above.add(Text.centredIn(new Rect(p.x() - w / 2, p.y() + lift, w, h), Font.LABEL, label));
        }
        if (dy > 0) {
            double shift = CLEARANCE + 1 + dx / dy * (h / 2 + CLEARANCE);
            aside.add(Text.centredIn(new Rect(p.x() + shift, p.y() - h / 2, w, h), Font.LABEL, label));
            aside.add(Text.centredIn(new Rect(p.x() - shift - w, p.y() - h / 2, w, h), Font.LABEL, label));
        }
        List<Text> all = new ArrayList<>(dx >= dy ? above : aside);
        all.addAll(dx >= dy ? aside : above);
        return all;
    }

    private boolean isClear(Rect label) {
        if (!canvas.contains(label) || taken.stream().anyMatch(label::overlaps)) {
            return false;
        }
        if (strokes.stream().anyMatch(stroke -> stroke.meets(label))) {
            return false;
        }
        return frames.stream().allMatch(frame -> frame.contains(label) || !frame.overlaps(label));
    }
}
