package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart is a library class: it reports a path it cannot write as an IOException, which the command turns into one line. */
class ChartTest {

    @Test
    void aPathUnderAFileIsAnIoExceptionThatSaysWhy(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        IOException e = assertThrows(IOException.class, () -> Chart.checkWritable(file.resolve("chart.png")));
        assertEquals("cannot write chart to " + file.resolve("chart.png") + ": " + file + " exists and is not a directory", e.getMessage());
    }

    @Test
    void aDirectoryIsNoChartFile(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> Chart.checkWritable(dir));
        assertEquals("cannot write chart to " + dir + ": it is a directory", e.getMessage());
    }
}
