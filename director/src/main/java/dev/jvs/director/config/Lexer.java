package dev.jvs.director.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads keepalived.conf text into {@link Statement}s, as keepalived's parser does: words separated by
 * blanks; {@code #} and {@code !} start a comment; {@code "..."} quotes a word with blanks; braces open and
 * close blocks (attached to words or not, on one line or many); {@code include PATTERN} splices in every file
 * the glob matches, relative to the including file. Unbalanced braces stop with the position of the brace.
 */
public final class Lexer
{
    private static final int MAX_INCLUDE_DEPTH = 8;

    private static final byte WORD = 0;
    private static final byte QUOTED = 1;
    private static final byte NEWLINE = 2;

    // The tokens (words, braces, line ends) in parallel arrays: a large file has most of a million, and an
    // object each, with a position object each, was half of what its parse allocated. A position is made only
    // when asked for (an error, a statement).
    private String[] text = new String[1024];
    private byte[] kind = new byte[1024];
    private int[] fileOf = new int[1024];
    private int[] lineOf = new int[1024];
    private int[] columnOf = new int[1024];
    private int count;
    private final List<Path> files = new ArrayList<>();
    /**
     * One string per distinct word: a large file repeats a few dozen keywords hundreds of thousands of times,
     * and the tokens live until the statements are built; a copy each was most of what a garbage collection
     * during the parse had to move.
     */
    private final java.util.HashMap<String, String> words = new java.util.HashMap<>();
    private int pos;
    private String configId = defaultConfigId();
    private Preprocessor pre;

    private Lexer()
    {
    }

    /**
     * Read a file and its includes.
     *
     * @param file the top file.
     * @return its statements.
     * @throws ConfigException on unbalanced braces, an unterminated quote, or an unreadable file.
     */
    public static List<Statement> read(final Path file) throws ConfigException
    {
        final Lexer l = new Lexer();
        l.tokenizeFile(file, 0, new Position(file, 1, 1));
        return l.statements(-1);
    }

    /**
     * Read text (tests).
     *
     * @param name the name to report in positions.
     * @param text the configuration.
     * @return its statements.
     * @throws ConfigException on syntax errors.
     */
    public static List<Statement> read(final Path name, final String text) throws ConfigException
    {
        return read(name, text, defaultConfigId());
    }

    /**
     * Tokenize and parse configuration text for a given config id (keepalived's {@code -i}).
     *
     * @param name file name to report.
     * @param text the text.
     * @param configId the id that "@ID" lines must name.
     * @return the top-level statements.
     * @throws ConfigException at the first syntax error.
     */
    public static List<Statement> read(final Path name, final String text, final String configId)
        throws ConfigException
    {
        final Lexer l = new Lexer();
        l.configId = configId;
        l.tokenize(name, text, 0);
        return l.statements(-1);
    }

    /** keepalived's default config id: the host name up to its first dot. */
    static String defaultConfigId()
    {
        try
        {
            final String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            final int dot = h.indexOf('.');
            return dot > 0 ? h.substring(0, dot) : h;
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private void add(final String s, final byte k, final int file, final int line, final int column)
    {
        if (count == text.length)
        {
            grow(count * 2);
        }
        text[count] = s;
        kind[count] = k;
        fileOf[count] = file;
        lineOf[count] = line;
        columnOf[count] = column;
        count++;
    }

    private void grow(final int n)
    {
        text = java.util.Arrays.copyOf(text, n);
        kind = java.util.Arrays.copyOf(kind, n);
        fileOf = java.util.Arrays.copyOf(fileOf, n);
        lineOf = java.util.Arrays.copyOf(lineOf, n);
        columnOf = java.util.Arrays.copyOf(columnOf, n);
    }

    private boolean is(final int k, final String s)
    {
        return WORD == kind[k] && s.equals(text[k]);
    }

    private boolean newline(final int k)
    {
        return NEWLINE == kind[k];
    }

    private Position at(final int k)
    {
        return new Position(files.get(fileOf[k]), lineOf[k], columnOf[k]);
    }

    private void tokenizeFile(final Path file, final int depth, final Position from) throws ConfigException
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException(from, "cannot read " + file + ": no such file");
        }
        catch (final IOException ex)
        {
            throw new ConfigException(from, "cannot read " + file + ": " + ex.getMessage());
        }
        tokenize(file, text, depth);
    }

    private void tokenize(final Path file, final String text, final int depth) throws ConfigException
    {
        if (null == pre)
        {
            pre = new Preprocessor(configId);
        }
        final String[] lines = lines(text);
        // About three tokens a line (its end included): grown once, not doubled a dozen times.
        if (count + lines.length * 3 > this.text.length)
        {
            grow(count + lines.length * 3);
        }
        files.add(file);
        final int f = files.size() - 1;
        pre.run(file, lines, (ln, s) -> tokenizeLine(file, f, ln, s, depth));
    }

    /** The text's lines, split at \n and \r\n without a regex (a large file has a quarter million). */
    static String[] lines(final String text)
    {
        final List<String> out = new ArrayList<>(Math.max(16, text.length() / 24));
        int start = 0;
        for (int i = 0; i < text.length(); i++)
        {
            if ('\n' == text.charAt(i))
            {
                out.add(text.substring(start, i > start && '\r' == text.charAt(i - 1) ? i - 1 : i));
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        return out.toArray(new String[0]);
    }

    private void tokenizeLine(final Path file, final int f, final int line, final String s, final int depth)
        throws ConfigException
    {
        // Straight into the token list: a per-line list and its copy cost a quarter of a large file's parse.
        final int first = count;
        int i = 0;
        while (i < s.length())
        {
            final char c = s.charAt(i);
            if (c == ' ' || c == '\t')
            {
                i++;
                continue;
            }
            if (c == '#' || c == '!')
            {
                break;
            }
            final int column = i + 1;
            if (c == '{' || c == '}')
            {
                add(c == '{' ? "{" : "}", WORD, f, line, column);
                i++;
                continue;
            }
            if (c == '"')
            {
                final int end = s.indexOf('"', i + 1);
                if (end < 0)
                {
                    throw new ConfigException(new Position(file, line, column), "unterminated quoted string");
                }
                add(literal(s.substring(i + 1, end)), QUOTED, f, line, column);
                i = end + 1;
                continue;
            }
            int j = i;
            while (j < s.length() && " \t{}\"#!".indexOf(s.charAt(j)) < 0)
            {
                j++;
            }
            add(word(literal(s.substring(i, j))), WORD, f, line, column);
            i = j;
        }
        if (count > first && is(first, "include"))
        {
            if (count != first + 2)
            {
                throw new ConfigException(at(first), "include takes one file name or pattern");
            }
            final String pattern = text[first + 1];
            final Position patternAt = at(first + 1);
            count = first;
            include(file, pattern, patternAt, depth);
            return;
        }
        add("", NEWLINE, f, line, s.length() + 1);
    }

    private String word(final String w)
    {
        final String known = words.putIfAbsent(w, w);
        return null != known ? known : w;
    }

    /** ${_HASH} and ${_BANG} become characters that start no comment. */
    private static String literal(final String s)
    {
        return s.indexOf(Preprocessor.HASH) < 0 && s.indexOf(Preprocessor.BANG) < 0 ? s :
            s.replace(Preprocessor.HASH, '#').replace(Preprocessor.BANG, '!');
    }

    private void include(final Path from, final String pattern, final Position patternAt, final int depth)
        throws ConfigException
    {
        if (depth >= MAX_INCLUDE_DEPTH)
        {
            throw new ConfigException(patternAt, "includes nested deeper than " + MAX_INCLUDE_DEPTH);
        }
        final Path base = null == from.getParent() ? Path.of(".") : from.getParent();
        final Path p = base.resolve(pattern);
        final String glob = p.getFileName().toString();
        if (glob.chars().noneMatch(ch -> ch == '*' || ch == '?' || ch == '['))
        {
            tokenizeFile(p, depth + 1, patternAt);
            return;
        }
        final PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        final Path dir = null == p.getParent() ? Path.of(".") : p.getParent();
        final List<Path> matched;
        try (Stream<Path> list = Files.list(dir))
        {
            matched = list.filter(f -> m.matches(f.getFileName())).sorted().toList();
        }
        catch (final IOException ex)
        {
            // keepalived: a pattern matching nothing is not an error.
            return;
        }
        for (final Path f : matched)
        {
            tokenizeFile(f, depth + 1, patternAt);
        }
    }

    /** @param opening the '{' token whose block this is, or -1 for the file's top level. */
    private List<Statement> statements(final int opening) throws ConfigException
    {
        final List<Statement> out = new ArrayList<>();
        while (pos < count)
        {
            final int t = pos;
            if (newline(t))
            {
                pos++;
                continue;
            }
            if (is(t, "}"))
            {
                if (opening < 0)
                {
                    throw new ConfigException(at(t), "'}' without a matching '{'");
                }
                pos++;
                return out;
            }
            if (is(t, "{"))
            {
                throw new ConfigException(at(t), "'{' must follow a keyword");
            }
            pos++;
            final int from = pos;
            while (pos < count && !newline(pos) && !is(pos, "{") && !is(pos, "}"))
            {
                pos++;
            }
            final String[] args = Arrays.copyOfRange(text, from, pos);
            final int[] columns = Arrays.copyOfRange(columnOf, from, pos);
            // A block may open on the same line or on the next one.
            int look = pos;
            while (look < count && newline(look))
            {
                look++;
            }
            List<Statement> children = null;
            if (look < count && is(look, "{") && (look == pos || lineOf[look] == lineOf[pos] + 1))
            {
                pos = look + 1;
                children = statements(look);
            }
            out.add(new Statement(text[t], Arrays.asList(args), columns, children, at(t)));
        }
        if (opening >= 0)
        {
            throw new ConfigException(at(opening), "'{' is never closed");
        }
        return out;
    }
}
