package dev.wirelab.part3;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiment's PNG: goodput (median, with the range of the repeated runs as small marks
 * above and below) and transmissions per message against the loss rate, one line per window.
 */
final class Chart {

    /** Colour-blind-safe (Okabe–Ito), one per series; a series and its range marks share one. */
    private static final Color[] COLORS = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), Color.BLACK};

    private Chart() {
    }

    /** Throws unless {@code file} can be written (its directory is created): a sweep of minutes must not end in "cannot write". */
    static void checkWritable(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("cannot write chart to " + file + ": it is a directory");
        }
        try {
            // A real write is the only test that also holds for root and read-only file systems.
            Path probe = Files.createTempFile(directory(file), ".chart-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    static void write(List<Sweep.Point> points, Path file) throws IOException {
        // No display needed: charts are drawn into an image in memory (CI and SSH sessions have no X server).
        System.setProperty("java.awt.headless", "true");
        XYChart goodput = chart("Goodput (median and range of the runs)", "messages delivered per second");
        // goodput falls with loss: the upper right corner is free for the legend
        goodput.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        XYChart transmissions = chart("Cost of faults", "transmissions per delivered message");
        Map<String, List<Sweep.Point>> series = new LinkedHashMap<>();
        boolean manyCorrupt = points.stream().map(p -> p.faults().corrupt()).distinct().count() > 1;
        for (Sweep.Point p : points) {
            String name = "window " + p.window() + (manyCorrupt ? String.format(Locale.ROOT, ", corrupt %.2f", p.faults().corrupt()) : "");
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(p);
        }
        Map<Double, Double> ideal = new TreeMap<>();
        int i = 0;
        for (Map.Entry<String, List<Sweep.Point>> e : series.entrySet()) {
            Color color = COLORS[i++ % COLORS.length];
            List<Sweep.Point> ps = e.getValue();
            double[] x = ps.stream().mapToDouble(p -> p.faults().loss()).toArray();
            colored(goodput.addSeries(e.getKey(), x, ps.stream().mapToDouble(Sweep.Point::medianGoodput).toArray()), color);
            rangeMarks(goodput, e.getKey() + " min", x, ps.stream().mapToDouble(Sweep.Point::minGoodput).toArray(), color);
            rangeMarks(goodput, e.getKey() + " max", x, ps.stream().mapToDouble(Sweep.Point::maxGoodput).toArray(), color);
            colored(transmissions.addSeries(e.getKey(), x, ps.stream().mapToDouble(Sweep.Point::transmissionsPerMessage).toArray()), color);
            if (!manyCorrupt) {
                ps.forEach(p -> ideal.put(p.faults().loss(), p.runs().get(0).idealTransmissions()));
            }
        }
        if (!ideal.isEmpty()) {
            XYSeries min = transmissions.addSeries("expected minimum 1/(1-p)", ideal.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                    ideal.values().stream().mapToDouble(Double::doubleValue).toArray());
            min.setMarker(SeriesMarkers.NONE);
            min.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            min.setLineColor(Color.GRAY);
        }
        try {
            directory(file);
            try (OutputStream out = Files.newOutputStream(file)) {
                BitmapEncoder.saveBitmap(List.of(goodput, transmissions), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    private static void colored(XYSeries s, Color color) {
        s.setLineColor(color);
        s.setMarkerColor(color);
    }

    /** Small marks without a line and without a legend entry. */
    private static void rangeMarks(XYChart chart, String name, double[] x, double[] y, Color color) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setLineStyle(SeriesLines.NONE);
        s.setMarker(SeriesMarkers.DIAMOND);
        s.setMarkerColor(color);
        s.setShowInLegend(false);
    }

    private static Path directory(Path file) throws IOException {
        return Files.createDirectories(file.toAbsolutePath().getParent());
    }

    private static IOException cannotWrite(Path file, IOException e) {
        String why = switch (e) {
            case FileAlreadyExistsException f -> f.getFile() + " exists and is not a directory";
            case NoSuchFileException n -> "no such file or directory";
            case AccessDeniedException a -> "permission denied";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return new IOException("cannot write chart to " + file + ": " + why);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("loss rate p").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(7);
        c.getStyler().setDecimalPattern("#,##0.##");
        return c;
    }
}
