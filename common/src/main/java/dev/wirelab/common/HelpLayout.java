package dev.wirelab.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * How every part's {@code --help} is laid out. picocli's own wrapping breaks lines wherever
 * {@link java.text.BreakIterator} allows, which includes inside paths ({@code ~/.} then
 * {@code wirelab/tls}), and its command list shows only the first element of a description array,
 * which ends wherever the source line did. Here picocli lays out the columns without wrapping,
 * then each line is wrapped at spaces only, continuing under its own column; the command list
 * shows each command's first whole sentence.
 */
final class HelpLayout {

    /** Wide enough that picocli itself never wraps a line; {@link #wrap} does. */
    private static final int UNWRAPPED = 1000;
    static final int MIN_WIDTH = 60;
    static final int MAX_WIDTH = 120;
    private static final String SECTION = "wirelab";

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
    /** A table row: names, then two or more spaces, then the description column. */
    private static final Pattern ROW = Pattern.compile("^(\\s*\\S.*?\\s{2,})\\S");
    private static final Pattern TOKEN = Pattern.compile("(\\s*)(\\S+)");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=\\p{Lu})");

    private HelpLayout() {
    }

    /** Installs the layout on {@code cl} and all its subcommands. */
    static void install(CommandLine cl) {
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(UNWRAPPED);
        Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>(cl.getHelpSectionMap());
        sections.put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commandList);
        List<String> keys = List.copyOf(cl.getHelpSectionKeys());
        Map<String, IHelpSectionRenderer> all = new LinkedHashMap<>(sections);
        // One section that renders picocli's sections in their usual order, then wraps the whole
        // text, so the synopsis is wrapped together with its "Usage: " heading.
        all.put(SECTION, help -> {
            StringBuilder text = new StringBuilder();
            for (String key : keys) {
                IHelpSectionRenderer renderer = sections.get(key);
                if (renderer != null) {
                    text.append(renderer.render(help));
                }
            }
            return wrap(text.toString(), width(help.commandSpec()), synopsisIndent(help.commandSpec()));
        });
        cl.setHelpSectionMap(all);
        cl.setHelpSectionKeys(List.of(SECTION));
    }

    /**
     * The help width: {@code COLUMNS} when set, else the terminal's width (80 when not a
     * terminal), kept within {@value #MIN_WIDTH}..{@value #MAX_WIDTH} so text stays readable.
     */
    static int width(CommandSpec spec) {
        int width;
        try {
            width = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "").strip());
        } catch (NumberFormatException notSet) {
            // Asks picocli for the terminal's width only now, when help is really printed; 80
            // is what it answers when there is no terminal.
            UsageMessageSpec usage = spec.usageMessage();
            width = usage.width(80).autoWidth(true).width();
            usage.autoWidth(false).width(UNWRAPPED);
        }
        return Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, width));
    }

    private static int synopsisIndent(CommandSpec spec) {
        return ("Usage: " + spec.qualifiedName() + " ").length();
    }

    /**
     * Wraps each line longer than {@code width} at spaces only. A continuation line starts under
     * the line's description column plus two (as picocli indents), under the command name for the
     * "Usage:" line, and under the line's own indentation otherwise. A word longer than the room
     * left stays whole on a line of its own.
     */
    static String wrap(String text, int width, int synopsisIndent) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(wrapLine(line, width, line.startsWith("Usage: ") ? synopsisIndent : hangingIndent(line)));
        }
        return out.toString();
    }

    private static int hangingIndent(String line) {
        Matcher row = ROW.matcher(line);
        if (row.find()) {
            return visibleLength(row.group(1)) + 2;
        }
        return visibleLength(line) - visibleLength(line.stripLeading());
    }

    private static String wrapLine(String line, int width, int indent) {
        if (visibleLength(line) <= width) {
            return line;
        }
        int hang = Math.min(indent, width / 2);
        StringBuilder out = new StringBuilder();
        int column = 0;
        boolean lineHasWord = false;
        Matcher token = TOKEN.matcher(line);
        while (token.find()) {
            String space = token.group(1);
            String word = token.group(2);
            int wordLength = visibleLength(word);
            if (lineHasWord && column + space.length() + wordLength > width) {
                out.append('\n').append(" ".repeat(hang));
                column = hang;
            } else {
                out.append(space);
                column += space.length();
            }
            out.append(word);
            column += wordLength;
            lineHasWord = true;
        }
        return out.toString();
    }

    static int visibleLength(String s) {
        return ANSI.matcher(s).replaceAll("").length();
    }

    /** The command list: each visible subcommand with the first sentence of what it does. */
    private static String commandList(Help help) {
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, Help> sub : help.subcommands().entrySet()) {
            CommandSpec spec = sub.getValue().commandSpec();
            if (spec.usageMessage().hidden() || !sub.getKey().equals(spec.name())) {
                continue; // aliases are listed with their command
            }
            List<String> names = new ArrayList<>(List.of(spec.name()));
            names.addAll(List.of(spec.aliases()));
            rows.add(new String[] {String.join(", ", names), summary(spec.usageMessage())});
        }
        int nameWidth = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            out.append("  ").append(row[0]).append(" ".repeat(nameWidth - row[0].length() + 2)).append(row[1]).append('\n');
        }
        return out.toString();
    }

    /** The command's header if it has one, else the first sentence of its description. */
    static String summary(UsageMessageSpec usage) {
        String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
        String text = String.join(" ", lines).replace("%n", " ").replace("%%", "%").replaceAll("\\s+", " ").strip();
        return Help.Ansi.OFF.string(SENTENCE_END.split(text, 2)[0]);
    }
}
