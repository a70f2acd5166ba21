package dev.ballast.bench.fair;

import java.util.List;
import java.util.Locale;

/**
 * A self-contained SVG bar chart (no fonts or scripts fetched): one group of horizontal bars per subject, one bar per
 * metric, the bar at the median over the trials and a whisker from the smallest to the largest trial.
 */
public final class Svg {

    private Svg() {}

    /** One bar: the median and the range over the trials. */
    public record Bar(String series, double median, double min, double max) {}

    /** The bars of one subject. */
    public record Group(String label, List<Bar> bars) {}

    private static final String[] COLOURS = {"#3b6ea8", "#d9822b", "#5a9e4b", "#a04a8c", "#7f7f7f"};
    private static final int WIDTH = 820;
    private static final int LABEL = 230;
    private static final int RIGHT = 110;
    private static final int ROW = 18;
    private static final int GAP = 10;
    private static final int TOP = 52;

    public static String bars(String title, String unit, List<Group> groups) {
        List<String> series = groups.isEmpty()
                ? List.of()
                : groups.getFirst().bars().stream().map(Bar::series).toList();
        double top = 0;
        for (Group group : groups) {
            for (Bar bar : group.bars()) {
                top = Math.max(top, Double.isNaN(bar.max()) ? bar.median() : bar.max());
            }
        }
        top = niceCeiling(top <= 0 || Double.isNaN(top) ? 1 : top);
        int plot = WIDTH - LABEL - RIGHT;
        int rows = groups.stream().mapToInt(g -> g.bars().size()).sum();
        int height = TOP + rows * ROW + groups.size() * GAP + 50;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH,
                height,
                WIDTH,
                height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"10\" y=\"38\" fill=\"#555\">bar: median over trials; whisker: min–max; %s</text>%n",
                escape(unit)));
        for (int s = 0; s < series.size() && series.size() > 1; s++) {
            int x = LABEL + s * 150;
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    x,
                    TOP - 12,
                    COLOURS[s % COLOURS.length],
                    x + 14,
                    TOP - 3,
                    escape(series.get(s))));
        }
        int bottom = height - 40;
        for (int tick = 0; tick <= 4; tick++) {
            double value = top * tick / 4;
            double x = LABEL + plot * (double) tick / 4;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
                    x,
                    TOP,
                    x,
                    bottom,
                    x,
                    bottom + 16,
                    Stats.format(value)));
        }
        int y = TOP + 4;
        for (Group group : groups) {
            int groupHeight = group.bars().size() * ROW;
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL - 8,
                    y + groupHeight / 2 + 4,
                    escape(group.label())));
            for (int b = 0; b < group.bars().size(); b++) {
                Bar bar = group.bars().get(b);
                double w = Double.isNaN(bar.median()) ? 0 : plot * bar.median() / top;
                int barY = y + b * ROW + 2;
                svg.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL,
                        barY,
                        w,
                        ROW - 4,
                        COLOURS[b % COLOURS.length]));
                if (!Double.isNaN(bar.min()) && !Double.isNaN(bar.max())) {
                    double x1 = LABEL + plot * bar.min() / top;
                    double x2 = LABEL + plot * bar.max() / top;
                    int mid = barY + (ROW - 4) / 2;
                    svg.append(String.format(
                            Locale.ROOT,
                            "<path d=\"M%.1f %dH%.1fM%.1f %dV%dM%.1f %dV%d\" stroke=\"#222\" fill=\"none\"/>%n",
                            x1,
                            mid,
                            x2,
                            x1,
                            mid - 4,
                            mid + 4,
                            x2,
                            mid - 4,
                            mid + 4));
                }
                double textX = LABEL + Math.max(w, Double.isNaN(bar.max()) ? w : plot * bar.max() / top) + 6;
                svg.append(String.format(
                        Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
                        textX,
                        barY + ROW - 6,
                        Stats.format(bar.median())));
            }
            y += groupHeight + GAP;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** 1, 2 or 5 times a power of ten, at least {@code value}. */
    static double niceCeiling(double value) {
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
