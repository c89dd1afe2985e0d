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

    /** A word, a brace or a line's end; its position is made only when asked for (an error, a statement). */
    private record Token(String text, boolean quoted, boolean newline, Path file, int line, int column)
    {
        Position at()
        {
            return new Position(file, line, column);
        }

        boolean is(final String s)
        {
            return !quoted && !newline && s.equals(text);
        }
    }

    private final List<Token> tokens = new ArrayList<>();
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
        return l.statements(null);
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
        return l.statements(null);
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
        // About four tokens a line (and its end): grown once, not doubled a dozen times.
        ((ArrayList<Token>)tokens).ensureCapacity(tokens.size() + lines.length * 4);
        pre.run(file, lines, (ln, s) -> tokenizeLine(file, ln, s, depth));
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

    private void tokenizeLine(final Path file, final int line, final String s, final int depth)
        throws ConfigException
    {
        // Straight into the token list: a per-line list and its copy cost a quarter of a large file's parse.
        final int first = tokens.size();
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
                tokens.add(new Token(c == '{' ? "{" : "}", false, false, file, line, column));
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
                tokens.add(new Token(literal(s.substring(i + 1, end)), true, false, file, line, column));
                i = end + 1;
                continue;
            }
            int j = i;
            while (j < s.length() && " \t{}\"#!".indexOf(s.charAt(j)) < 0)
            {
                j++;
            }
            tokens.add(new Token(literal(s.substring(i, j)), false, false, file, line, column));
            i = j;
        }
        if (tokens.size() > first && tokens.get(first).is("include"))
        {
            if (tokens.size() != first + 2)
            {
                throw new ConfigException(tokens.get(first).at(), "include takes one file name or pattern");
            }
            final Token pattern = tokens.get(first + 1);
            tokens.subList(first, tokens.size()).clear();
            include(file, pattern, depth);
            return;
        }
        tokens.add(new Token("", false, true, file, line, s.length() + 1));
    }

    /** ${_HASH} and ${_BANG} become characters that start no comment. */
    private static String literal(final String s)
    {
        return s.indexOf(Preprocessor.HASH) < 0 && s.indexOf(Preprocessor.BANG) < 0 ? s :
            s.replace(Preprocessor.HASH, '#').replace(Preprocessor.BANG, '!');
    }

    private void include(final Path from, final Token pattern, final int depth) throws ConfigException
    {
        if (depth >= MAX_INCLUDE_DEPTH)
        {
            throw new ConfigException(pattern.at(), "includes nested deeper than " + MAX_INCLUDE_DEPTH);
        }
        final Path base = null == from.getParent() ? Path.of(".") : from.getParent();
        final Path p = base.resolve(pattern.text());
        final String glob = p.getFileName().toString();
        if (glob.chars().noneMatch(ch -> ch == '*' || ch == '?' || ch == '['))
        {
            tokenizeFile(p, depth + 1, pattern.at());
            return;
        }
        final PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        final Path dir = null == p.getParent() ? Path.of(".") : p.getParent();
        final List<Path> files;
        try (Stream<Path> list = Files.list(dir))
        {
            files = list.filter(f -> m.matches(f.getFileName())).sorted().toList();
        }
        catch (final IOException ex)
        {
            // keepalived: a pattern matching nothing is not an error.
            return;
        }
        for (final Path f : files)
        {
            tokenizeFile(f, depth + 1, pattern.at());
        }
    }

    private List<Statement> statements(final Token opening) throws ConfigException
    {
        final List<Statement> out = new ArrayList<>();
        while (pos < tokens.size())
        {
            final Token t = tokens.get(pos);
            if (t.newline())
            {
                pos++;
                continue;
            }
            if (t.is("}"))
            {
                if (null == opening)
                {
                    throw new ConfigException(t.at(), "'}' without a matching '{'");
                }
                pos++;
                return out;
            }
            if (t.is("{"))
            {
                throw new ConfigException(t.at(), "'{' must follow a keyword");
            }
            pos++;
            final int from = pos;
            while (pos < tokens.size() && !tokens.get(pos).newline() && !tokens.get(pos).is("{") &&
                !tokens.get(pos).is("}"))
            {
                pos++;
            }
            final String[] args = new String[pos - from];
            final int[] columns = new int[pos - from];
            for (int k = from; k < pos; k++)
            {
                args[k - from] = tokens.get(k).text();
                columns[k - from] = tokens.get(k).column();
            }
            // A block may open on the same line or on the next one.
            int look = pos;
            while (look < tokens.size() && tokens.get(look).newline())
            {
                look++;
            }
            List<Statement> children = null;
            if (look < tokens.size() && tokens.get(look).is("{") &&
                (look == pos || tokens.get(look).line() == tokens.get(pos).line() + 1))
            {
                final Token open = tokens.get(look);
                pos = look + 1;
                children = statements(open);
            }
            out.add(new Statement(t.text(), Arrays.asList(args), columns, children, t.at()));
        }
        if (null != opening)
        {
            throw new ConfigException(opening.at(), "'{' is never closed");
        }
        return out;
    }
}
