package io.switchboard.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A line chart of measured points written as PNG. Latency spans milliseconds to seconds between a
 * healthy and a collapsed step, so a latency chart puts its y axis on a log scale.
 */
public final class LineChart {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;
    private static final double SMALLEST_LOG_VALUE = 0.001;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<XYSeries> series = new ArrayList<>();

    public LineChart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /** Starts a line named {@code name}; add its points with {@link Line#point}. */
    public Line line(String name) {
        XYSeries line = new XYSeries(name, false, true);
        series.add(line);
        return new Line(line, logY);
    }

    /** One line of the chart. */
    public record Line(XYSeries series, boolean logY) {
        public Line point(double x, double y) {
            // a log axis cannot show 0; a latency below a microsecond is not measured anyway
            series.add(x, logY ? Math.max(y, SMALLEST_LOG_VALUE) : y);
            return this;
        }
    }

    private LogAxis logAxis() {
        LogAxis axis = new LogAxis(yLabel);
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
        return axis;
    }

    public void writePng(Path file) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach(data::addSeries);
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(true);
        ValueAxis y = logY ? logAxis() : new NumberAxis(yLabel);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
