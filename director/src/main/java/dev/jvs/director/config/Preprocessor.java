package dev.jvs.director.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * keepalived.conf(5)'s "advanced configuration", applied to each line before it is tokenized:
 * <ul>
 * <li>conditional lines: {@code @ID rest} kept only for config id ID, {@code @^ID rest} for any other;</li>
 * <li>parameters: {@code $NAME=VALUE} defines, {@code $NAME} (followed by white space) and {@code ${NAME}} are
 *     replaced when used (not when defined), recursively; a value ending in {@code \} goes on over the next
 *     lines (a multi-line definition, expanded line by line, so conditionals and definitions inside it apply
 *     when it is used); an undefined parameter is left as it is;</li>
 * <li>the pre-defined {@code ${_PWD}}, {@code ${_INSTANCE}}, {@code ${_RANDOM [MIN [MAX]]}}, {@code ${_HASH}} and
 *     {@code ${_BANG}} (a '#' or '!' that does not start a comment);</li>
 * <li>{@code ~SEQ(var, [start,] [step,] end)}, {@code ~SEQx(...)} (hexadecimal) and
 *     {@code ~LST(var, v1, v2...)} / {@code ~LST({a, b}, {1, 2}, ...)}: the rest of the line once per value.</li>
 * </ul>
 * Definitions are global to the whole configuration and its includes, as in keepalived.
 */
final class Preprocessor
{
    /** Stands for a '#' that must not start a comment (tokens turn it back). */
    static final char HASH = '\u0001';
    /** Stands for a '!' that must not start a comment. */
    static final char BANG = '\u0002';

    private static final Pattern DEFINITION = Pattern.compile("^\\s*\\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$");
    private static final Pattern BLOCK = Pattern.compile("^\\s*~(SEQx?|LST)\\(");
    private static final int MAX_DEPTH = 64;

    private final String configId;
    private final Map<String, String> params = new HashMap<>();

    /** @param configId keepalived's -i. */
    Preprocessor(final String configId)
    {
        this.configId = configId;
    }

    /**
     * Process the lines of one file.
     *
     * @param file the file (for ${_PWD} and positions).
     * @param lines its raw lines.
     * @param out receives (line number, logical line) for the tokenizer.
     * @throws ConfigException on a malformed ~SEQ or ~LST.
     */
    void run(final Path file, final String[] lines, final LineSink out) throws ConfigException
    {
        for (int i = 0; i < lines.length; i++)
        {
            final int ln = i + 1;
            final String raw = lines[i];
            final String keep = conditional(raw);
            if (null == keep)
            {
                continue;
            }
            final Matcher d = startsWith(keep, '$') ? DEFINITION.matcher(keep) : null;
            if (null != d && d.matches() && d.group(2).stripTrailing().endsWith("\\"))
            {
                // A multi-line definition: this line's rest and the next lines, each but the last ending in '\'.
                final StringBuilder v = new StringBuilder(strip(d.group(2)));
                while (i + 1 < lines.length)
                {
                    final String next = lines[++i];
                    if (next.isBlank())
                    {
                        // keepalived skips empty lines inside a multi-line definition (its man page has some).
                        continue;
                    }
                    final boolean more = next.stripTrailing().endsWith("\\");
                    if (v.length() > 0)
                    {
                        v.append('\n');
                    }
                    v.append(more ? strip(next) : next);
                    if (!more)
                    {
                        break;
                    }
                }
                params.put(d.group(1), v.toString());
                continue;
            }
            line(file, ln, keep, out, 0);
        }
    }

    /** A logical line for the tokenizer. */
    @FunctionalInterface
    interface LineSink
    {
        /**
         * @param line the source line number.
         * @param text the processed line.
         * @throws ConfigException on a syntax error.
         */
        void accept(int line, String text) throws ConfigException;
    }

    private static String strip(final String s)
    {
        final String t = s.stripTrailing();
        return t.substring(0, t.length() - 1);
    }

    /** @return the line without its condition, or null when the condition leaves it out. */
    private String conditional(final String s)
    {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t'))
        {
            i++;
        }
        if (i >= s.length() || '@' != s.charAt(i))
        {
            return s;
        }
        int e = i + 1;
        while (e < s.length() && s.charAt(e) != ' ' && s.charAt(e) != '\t')
        {
            e++;
        }
        final boolean not = e > i + 1 && '^' == s.charAt(i + 1);
        final String id = s.substring(i + (not ? 2 : 1), e);
        return id.equals(configId) != not ? " ".repeat(e) + s.substring(e) : null;
    }

    private void line(final Path file, final int ln, final String text, final LineSink out, final int depth)
        throws ConfigException
    {
        if (depth > MAX_DEPTH)
        {
            throw new ConfigException(new Position(file, ln, 1), "parameters nested deeper than " + MAX_DEPTH +
                " (a parameter that contains itself?)");
        }
        final String s = conditional(text);
        if (null == s)
        {
            return;
        }
        // Most lines are neither a block, nor a definition, nor hold a parameter: no regex for them.
        final Matcher b = startsWith(s, '~') ? BLOCK.matcher(s) : null;
        if (null != b && b.find())
        {
            block(file, ln, s, b, out, depth);
            return;
        }
        final Matcher d = startsWith(s, '$') ? DEFINITION.matcher(s) : null;
        if (null != d && d.matches())
        {
            params.put(d.group(1), d.group(2).strip());
            return;
        }
        final String r = s.indexOf('$') < 0 ? s : substitute(file, s);
        if (r.equals(s))
        {
            out.accept(ln, s);
            return;
        }
        for (final String part : r.split("\n", -1))
        {
            line(file, ln, part, out, depth + 1);
        }
    }

    /** @return whether the first character that is no white space (a regex's \s) is {@code c}. */
    private static boolean startsWith(final String s, final char c)
    {
        for (int i = 0; i < s.length(); i++)
        {
            final char x = s.charAt(i);
            if (' ' != x && '\t' != x && '\u000B' != x && '\f' != x && '\r' != x && '\n' != x)
            {
                return c == x;
            }
        }
        return false;
    }

    /** One round of replacement of the defined parameters of a line. */
    private String substitute(final Path file, final String s)
    {
        final StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length())
        {
            final char c = s.charAt(i);
            if ('$' != c || i + 1 >= s.length())
            {
                b.append(c);
                i++;
                continue;
            }
            if ('{' == s.charAt(i + 1))
            {
                final int close = s.indexOf('}', i + 2);
                final String value = close < 0 ? null : value(file, s.substring(i + 2, close).strip());
                if (null == value)
                {
                    b.append(c);
                    i++;
                    continue;
                }
                b.append(value);
                i = close + 1;
                continue;
            }
            int e = i + 1;
            while (e < s.length() && (Character.isLetterOrDigit(s.charAt(e)) || '_' == s.charAt(e)))
            {
                e++;
            }
            final boolean delimited = e >= s.length() || Character.isWhitespace(s.charAt(e));
            final String value = e > i + 1 && delimited ? value(file, s.substring(i + 1, e)) : null;
            if (null == value)
            {
                b.append(c);
                i++;
                continue;
            }
            b.append(value);
            i = e;
        }
        return b.toString();
    }

    private String value(final Path file, final String ref)
    {
        final String[] w = ref.split("\\s+");
        switch (w[0])
        {
            case "_PWD":
                return null == file.toAbsolutePath().getParent() ? "/" : file.toAbsolutePath().getParent().toString();
            case "_INSTANCE":
                return configId;
            case "_HASH":
                return String.valueOf(HASH);
            case "_BANG":
                return String.valueOf(BANG);
            case "_RANDOM":
                final int min = w.length > 1 ? Integer.parseInt(w[1]) : 0;
                final int max = w.length > 2 ? Integer.parseInt(w[2]) : 32767;
                return String.valueOf(ThreadLocalRandom.current().nextInt(min, Math.max(min, max) + 1));
            default:
                return 1 == w.length ? params.get(w[0]) : null;
        }
    }

    /** ~SEQ(var, [start,] [step,] end), ~SEQx(...), ~LST(var, values...) or ~LST({a, b}, {1, 2}, ...). */
    private void block(final Path file, final int ln, final String s, final Matcher b, final LineSink out,
        final int depth) throws ConfigException
    {
        final int open = b.end() - 1;
        final int close = matching(s, open);
        if (close < 0)
        {
            throw new ConfigException(new Position(file, ln, b.start() + 1), "~" + b.group(1) + "( is never closed");
        }
        final String spec = s.substring(open + 1, close);
        final String rest = s.substring(close + 1);
        final List<String> args = split(spec);
        final Position at = new Position(file, ln, b.start() + 1);
        if ("LST".equals(b.group(1)))
        {
            if (args.size() < 2)
            {
                throw new ConfigException(at, "~LST needs a variable and at least one value");
            }
            final List<String> vars = group(args.get(0));
            for (final String v : args.subList(1, args.size()))
            {
                final List<String> values = group(v);
                if (values.size() != vars.size())
                {
                    throw new ConfigException(at, "~LST: " + vars.size() + " variables but " + values.size() +
                        " values in " + v);
                }
                for (int k = 0; k < vars.size(); k++)
                {
                    params.put(vars.get(k), values.get(k));
                }
                line(file, ln, rest, out, depth + 1);
            }
            return;
        }
        final boolean hex = "SEQx".equals(b.group(1));
        if (args.size() < 2 || args.size() > 4)
        {
            throw new ConfigException(at, "~" + b.group(1) + " takes (var, [start,] [step,] end)");
        }
        final long end = number(at, args.get(args.size() - 1));
        final long start = args.size() >= 3 ? number(at, args.get(1)) : end >= 0 ? 1 : -1;
        final long step = 4 == args.size() ? number(at, args.get(2)) : end >= start ? 1 : -1;
        if (0 == step)
        {
            throw new ConfigException(at, "~" + b.group(1) + ": step 0");
        }
        for (long v = start; step > 0 ? v <= end : v >= end; v += step)
        {
            params.put(args.get(0), hex ? Long.toHexString(v) : Long.toString(v));
            line(file, ln, rest, out, depth + 1);
        }
    }

    private static long number(final Position at, final String s) throws ConfigException
    {
        try
        {
            final String t = s.strip().toLowerCase(Locale.ROOT);
            final boolean neg = t.startsWith("-");
            final String u = neg ? t.substring(1) : t;
            final long v = u.startsWith("0x") ? Long.parseLong(u.substring(2), 16) : Long.parseLong(u);
            return neg ? -v : v;
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(at, "'" + s.strip() + "' is not a number");
        }
    }

    private static int matching(final String s, final int open)
    {
        int depth = 0;
        for (int i = open; i < s.length(); i++)
        {
            if ('(' == s.charAt(i))
            {
                depth++;
            }
            else if (')' == s.charAt(i) && 0 == --depth)
            {
                return i;
            }
        }
        return -1;
    }

    /** Split on the commas outside {...}. */
    private static List<String> split(final String spec)
    {
        final List<String> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < spec.length(); i++)
        {
            final char c = spec.charAt(i);
            if ('{' == c)
            {
                depth++;
            }
            else if ('}' == c)
            {
                depth--;
            }
            else if (',' == c && 0 == depth)
            {
                out.add(spec.substring(from, i).strip());
                from = i + 1;
            }
        }
        out.add(spec.substring(from).strip());
        return out;
    }

    /** "{a, b}" as [a, b]; "a" as [a]. */
    private static List<String> group(final String s)
    {
        final String t = s.strip();
        if (t.startsWith("{") && t.endsWith("}"))
        {
            final List<String> out = new ArrayList<>();
            for (final String p : t.substring(1, t.length() - 1).split(","))
            {
                out.add(p.strip());
            }
            return out;
        }
        return List.of(t);
    }

    /** For tests: the logical lines of a text. */
    static List<String> lines(final String configId, final String text) throws ConfigException
    {
        final List<String> out = new ArrayList<>();
        new Preprocessor(configId).run(Path.of("/etc/keepalived/keepalived.conf"), text.split("\r?\n", -1),
            (ln, t) -> out.add(t.replace(HASH, '#').replace(BANG, '!')));
        return out;
    }
}
