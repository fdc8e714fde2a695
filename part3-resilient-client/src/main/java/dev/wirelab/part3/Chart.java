package dev.wirelab.part3;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The experiment's PNG: goodput and transmissions per message against the loss rate, one line per window. */
final class Chart {

    private Chart() {
    }

    static void write(List<Experiment.Result> results, Path file) throws IOException {
        // No display needed: charts are drawn into an image in memory (CI and SSH sessions have no X server).
        System.setProperty("java.awt.headless", "true");
        XYChart goodput = chart("Goodput", "messages delivered per second");
        // goodput falls with loss: the upper right corner is free for the legend
        goodput.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        XYChart transmissions = chart("Cost of faults", "transmissions per delivered message");
        Map<String, List<Experiment.Result>> series = new LinkedHashMap<>();
        boolean manyCorrupt = results.stream().map(r -> r.faults().corrupt()).distinct().count() > 1;
        for (Experiment.Result r : results) {
            String name = "window " + r.window() + (manyCorrupt ? String.format(Locale.ROOT, ", corrupt %.2f", r.faults().corrupt()) : "");
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        }
        Map<Double, Double> ideal = new java.util.TreeMap<>();
        for (Map.Entry<String, List<Experiment.Result>> e : series.entrySet()) {
            List<Experiment.Result> rs = e.getValue();
            double[] x = rs.stream().mapToDouble(r -> r.faults().loss()).toArray();
            goodput.addSeries(e.getKey(), x, rs.stream().mapToDouble(r -> r.summary().goodputMessagesPerSecond()).toArray());
            transmissions.addSeries(e.getKey(), x, rs.stream().mapToDouble(r -> r.summary().transmissionsPerMessage()).toArray());
            if (!manyCorrupt) {
                rs.forEach(r -> ideal.put(r.faults().loss(), r.idealTransmissions()));
            }
        }
        if (!ideal.isEmpty()) {
            XYSeries min = transmissions.addSeries("expected minimum 1/(1-p)", ideal.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                    ideal.values().stream().mapToDouble(Double::doubleValue).toArray());
            min.setMarker(SeriesMarkers.NONE);
            min.setLineStyle(new java.awt.BasicStroke(2f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                    10f, new float[] {6f, 4f}, 0f));
            min.setLineColor(java.awt.Color.GRAY);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(List.of(goodput, transmissions), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("loss rate p").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setMarkerSize(7);
        c.getStyler().setDecimalPattern("#,##0.##");
        return c;
    }
}
