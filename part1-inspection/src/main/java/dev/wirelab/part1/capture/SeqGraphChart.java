package dev.wirelab.part1.capture;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws a {@link SeqGraph} as a PNG with XChart, the charting library part 3 uses too. */
public final class SeqGraphChart {

    public static final int WIDTH = 1000;
    public static final int HEIGHT = 600;

    private record Look(Marker marker, Color color) {
    }

    // Losses and what answers them in warm colours, the normal exchange in cool ones.
    private static final Map<String, Look> LOOKS = Map.of(
            SeqGraph.HELLO, new Look(SeriesMarkers.SQUARE, new Color(0x80, 0x80, 0x80)),
            SeqGraph.DATA, new Look(SeriesMarkers.CIRCLE, new Color(0x1f, 0x77, 0xb4)),
            SeqGraph.RETRANSMISSION, new Look(SeriesMarkers.DIAMOND, new Color(0xd6, 0x27, 0x28)),
            SeqGraph.ACK, new Look(SeriesMarkers.TRIANGLE_UP, new Color(0x2c, 0xa0, 0x2c)),
            SeqGraph.ODD_ACK, new Look(SeriesMarkers.TRIANGLE_DOWN, new Color(0xff, 0x7f, 0x0e)),
            SeqGraph.ERROR, new Look(SeriesMarkers.CROSS, new Color(0x94, 0x00, 0x60)),
            SeqGraph.CRC_BAD, new Look(SeriesMarkers.PLUS, new Color(0x00, 0x00, 0x00)));

    private SeqGraphChart() {
    }

    public static XYChart chart(SeqGraph graph) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("wirelab time-sequence graph: " + graph.summary())
                .xAxisTitle("time since the first frame (ms)").yAxisTitle("wirelab seq").build();
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setYAxisDecimalPattern("#0");
        for (SeqGraph.Series s : graph.series()) {
            double[] x = s.points().stream().mapToDouble(SeqGraph.Point::millis).toArray();
            double[] y = s.points().stream().mapToDouble(p -> p.seq()).toArray();
            XYSeries series = c.addSeries(s.name() + " (" + x.length + ")", x, y);
            Look look = LOOKS.get(s.name());
            series.setMarker(look.marker());
            series.setMarkerColor(look.color());
        }
        return c;
    }

    /** Writes the graph to {@code file} as a PNG of {@link #WIDTH} × {@link #HEIGHT} pixels. */
    public static void write(SeqGraph graph, Path file) throws IOException {
        if (graph.series().isEmpty()) {
            throw new IOException("no wirelab frame in the capture, so no sequence graph to draw (" + file + " not written)");
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = chart(graph);
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
