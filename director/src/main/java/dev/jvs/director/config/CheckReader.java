package dev.jvs.director.config;

import dev.jvs.director.config.KeepalivedConfig.Url;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.jvs.director.config.KeepalivedConfig.address;
import static dev.jvs.director.config.KeepalivedConfig.number;
import static dev.jvs.director.config.KeepalivedConfig.seconds;
import static dev.jvs.director.config.KeepalivedConfig.word;

/**
 * Reads a real server's checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK,
 * PING_CHECK, MISC_CHECK, FILE_CHECK) with keepalived's keywords; their defaults are resolved by
 * {@link VirtualServerReader} once the virtual server is read.
 */
final class CheckReader
{
    private final KeepalivedConfig c;

    CheckReader(final KeepalivedConfig c)
    {
        this.c = c;
    }

    /**
     * A checker block: one check, or for an SMTP_CHECK with keepalived's legacy {@code host} blocks, one check
     * per host, each with the block's options and its own connect_ip, connect_port, bindto...
     */
    List<CheckDraft> checks(final Statement s, final RealServerDraft rs) throws ConfigException
    {
        final CheckDraft ch = new CheckDraft();
        ch.at = s.at();
        ch.type = s.keyword();
        ch.connectIp = rs.addr;
        if (!s.isBlock())
        {
            return List.of(ch);
        }
        final List<Statement> hosts = new ArrayList<>();
        for (final Statement k : s.children())
        {
            if ("host".equals(k.keyword()) && "SMTP_CHECK".equals(ch.type) && k.isBlock())
            {
                hosts.add(k);
            }
            else
            {
                option(ch, k);
            }
        }
        if (hosts.isEmpty())
        {
            return List.of(ch);
        }
        final List<CheckDraft> out = new ArrayList<>();
        for (final Statement h : hosts)
        {
            final CheckDraft one = ch.copy();
            one.at = h.at();
            for (final Statement k : h.children())
            {
                option(one, k);
            }
            out.add(one);
        }
        return out;
    }

    private void option(final CheckDraft ch, final Statement k) throws ConfigException
    {
        switch (k.keyword())
        {
            case "connect_ip" -> ch.connectIp = KeepalivedConfig.ipAddress(k, 0, "connect_ip");
            case "connect_port" -> ch.connectPort = (int)number(k, 0, 1, 65535, "connect_port");
            case "bindto" -> ch.bindIp = KeepalivedConfig.ipAddress(k, 0, "bindto");
            case "bind_port" -> ch.bindPort = (int)number(k, 0, 1, 65535, "bind_port");
            case "connect_timeout" -> ch.connectTimeout = seconds(k);
            case "delay_loop" -> ch.delayLoop = seconds(k);
            case "retry", "nb_get_retry" -> ch.retries = (int)number(k, 0, 0, 1_000_000, k.keyword());
            case "delay_before_retry" -> ch.delayBeforeRetry = seconds(k);
            case "virtualhost" -> ch.virtualhost = word(k, 0);
            case "misc_path" -> ch.miscPath = word(k, 0);
            case "helo_name" -> ch.heloName = word(k, 0);
            case "name" -> ch.dnsName = word(k, 0);
            case "type" ->
            {
                final Integer t = DNS_TYPES.get(word(k, 0).toUpperCase(java.util.Locale.ROOT));
                if (null == t)
                {
                    throw new ConfigException(k.argAt(0), "unknown DNS type '" + word(k, 0) + "': expected one of " +
                        String.join(" ", DNS_TYPES.keySet()));
                }
                ch.dnsType = t;
            }
            case "misc_timeout" -> ch.miscTimeoutMs = seconds(k);
            case "misc_dynamic" -> ch.miscDynamic = true;
            case "payload" -> ch.udpPayload = hex(k, String.join("", k.args()));
            case "track_file" -> ch.trackFile = word(k, 0);
            case "weight" ->
            {
                ch.fileWeight = (int)number(k, 0, -2147483647, 2147483647, "weight");
                ch.fileReverse = k.args().contains("reverse");
            }
            case "dynamic" -> ch.fileDynamic = true;
            case "require_reply" ->
            {
                ch.requireReply = true;
                ch.replyPrefix = k.args().isEmpty() ? null : hex(k, String.join("", k.args()));
            }
            case "min_reply_length" -> ch.minReplyLength = (int)number(k, 0, 0, 65507, "min_reply_length");
            case "max_reply_length" -> ch.maxReplyLength = (int)number(k, 0, 0, 65507, "max_reply_length");
            case "user" -> ch.miscUser = new String[] {word(k, 0), k.args().size() > 1 ? k.args().get(1) : null};
            case "warmup" -> ch.warmup = seconds(k);
            case "fwmark", "alpha" ->
            {
                // Accepted; jvs does not act on them yet.
            }
            case "url" ->
            {
                if (!"HTTP_GET".equals(ch.type) && !"SSL_GET".equals(ch.type))
                {
                    throw new ConfigException(k.at(), "url belongs in HTTP_GET or SSL_GET, not " + ch.type);
                }
                ch.urls.add(url(k));
            }
            default -> c.warn(k, "unknown keyword '" + k.keyword() + "' in " + ch.type);
        }
    }

    private Url url(final Statement s) throws ConfigException
    {
        String path = null;
        String digest = null;
        final java.util.Set<Integer> codes = new java.util.TreeSet<>();
        for (final Statement k : null == s.children() ? List.<Statement>of() : s.children())
        {
            switch (k.keyword())
            {
                case "path" -> path = word(k, 0);
                case "digest" ->
                {
                    digest = word(k, 0).toLowerCase(java.util.Locale.ROOT);
                    if (!digest.matches("[0-9a-f]{32}"))
                    {
                        throw new ConfigException(k.argAt(0), "digest '" + word(k, 0) +
                            "' is not an MD5 digest (32 hex digits, as genhash prints)");
                    }
                }
                case "status_code" ->
                {
                    for (int i = 0; i < k.args().size(); i++)
                    {
                        final String w = k.args().get(i);
                        final int dash = w.indexOf('-');
                        final Statement one = new Statement(k.keyword(), List.of(dash > 0 ? w.substring(0, dash) : w,
                            dash > 0 ? w.substring(dash + 1) : w), List.of(k.argAt(i), k.argAt(i)), null, k.at());
                        final int lo = (int)number(one, 0, 100, 599, "status_code");
                        final int hi = (int)number(one, 1, lo, 599, "status_code");
                        for (int c = lo; c <= hi; c++)
                        {
                            codes.add(c);
                        }
                    }
                }
                default -> c.warn(k, "unknown keyword '" + k.keyword() + "' in url");
            }
        }
        if (null == path)
        {
            throw new ConfigException(s.at(), "url needs a path");
        }
        return new Url(path, codes, digest);
    }

    /** A duration in seconds, with decimals as keepalived accepts them, in milliseconds. */
    /** keepalived's HEX_STR: hex digits, spaces and separators ignored. */
    private static byte[] hex(final Statement s, final String text) throws ConfigException
    {
        final String h = text.replaceAll("[^0-9A-Fa-f]", "");
        if (0 != h.length() % 2)
        {
            throw new ConfigException(s.argAt(0), s.keyword() + " '" + text + "' is not an even number of hex digits");
        }
        return java.util.HexFormat.of().parseHex(h);
    }

    /** Checkers keepalived has and jvs does not run yet: warned about, the server is then not checked by them. */
    static final Set<String> UNSUPPORTED_CHECKS = Set.of(
        "BFD_CHECK");

    /** The query types keepalived's DNS_CHECK knows. */
    private static final Map<String, Integer> DNS_TYPES = new java.util.TreeMap<>(Map.of(
        "A", 1, "NS", 2, "CNAME", 5, "SOA", 6, "MX", 15, "TXT", 16, "AAAA", 28));
}
