package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.List;

/** A health check of a real server, immutable, with every default resolved. */
public final class Check
{
    private final Position at;
    private final String type;
    private final IpAddress connectIp;
    private final int connectPort;
    private final IpAddress bindIp;
    private final int bindPort;
    private final long delayLoopMs;
    private final long connectTimeoutMs;
    private final int retry;
    private final long delayBeforeRetryMs;
    private final long warmupMs;
    private final String virtualhost;
    private final List<KeepalivedConfig.Url> urls;
    private final int dnsType;
    private final String dnsName;
    private final String heloName;
    private final String miscPath;
    private final Command misc;
    private final long miscTimeoutMs;
    private final boolean miscDynamic;
    private final byte[] udpPayload;
    private final String trackFile;
    private final Integer fileWeight;
    private final boolean fileReverse;
    private final boolean fileDynamic;
    private final boolean requireReply;
    private final byte[] replyPrefix;
    private final int minReplyLength;
    private final int maxReplyLength;

    Check(final CheckDraft d)
    {
        this.at = d.at;
        this.type = d.type;
        this.connectIp = d.connectIp;
        this.connectPort = d.connectPort;
        this.bindIp = d.bindIp;
        this.bindPort = d.bindPort;
        this.delayLoopMs = d.delayLoopMs;
        this.connectTimeoutMs = d.connectTimeoutMs;
        this.retry = d.retry;
        this.delayBeforeRetryMs = d.delayBeforeRetryMs;
        this.warmupMs = d.warmupMs;
        this.virtualhost = d.virtualhost;
        this.urls = List.copyOf(d.urls);
        this.dnsType = d.dnsType;
        this.dnsName = d.dnsName;
        this.heloName = d.heloName;
        this.miscPath = d.miscPath;
        this.misc = d.misc;
        this.miscTimeoutMs = d.miscTimeoutMs;
        this.miscDynamic = d.miscDynamic;
        this.udpPayload = d.udpPayload;
        this.trackFile = d.trackFile;
        this.fileWeight = d.fileWeight;
        this.fileReverse = d.fileReverse;
        this.fileDynamic = d.fileDynamic;
        this.requireReply = d.requireReply;
        this.replyPrefix = d.replyPrefix;
        this.minReplyLength = d.minReplyLength;
        this.maxReplyLength = d.maxReplyLength;
    }

    /** Where it is declared. */
    public Position at()
    {
        return at;
    }

    /** TCP_CHECK or HTTP_GET. */
    public String type()
    {
        return type;
    }

    /** Address to connect to (the real server's unless connect_ip). */
    public IpAddress connectIp()
    {
        return connectIp;
    }

    /** Port to connect to (the real server's unless connect_port). */
    public int connectPort()
    {
        return connectPort;
    }

    /** Source address or null. */
    public IpAddress bindIp()
    {
        return bindIp;
    }

    /** Source port or 0. */
    public int bindPort()
    {
        return bindPort;
    }

    /** Interval between checks. */
    public long delayLoopMs()
    {
        return delayLoopMs;
    }

    /** Timeout of the connect and of each read or write. */
    public long connectTimeoutMs()
    {
        return connectTimeoutMs;
    }

    /** Failures tolerated before the server goes down. */
    public int retry()
    {
        return retry;
    }

    /** Wait before a retry. */
    public long delayBeforeRetryMs()
    {
        return delayBeforeRetryMs;
    }

    /** The first check waits a random time up to this (keepalived's warmup; 0 none). */
    public long warmupMs()
    {
        return warmupMs;
    }

    /** Host header (HTTP_GET), or null for the connect address. */
    public String virtualhost()
    {
        return virtualhost;
    }

    /** URLs (HTTP_GET). */
    public List<KeepalivedConfig.Url> urls()
    {
        return urls;
    }

    /** DNS_CHECK: the query type's number (keepalived's default SOA = 6). */
    public int dnsType()
    {
        return dnsType;
    }

    /** DNS_CHECK: the name asked for (default the root). */
    public String dnsName()
    {
        return dnsName;
    }

    /** SMTP_CHECK: the HELO name. */
    public String heloName()
    {
        return heloName;
    }

    /** MISC_CHECK: the command line, run by /bin/sh. */
    public String miscPath()
    {
        return miscPath;
    }

    /** MISC_CHECK (and PING_CHECK's ping): what runs, as whom. */
    public Command misc()
    {
        return misc;
    }

    /** MISC_CHECK: how long it may run (default delay_loop). */
    public long miscTimeoutMs()
    {
        return miscTimeoutMs;
    }

    /** MISC_CHECK: exit status 2-255 sets the weight to status - 2. */
    public boolean miscDynamic()
    {
        return miscDynamic;
    }

    /** UDP_CHECK: the datagram sent; without {@code payload} a filler, as keepalived's layer4.c sends one. */
    public byte[] udpPayload()
    {
        return udpPayload;
    }

    /** FILE_CHECK: the track_file's name. */
    public String trackFile()
    {
        return trackFile;
    }

    /** FILE_CHECK: weight multiplier (null: the track_file's). */
    public Integer fileWeight()
    {
        return fileWeight;
    }

    /** FILE_CHECK: weight ... reverse. */
    public boolean fileReverse()
    {
        return fileReverse;
    }

    /** FILE_CHECK: the result adjusts the real server's weight. */
    public boolean fileDynamic()
    {
        return fileDynamic;
    }

    /** UDP_CHECK: a reply is needed (otherwise no ICMP error within connect_timeout is success). */
    public boolean requireReply()
    {
        return requireReply;
    }

    /** UDP_CHECK: what the reply must start with, or null. */
    public byte[] replyPrefix()
    {
        return replyPrefix;
    }

    /** UDP_CHECK: shortest and longest acceptable reply (0: any). */
    public int minReplyLength()
    {
        return minReplyLength;
    }

    /** See {@link #minReplyLength}. */
    public int maxReplyLength()
    {
        return maxReplyLength;
    }
}
