package dev.wirelab.part3;

import dev.wirelab.common.UserError;
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

    /** Fails with a {@link UserError} unless {@code file} can be written (its directory is created). */
    static void checkWritable(Path file) {
        if (Files.isDirectory(file)) {
            throw new UserError("cannot write chart to " + file + ": it is a directory");
        }
        try {
            Path dir = directory(file);
            // A real write is the only test that also holds for root and read-only file systems.
            Path probe = Files.createTempFile(dir, ".chart-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    static void write(List<Experiment.Result> results, Path file) {
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
        try {
            directory(file);
            try (OutputStream out = Files.newOutputStream(file)) {
                BitmapEncoder.saveBitmap(List.of(goodput, transmissions), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    private static Path directory(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        return Files.createDirectories(parent);
    }

    private static UserError cannotWrite(Path file, IOException e) {
        String why = switch (e) {
            case java.nio.file.FileAlreadyExistsException f -> f.getFile() + " exists and is not a directory";
            case java.nio.file.NoSuchFileException n -> "no such file or directory";
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return new UserError("cannot write chart to " + file + ": " + why);
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
