package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.ArrayList;
import java.util.List;

/** A {@code checker block} as it is read, before it is completed and made a {@link Check}. */
final class CheckDraft
{
    /** Where it is declared. */
    Position at;
    /** TCP_CHECK or HTTP_GET. */
    String type;
    /** Address to connect to (the real server's unless connect_ip). */
    IpAddress connectIp;
    /** Port to connect to (the real server's unless connect_port). */
    int connectPort;
    /** Source address or null. */
    IpAddress bindIp;
    /** Source port or 0. */
    int bindPort;
    /** Interval between checks. */
    long delayLoopMs;
    /** Timeout of the connect and of each read or write. */
    long connectTimeoutMs;
    /** Failures tolerated before the server goes down. */
    int retry;
    /** Wait before a retry. */
    long delayBeforeRetryMs;
    /** The first check waits a random time up to this (keepalived's warmup; 0 none). */
    long warmupMs;
    /** Host header (HTTP_GET), or null for the connect address. */
    String virtualhost;
    /** URLs (HTTP_GET). */
    final List<KeepalivedConfig.Url> urls = new ArrayList<>();
    /** DNS_CHECK: the query type's number (keepalived's default SOA = 6). */
    int dnsType = 6;
    /** DNS_CHECK: the name asked for (default the root). */
    String dnsName = ".";
    /** SMTP_CHECK: the HELO name. */
    String heloName = "smtpchecker.keepalived.org";
    /** MISC_CHECK: the command line, run by /bin/sh. */
    String miscPath;
    /** MISC_CHECK (and PING_CHECK's ping): what runs, as whom. */
    Command misc;
    /** MISC_CHECK: user [group] given with {@code user}, or null. */
    String[] miscUser;
    /** MISC_CHECK: how long it may run (default delay_loop). */
    long miscTimeoutMs;
    /** MISC_CHECK: exit status 2-255 sets the weight to status - 2. */
    boolean miscDynamic;
    /** UDP_CHECK: the datagram sent; without {@code payload} a filler, as keepalived's layer4.c sends one. */
    byte[] udpPayload = KeepalivedConfig.UDP_FILLER;
    /** FILE_CHECK: the track_file's name. */
    String trackFile;
    /** FILE_CHECK: weight multiplier (null: the track_file's). */
    Integer fileWeight;
    /** FILE_CHECK: weight ... reverse. */
    boolean fileReverse;
    /** FILE_CHECK: the result adjusts the real server's weight. */
    boolean fileDynamic;
    /** UDP_CHECK: a reply is needed (otherwise no ICMP error within connect_timeout is success). */
    boolean requireReply;
    /** UDP_CHECK: what the reply must start with, or null. */
    byte[] replyPrefix;
    /** UDP_CHECK: shortest and longest acceptable reply (0: any). */
    int minReplyLength;
    /** See {@link #minReplyLength}. */
    int maxReplyLength;
    // Set at this level (null: inherit).
    Long warmup;
    Long delayLoop;
    Long connectTimeout;
    Integer retries;
    Long delayBeforeRetry;

    /** @return a copy (an SMTP_CHECK host block starts from its check's options). */
    CheckDraft copy()
    {
        final CheckDraft c = new CheckDraft();
        c.at = at;
        c.type = type;
        c.connectIp = connectIp;
        c.connectPort = connectPort;
        c.bindIp = bindIp;
        c.bindPort = bindPort;
        c.virtualhost = virtualhost;
        c.urls.addAll(urls);
        c.dnsType = dnsType;
        c.dnsName = dnsName;
        c.heloName = heloName;
        c.miscPath = miscPath;
        c.miscUser = miscUser;
        c.miscTimeoutMs = miscTimeoutMs;
        c.miscDynamic = miscDynamic;
        c.udpPayload = udpPayload;
        c.trackFile = trackFile;
        c.fileWeight = fileWeight;
        c.fileReverse = fileReverse;
        c.fileDynamic = fileDynamic;
        c.requireReply = requireReply;
        c.replyPrefix = replyPrefix;
        c.minReplyLength = minReplyLength;
        c.maxReplyLength = maxReplyLength;
        c.warmup = warmup;
        c.delayLoop = delayLoop;
        c.connectTimeout = connectTimeout;
        c.retries = retries;
        c.delayBeforeRetry = delayBeforeRetry;
        return c;
    }
}
