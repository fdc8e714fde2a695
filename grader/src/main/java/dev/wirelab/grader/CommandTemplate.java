package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A student's command line with placeholders such as {@code {host}} and {@code {port}}, run
 * through {@code sh -c} once the grader knows their values. Each value is shell-quoted, so a value
 * can never become shell syntax. {@code ${VAR}} is the shell's, not a placeholder.
 */
public final class CommandTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("(?<!\\$)\\{([A-Za-z_]+)}");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._/:@%+=,-]+");
    /** What a fixed value of a placeholder looks like in a command: a word, or after = or :. */
    private static final Map<String, Pattern> FIXED = Map.of(
            "{port}", Pattern.compile("(?<![^\\s=:])(?:[1-9][0-9]{1,4})(?!\\S)"),
            "{host}", Pattern.compile("(?<![^\\s=])(?:localhost|127\\.0\\.0\\.1|::1)(?![^\\s:])"));

    private final String option;
    private final String template;

    private CommandTemplate(String option, String template) {
        this.option = option;
        this.template = template;
    }

    /**
     * Checks a template: not blank, only known placeholders, every required one present.
     *
     * @param option   the option it came from, for the error message ({@code --client})
     * @throws UserError (usage) naming what is wrong
     */
    public static CommandTemplate parse(String option, String template, Set<String> known, Set<String> required) {
        if (template == null || template.isBlank()) {
            throw new UserError(option + " needs a command, e.g. " + option + " 'python3 client.py {host} {port}'", Cli.USAGE);
        }
        if (template.indexOf('\0') >= 0 || template.indexOf('\n') >= 0) {
            throw new UserError(option + " must be one line of shell, without NUL or newline characters", Cli.USAGE);
        }
        Set<String> seen = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!known.contains(m.group(1))) {
                throw new UserError(option + ": unknown placeholder {" + m.group(1) + "}; known: " + braces(known), Cli.USAGE);
            }
            seen.add(m.group(1));
        }
        List<String> missing = new ArrayList<>();
        for (String r : new TreeSet<>(required)) {
            if (!seen.contains(r)) {
                missing.add("{" + r + "}");
            }
        }
        if (!missing.isEmpty()) {
            throw new UserError(option + " must contain " + String.join(" and ", missing)
                    + " (the grader replaces it with the real value), e.g. " + option + " '"
                    + withPlaceholders(template.strip(), missing) + "'", Cli.USAGE);
        }
        return new CommandTemplate(option, template);
    }

    /**
     * The template with each missing placeholder in the place a fixed value holds now (8080 becomes
     * {@code {port}}, localhost {@code {host}}), else appended: a student who wrote the port they
     * tried by hand must replace it, and a suggestion that keeps it and adds a fifth argument is wrong.
     */
    private static String withPlaceholders(String template, List<String> missing) {
        String t = template;
        List<String> appended = new ArrayList<>();
        for (String p : missing) {
            Pattern fixed = FIXED.get(p);
            Matcher m = fixed == null ? null : fixed.matcher(t);
            if (m != null && m.find()) {
                t = t.substring(0, m.start()) + p + t.substring(m.end());
            } else {
                appended.add(p);
            }
        }
        return appended.isEmpty() ? t : t + " " + String.join(" ", appended);
    }

    /** The command with every placeholder replaced by its shell-quoted value. */
    public String expand(Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("no value for {" + m.group(1) + "} in " + option);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(quote(v)));
        }
        m.appendTail(out);
        return out.toString();
    }

    public String template() {
        return template;
    }

    /** A word for {@code sh}: as it is when it holds no special character, else in single quotes. */
    public static String quote(String s) {
        if (!s.isEmpty() && SAFE.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String braces(Set<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : new TreeSet<>(names)) {
            b.append(b.isEmpty() ? "" : " ").append('{').append(n).append('}');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return template;
    }
}
