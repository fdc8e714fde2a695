package dev.wirelab.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code ```console} block of a docs page: commands typed after {@code $ } and the output the
 * page shows under each. A command ending in {@code &} runs in the background (a server) for the
 * rest of the block; its shown output is checked when the block ends.
 */
record ConsoleBlock(String page, int line, List<Step> steps) {

    record Step(String command, boolean background, List<String> expected) {
    }

    /** Every console block of a Markdown page. */
    static List<ConsoleBlock> parse(String page, String markdown) {
        List<ConsoleBlock> blocks = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].strip().equals("```console")) {
                continue;
            }
            int start = i + 1;
            List<Step> steps = new ArrayList<>();
            String command = null;
            List<String> expected = new ArrayList<>();
            for (i = start; i < lines.length && !lines[i].strip().equals("```"); i++) {
                String l = lines[i];
                if (l.startsWith("$ ")) {
                    if (command != null) {
                        steps.add(step(command, expected));
                    }
                    StringBuilder cmd = new StringBuilder(l.substring(2));
                    while (cmd.toString().endsWith("\\") && i + 1 < lines.length) {
                        cmd.setLength(cmd.length() - 1);
                        String joined = cmd.toString().stripTrailing();
                        cmd.setLength(0);
                        cmd.append(joined).append(' ').append(lines[++i].strip());
                    }
                    command = cmd.toString().strip();
                    expected = new ArrayList<>();
                } else if (command != null) {
                    expected.add(l);
                }
            }
            if (command != null) {
                steps.add(step(command, expected));
            }
            blocks.add(new ConsoleBlock(page, start, steps));
        }
        return blocks;
    }

    private static Step step(String command, List<String> expected) {
        boolean background = command.endsWith("&") && !command.endsWith("&&");
        String cmd = background ? command.substring(0, command.length() - 1).strip() : command;
        return new Step(cmd, background, List.copyOf(expected));
    }
}
