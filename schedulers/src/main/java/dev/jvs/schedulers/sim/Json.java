package dev.jvs.schedulers.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader for one JSON value per line (RFC 8259): objects become {@link Map}s, arrays
 * {@link List}s, numbers {@link Double}s or {@link Long}s, strings, booleans and null as themselves. Small on
 * purpose: the trace format needs nothing more and a library is not worth a dependency.
 */
final class Json
{
    private final String s;
    private int i;

    private Json(final String s)
    {
        this.s = s;
    }

    /**
     * @param text one JSON text.
     * @return the value.
     * @throws IllegalArgumentException with the column of the first error.
     */
    static Object parse(final String text)
    {
        final Json p = new Json(text);
        p.ws();
        final Object v = p.value();
        p.ws();
        if (p.i != text.length())
        {
            throw p.error("unexpected '" + text.charAt(p.i) + "' after the value");
        }
        return v;
    }

    private IllegalArgumentException error(final String message)
    {
        return new IllegalArgumentException("column " + (i + 1) + ": " + message);
    }

    private void ws()
    {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\r' ||
            s.charAt(i) == '\n'))
        {
            i++;
        }
    }

    private Object value()
    {
        if (i >= s.length())
        {
            throw error("unexpected end of line");
        }
        final char c = s.charAt(i);
        return switch (c)
        {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default ->
            {
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    yield number();
                }
                throw error("unexpected '" + c + "'");
            }
        };
    }

    private Object literal(final String word, final Object v)
    {
        if (!s.startsWith(word, i))
        {
            throw error("expected " + word);
        }
        i += word.length();
        return v;
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == '}')
        {
            i++;
            return m;
        }
        while (true)
        {
            ws();
            if (i >= s.length() || s.charAt(i) != '"')
            {
                throw error("expected a quoted key");
            }
            final String k = string();
            ws();
            expect(':');
            ws();
            if (m.containsKey(k))
            {
                throw error("duplicate key \"" + k + "\"");
            }
            m.put(k, value());
            ws();
            if (i < s.length() && s.charAt(i) == ',')
            {
                i++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array()
    {
        final List<Object> a = new ArrayList<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == ']')
        {
            i++;
            return a;
        }
        while (true)
        {
            ws();
            a.add(value());
            ws();
            if (i < s.length() && s.charAt(i) == ',')
            {
                i++;
                continue;
            }
            expect(']');
            return a;
        }
    }

    private void expect(final char c)
    {
        if (i >= s.length() || s.charAt(i) != c)
        {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private String string()
    {
        final StringBuilder b = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= s.length())
            {
                throw error("unterminated string");
            }
            final char c = s.charAt(i++);
            if (c == '"')
            {
                return b.toString();
            }
            if (c < 0x20)
            {
                throw error("control character in string");
            }
            if (c != '\\')
            {
                b.append(c);
                continue;
            }
            if (i >= s.length())
            {
                throw error("unterminated escape");
            }
            final char e = s.charAt(i++);
            switch (e)
            {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' ->
                {
                    if (i + 4 > s.length())
                    {
                        throw error("short \\u escape");
                    }
                    try
                    {
                        b.append((char)Integer.parseInt(s.substring(i, i + 4), 16));
                    }
                    catch (final NumberFormatException ex)
                    {
                        throw error("bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object number()
    {
        final int start = i;
        if (s.charAt(i) == '-')
        {
            i++;
        }
        boolean integral = true;
        while (i < s.length())
        {
            final char c = s.charAt(i);
            if (c >= '0' && c <= '9')
            {
                i++;
            }
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
            {
                integral = false;
                i++;
            }
            else
            {
                break;
            }
        }
        final String t = s.substring(start, i);
        try
        {
            if (integral)
            {
                return Long.parseLong(t);
            }
            return Double.parseDouble(t);
        }
        catch (final NumberFormatException ex)
        {
            i = start;
            throw error("bad number '" + t + "'");
        }
    }
}
