package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.vrrp.InstanceConfig;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The high-availability part of keepalived.conf, as {@link VrrpReader} reads it: {@code vrrp_instance},
 * {@code vrrp_sync_group}, {@code vrrp_script}, the track blocks and {@code lvs_sync_daemon}. Immutable values
 * compared by content, so a reload asks {@code equals} whether VRRP has anything to do. Positions are not part
 * of the values: a comment added above an instance changes nothing it runs.
 *
 * @param instances the instances, in declaration order.
 * @param syncGroups sync groups: name to member instance names.
 * @param groupNotify a sync group's notify scripts by keyword (notify_master, notify_backup, notify_fault,
 *     notify_stop, notify).
 * @param trackFiles track files by name.
 * @param trackProcesses vrrp_track_process blocks by name.
 * @param scripts vrrp_scripts by name.
 * @param syncDaemon lvs_sync_daemon, or null.
 */
public record VrrpConfig(
    List<Instance> instances, Map<String, List<String>> syncGroups, Map<String, Map<String, Command>> groupNotify,
    Map<String, TrackFile> trackFiles, Map<String, TrackProcess> trackProcesses, Map<String, Script> scripts,
    SyncDaemon syncDaemon)
{
    /**
     * A vrrp_instance: the state machine's configuration plus what the director does around it.
     *
     * @param cfg for the state machine.
     * @param notifyMaster notify_master (null: none); the same for the next three.
     * @param notifyBackup notify_backup.
     * @param notifyFault notify_fault.
     * @param notifyStop notify_stop.
     * @param notifyScript notify: called with "INSTANCE" name state priority.
     * @param trackInterfaces track_interface: interface to weight (0: FAULT when down).
     * @param trackScripts track_script: script name to weight override (null: the script's own).
     * @param smtpAlert smtp_alert: mail on this instance's transitions.
     * @param trackFilesUsed track_file: file name to weight override (null: the file's own).
     * @param trackProcessesUsed track_process: name to weight override (null: the process block's own).
     * @param strict strict_mode (or global vrrp_strict).
     * @param devices virtual_ipaddress's {@code dev}: the interface an address lives on, when not the instance's.
     */
    public record Instance(
        InstanceConfig cfg, Command notifyMaster, Command notifyBackup, Command notifyFault, Command notifyStop,
        Command notifyScript, Map<String, Integer> trackInterfaces, Map<String, Integer> trackScripts, boolean smtpAlert,
        Map<String, Tracked> trackFilesUsed, Map<String, Tracked> trackProcessesUsed, boolean strict,
        Map<IpAddress, String> devices)
    {
        /** @return the instance's name. */
        public String name()
        {
            return cfg.name();
        }
    }

    /** @param c an instance. @return its virtual_ipaddress, of its family, in order. */
    public static List<IpAddress> vips(final InstanceConfig c)
    {
        return addresses(c.addresses(), c.addresses6());
    }

    /** @param c an instance. @return what its master owns: the addresses and the excluded ones, either family. */
    public static List<IpAddress> owned(final InstanceConfig c)
    {
        final List<IpAddress> all = new java.util.ArrayList<>(vips(c));
        all.addAll(addresses(c.excludedAddresses(), c.excludedAddresses6()));
        return all;
    }

    /** @param c an instance. @return its virtual_ipaddress as text, separated by spaces. */
    public static String vipText(final InstanceConfig c)
    {
        return String.join(" ", vips(c).stream().map(IpAddress::toString).toList());
    }

    private static List<IpAddress> addresses(final int[] v4, final byte[] v6)
    {
        final List<IpAddress> l = new java.util.ArrayList<>();
        for (final int a : v4)
        {
            l.add(IpAddress.ofV4(a));
        }
        for (int i = 0; i + 16 <= v6.length; i += 16)
        {
            l.add(IpAddress.of(java.util.Arrays.copyOfRange(v6, i, i + 16)));
        }
        return l;
    }

    /**
     * The weight an instance gives a track_file or track_process it names.
     *
     * @param weight the multiplier.
     * @param reverse weight ... reverse.
     */
    public record Tracked(int weight, boolean reverse)
    {
    }

    /**
     * A vrrp_script.
     *
     * @param name its name.
     * @param script the command line.
     * @param intervalMs between runs (keepalived default 1 s).
     * @param timeoutMs how long a run may take (default: the interval).
     * @param weight priority change while it succeeds (weight &gt; 0) or while it fails (weight &lt; 0); 0: FAULT.
     * @param reverse weight ... reverse.
     * @param rise successes before it counts as up (default 1).
     * @param fall failures before it counts as down (default 1).
     * @param initFail start failed rather than up.
     */
    public record Script(String name, Command script, long intervalMs, long timeoutMs, int weight, boolean reverse,
        int rise, int fall, boolean initFail)
    {
    }

    /**
     * A track_file (vrrp_track_file): a number in a file, times a weight, added to priorities.
     *
     * @param name its name.
     * @param file the file.
     * @param weight default weight (keepalived's default 1).
     * @param reverse weight ... reverse.
     * @param initValue init_file VALUE, or null for none.
     * @param overwrite init_file ... overwrite.
     */
    public record TrackFile(String name, Path file, int weight, boolean reverse, String initValue, boolean overwrite)
    {
        /** @return the number in the file; anything else (or no file) counts as 0, as in keepalived. */
        public long value()
        {
            try
            {
                return Long.parseLong(java.nio.file.Files.readString(file).strip().split("\\s+")[0]);
            }
            catch (final java.io.IOException | NumberFormatException | ArrayIndexOutOfBoundsException ex)
            {
                return 0;
            }
        }
    }

    /**
     * A vrrp_track_process: how many processes match a command, against a quorum. The name is matched with
     * /proc/PID/comm, or with the command line (argv[0] and the parameters) when parameters are given or
     * full_command is set; zombies do not count.
     *
     * @param name its name.
     * @param command process NAME [PARAM ...].
     * @param paramMatch null (all parameters, exactly), "partial" (the first ones) or "initial" (the last a prefix).
     * @param weight default weight (keepalived's default 1).
     * @param reverse weight ... reverse.
     * @param quorum fewest matching processes for success.
     * @param quorumMax most matching processes for success.
     * @param forkDelayMs wait after the quorum is gained before counting it up.
     * @param terminateDelayMs wait after the quorum is lost before counting it down.
     * @param fullCommand match the command line even without parameters.
     */
    public record TrackProcess(String name, List<String> command, String paramMatch, int weight, boolean reverse,
        int quorum, int quorumMax, long forkDelayMs, long terminateDelayMs, boolean fullCommand)
    {
        /**
         * @param comm the process's /proc/PID/comm.
         * @param argv its command line, split at NULs.
         * @return whether it is one of the tracked processes.
         */
        public boolean matches(final String comm, final List<String> argv)
        {
            final List<String> params = command.subList(1, command.size());
            if (!fullCommand && params.isEmpty() && null == paramMatch)
            {
                return command.get(0).equals(comm);
            }
            if (argv.isEmpty() || !command.get(0).equals(argv.get(0)))
            {
                return false;
            }
            final List<String> have = argv.subList(1, argv.size());
            if (null == paramMatch)
            {
                // full_command alone: any parameters; parameters given: exactly those.
                return params.isEmpty() || have.equals(params);
            }
            if (params.isEmpty())
            {
                return have.isEmpty();
            }
            if (have.size() < params.size())
            {
                return false;
            }
            for (int i = 0; i < params.size(); i++)
            {
                final boolean prefix = i == params.size() - 1 && "initial".equals(paramMatch);
                if (!(prefix ? have.get(i).startsWith(params.get(i)) : have.get(i).equals(params.get(i))))
                {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * lvs_sync_daemon IFACE INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR].
     *
     * @param iface interface it sends and receives on.
     * @param instance the VRRP instance whose state decides master (send) or backup (receive), or null.
     * @param syncId only messages with this id are accepted (0 accepts any).
     * @param maxLen largest message (0: the interface MTU minus headers, as IPVS).
     * @param port UDP port (IPVS default 8848).
     * @param ttl TTL of sent messages (IPVS default 1).
     * @param group multicast group (IPVS default 224.0.0.81).
     */
    public record SyncDaemon(String iface, String instance, int syncId, int maxLen, int port, int ttl, int group)
    {
        /** IPVS's defaults for the options. */
        static SyncDaemon of(final String iface, final String instance)
        {
            return new SyncDaemon(iface, instance, 0, 0, 8848, 1, 0xE0000051);
        }
    }

    /** @return an empty configuration (no VRRP). */
    public static VrrpConfig none()
    {
        return new VrrpConfig(List.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), null);
    }

    /** @param sd a sync daemon. @return this configuration with it. */
    public VrrpConfig withSyncDaemon(final SyncDaemon sd)
    {
        return new VrrpConfig(instances, syncGroups, groupNotify, trackFiles, trackProcesses, scripts, sd);
    }

    /** @param instance an instance's name. @return its sync group's name, or null. */
    public String syncGroupOf(final String instance)
    {
        for (final Map.Entry<String, List<String>> g : syncGroups.entrySet())
        {
            if (g.getValue().contains(instance))
            {
                return g.getKey();
            }
        }
        return null;
    }

    /** @param name an instance's name. @return it, or null. */
    public Instance instance(final String name)
    {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }

    /** @return an unmodifiable copy that keeps the order and allows null values (a map of overrides). */
    static <K, V> Map<K, V> frozen(final Map<K, V> m)
    {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
