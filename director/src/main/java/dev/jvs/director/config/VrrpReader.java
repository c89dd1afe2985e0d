package dev.jvs.director.config;

import dev.jvs.director.config.VrrpConfig.Script;
import dev.jvs.director.config.VrrpConfig.SyncDaemon;
import dev.jvs.director.config.VrrpConfig.TrackFile;
import dev.jvs.director.config.VrrpConfig.TrackProcess;
import dev.jvs.director.config.VrrpConfig.Tracked;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the high-availability part of keepalived.conf: {@code global_defs}, {@code vrrp_instance} (each by an
 * {@link InstanceReader}), {@code vrrp_sync_group}, {@code vrrp_script}, the track blocks and
 * {@code lvs_sync_daemon}, with keepalived's defaults. Keywords keepalived knows and jvs does not act on are
 * warned about with their position; real errors (a missing virtual_router_id or interface, a priority out of
 * range, a bad address, AH authentication) stop the load with file:line:column. What it read becomes the
 * immutable {@link VrrpConfig} and {@link GlobalDefs}.
 */
final class VrrpReader
{
    /** global_defs. */
    final GlobalDefsReader global = new GlobalDefsReader();
    /** The instances, in declaration order. */
    final List<InstanceReader> instances = new ArrayList<>();
    /** Sync groups: name to member instance names. */
    final Map<String, List<String>> syncGroups = new LinkedHashMap<>();
    /** A sync group's notify scripts by keyword (notify_master, notify_backup, notify_fault, notify_stop, notify). */
    final Map<String, Map<String, Command>> groupNotify = new LinkedHashMap<>();
    /** Track files by name. */
    final Map<String, TrackFile> trackFiles = new LinkedHashMap<>();
    /** vrrp_track_process blocks by name. */
    final Map<String, TrackProcess> trackProcesses = new LinkedHashMap<>();
    /** Scripts by name. */
    final Map<String, Script> scripts = new LinkedHashMap<>();
    /** lvs_sync_daemon, or null. */
    SyncDaemon syncDaemon;
    private Position syncDaemonAt;
    private final Map<String, Position> syncGroupAt = new LinkedHashMap<>();
    /** Sync groups with sync_group_tracking_weight: their members keep tracking weights. */
    private final Set<String> trackingWeightGroups = new java.util.HashSet<>();

    /**
     * Read the VRRP part of a configuration's top-level statements.
     *
     * @param top the statements.
     * @param kc the configuration being built (for warnings).
     * @return the VRRP part as read (made a value by {@link #build}, after the scripts are resolved).
     * @throws ConfigException at the first error.
     */
    static VrrpReader read(final List<Statement> top, final KeepalivedConfig kc) throws ConfigException
    {
        final VrrpReader v = new VrrpReader();
        final Defaults d = new Defaults();
        for (final Statement s : top)
        {
            if ("global_defs".equals(s.keyword()))
            {
                v.global.read(s, kc, v, d);
            }
        }
        for (final Statement s : top)
        {
            switch (s.keyword())
            {
                case "vrrp_instance" -> v.instance(InstanceReader.read(s, v, kc, d));
                case "vrrp_script" -> v.script(s, kc);
                case "track_file", "vrrp_track_file" -> v.trackFile(s, kc);
                case "vrrp_track_process" -> v.trackProcess(s, kc);
                case "vrrp_sync_group" -> v.syncGroup(s, kc);
                default ->
                {
                }
            }
        }
        v.validate(kc, d);
        return v;
    }

    /** global_defs values that are defaults of every instance. */
    static final class Defaults
    {
        int version = 2;
        long garpDelayMs = 5_000;
        int garpRepeat = 5;
        long garpRefreshMs;
        int garpRefreshRepeat = 1;
        boolean checkUnicastSource;
        boolean strict;
        boolean lowerPrioNoAdvert;
        boolean higherPrioSendAdvert;
        /** vrrp_garp_lower_prio_repeat; unset: vrrp_garp_master_repeat, as keepalived defaults it. */
        Integer garpLowerPrioRepeat;
    }



    void syncDaemon(final Statement k) throws ConfigException
    {
        final String iface = KeepalivedConfig.word(k, 0);
        String instance = null;
        if (k.args().size() > 1 && !Set.of("id", "maxlen", "port", "ttl", "group").contains(k.args().get(1)))
        {
            instance = k.args().get(1);
        }
        final SyncDaemon defaults = SyncDaemon.of(iface, instance);
        int syncId = defaults.syncId();
        int maxLen = defaults.maxLen();
        int port = defaults.port();
        int ttl = defaults.ttl();
        int group = defaults.group();
        for (int i = null == instance ? 1 : 2; i < k.args().size(); i += 2)
        {
            final String w = k.args().get(i);
            switch (w)
            {
                case "id" -> syncId = (int)KeepalivedConfig.number(k, i + 1, 0, 255, "lvs_sync_daemon id");
                case "maxlen" -> maxLen = (int)KeepalivedConfig.number(k, i + 1, 1, 65507, "lvs_sync_daemon maxlen");
                case "port" -> port = (int)KeepalivedConfig.number(k, i + 1, 1, 65535, "lvs_sync_daemon port");
                case "ttl" -> ttl = (int)KeepalivedConfig.number(k, i + 1, 1, 255, "lvs_sync_daemon ttl");
                case "group" -> group = KeepalivedConfig.address(k, i + 1, "lvs_sync_daemon group");
                default -> throw new ConfigException(k.argAt(i), "lvs_sync_daemon: unknown option '" + w +
                    "' (expected id, maxlen, port, ttl or group)");
            }
        }
        syncDaemon = new SyncDaemon(iface, instance, syncId, maxLen, port, ttl, group);
        syncDaemonAt = k.at();
    }

    /** Deprecated in keepalived (global_defs lvs_sync_daemon replaces it) but still honoured. */
    void syncDaemonInterface(final Statement k, final InstanceReader in, final KeepalivedConfig kc)
        throws ConfigException
    {
        if (null == syncDaemon)
        {
            syncDaemon = SyncDaemon.of(KeepalivedConfig.word(k, 0), in.cfg.name);
            syncDaemonAt = k.at();
        }
        kc.warnings.add(k.at().file() + ":" + k.at().line() + ": lvs_sync_daemon_interface is deprecated " +
            "(use lvs_sync_daemon in global_defs); read as lvs_sync_daemon " + KeepalivedConfig.word(k, 0) + " " +
            in.cfg.name);
    }

    private void script(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final String name = KeepalivedConfig.word(s, 0);
        Command script = null;
        long intervalMs = 1_000;
        long timeoutMs = 0;
        int weight = 0;
        boolean reverse = false;
        int rise = 1;
        int fall = 1;
        boolean initFail = false;
        String[] user = null;
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "script" -> script = kc.command("vrrp_script", KeepalivedConfig.word(k, 0), null, null, k.at());
                case "interval" -> intervalMs = Math.max(10, KeepalivedConfig.seconds(k));
                case "timeout" -> timeoutMs = KeepalivedConfig.seconds(k);
                case "weight" ->
                {
                    weight = (int)KeepalivedConfig.number(k, 0, -253, 253, "weight");
                    reverse = k.args().size() > 1 && "reverse".equals(k.args().get(1));
                }
                case "rise" -> rise = (int)KeepalivedConfig.number(k, 0, 1, 1_000_000, "rise");
                case "fall" -> fall = (int)KeepalivedConfig.number(k, 0, 1, 1_000_000, "fall");
                case "init_fail" -> initFail = true;
                case "user" -> user = new String[] {KeepalivedConfig.word(k, 0),
                    k.args().size() > 1 ? k.args().get(1) : null};
                default -> kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_script");
            }
        }
        if (null == script)
        {
            // keepalived: "No script set for vrrp_script - removing", and tracking it is then ignored.
            kc.warn(s, "vrrp_script " + name + " has no script: removed");
            return;
        }
        if (null != user)
        {
            script.user = user[0];
            script.group = user[1];
        }
        scripts.put(name, new Script(name, script, intervalMs, 0 == timeoutMs ? intervalMs : timeoutMs, weight,
            reverse, rise, fall, initFail));
    }

    private void trackFile(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final String name = KeepalivedConfig.word(s, 0);
        Path file = null;
        int weight = 1;
        boolean reverse = false;
        String initValue = null;
        boolean overwrite = false;
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "file" -> file = Path.of(KeepalivedConfig.word(k, 0));
                case "weight" ->
                {
                    weight = (int)KeepalivedConfig.number(k, 0, -2147483647, 2147483647, "weight");
                    reverse = k.args().size() > 1 && "reverse".equals(k.args().get(1));
                }
                case "init_file" ->
                {
                    initValue = k.args().isEmpty() || "overwrite".equals(k.args().get(0)) ? "0" : k.args().get(0);
                    overwrite = k.args().contains("overwrite");
                }
                default -> kc.warn(k, "unknown keyword '" + k.keyword() + "' in track_file");
            }
        }
        if (null == file)
        {
            kc.warn(s, "track_file " + name + " has no file: removed");
            return;
        }
        trackFiles.put(name, new TrackFile(name, file, weight, reverse, initValue, overwrite));
    }

    /** Warn about and forget what an instance tracks that no block defines. */
    private static void dropUnknown(final KeepalivedConfig kc, final InstanceReader i, final Map<String, Tracked> used,
        final Map<String, ?> defined, final String kind, final String keyword, final String block)
    {
        for (final String t : List.copyOf(used.keySet()))
        {
            if (!defined.containsKey(t))
            {
                final Position at = i.trackScriptAt.get(kind + t);
                kc.warnings.add(at.file() + ":" + at.line() + ": (" + i.cfg.name + ") " + keyword + " " + t +
                    " names no " + block + ", ignored");
                used.remove(t);
            }
        }
    }

    private void trackProcess(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final String name = KeepalivedConfig.word(s, 0);
        List<String> command = List.of();
        String paramMatch = null;
        int weight = 1;
        boolean reverse = false;
        int quorum = 1;
        int quorumMax = 65535;
        long forkDelayMs = 0;
        long terminateDelayMs = 0;
        boolean fullCommand = false;
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "process" -> command = List.copyOf(k.args());
                case "param_match" -> paramMatch = KeepalivedConfig.word(k, 0);
                case "weight" ->
                {
                    weight = (int)KeepalivedConfig.number(k, 0, -254, 254, "weight");
                    reverse = k.args().size() > 1 && "reverse".equals(k.args().get(1));
                }
                case "quorum" -> quorum = (int)KeepalivedConfig.number(k, 0, 0, 65535, "quorum");
                case "quorum_max" -> quorumMax = (int)KeepalivedConfig.number(k, 0, 0, 65535, "quorum_max");
                case "fork_delay" -> forkDelayMs = KeepalivedConfig.seconds(k);
                case "terminate_delay" -> terminateDelayMs = KeepalivedConfig.seconds(k);
                case "delay" -> forkDelayMs = terminateDelayMs = KeepalivedConfig.seconds(k);
                case "full_command" -> fullCommand = true;
                default -> kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_track_process");
            }
        }
        if (command.isEmpty())
        {
            kc.warn(s, "vrrp_track_process " + name + " has no process: removed");
            return;
        }
        trackProcesses.put(name, new TrackProcess(name, command, paramMatch, weight, reverse, quorum, quorumMax,
            forkDelayMs, terminateDelayMs, fullCommand));
    }

    private void syncGroup(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final String name = KeepalivedConfig.word(s, 0);
        final List<String> members = new ArrayList<>();
        for (final Statement k : children(s))
        {
            if ("group".equals(k.keyword()))
            {
                for (final Statement m : children(k))
                {
                    members.add(m.keyword());
                }
            }
            else if (Set.of("notify_master", "notify_backup", "notify_fault", "notify_stop", "notify")
                .contains(k.keyword()))
            {
                groupNotify.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(k.keyword(),
                    kc.command("notify", k));
            }
            else if ("sync_group_tracking_weight".equals(k.keyword()))
            {
                trackingWeightGroups.add(name);
            }
            else if ("global_tracking".equals(k.keyword()))
            {
                kc.warnAt(k.at(), "(" + name + ") global_tracking is deprecated. Use track_interface/script/file " +
                    "on the sync group");
                trackingWeightGroups.add(name);
            }
            else if (!"smtp_alert".equals(k.keyword()))
            {
                kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_sync_group");
            }
        }
        syncGroups.put(name, members);
        syncGroupAt.put(name, s.at());
    }

    /**
     * keepalived frees a vrrp_script its security check disabled, and every track_script naming it (the
     * instance then runs as if it were not tracked).
     *
     * @param kc for the warnings.
     */
    void dropDisabledScripts(final KeepalivedConfig kc)
    {
        for (final Script sc : List.copyOf(scripts.values()))
        {
            if (null != sc.script().disabled())
            {
                scripts.remove(sc.name());
                for (final InstanceReader i : instances)
                {
                    if (null != i.trackScripts.remove(sc.name()) || i.trackScripts.containsKey(sc.name()))
                    {
                        i.trackScripts.remove(sc.name());
                    }
                }
            }
        }
    }

    /** @param instance an instance's name. @return its sync group's name, or null. */
    private String syncGroupOf(final String instance)
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

    /**
     * keepalived does not let tracking move the priority of a sync group member (without
     * sync_group_tracking_weight: the group must change state as one) nor of the address owner: a weighted
     * tracked interface is then tracked without weight (a sync member) or not at all (the owner), a weighted
     * script is dropped, a track_file with the default weight 1 is tracked with weight 0 and one with another
     * weight is dropped; each with keepalived's warning.
     */
    private void ignoreTrackingWeights(final InstanceReader i, final KeepalivedConfig kc)
    {
        final String group = syncGroupOf(i.cfg.name);
        final boolean sync = null != group && !trackingWeightGroups.contains(group);
        if (!sync && 255 != i.cfg.priority)
        {
            return;
        }
        final String n = "(" + i.cfg.name + ")";
        final String why = sync ? "SYNC group" : "address_owner";
        for (final Map.Entry<String, Integer> t : List.copyOf(i.trackInterfaces.entrySet()))
        {
            if (0 != t.getValue())
            {
                kc.warnAt(i.at, n + " ignoring " + t.getKey() + " tracked interface " + (sync ? "weight " : "") +
                    "due to " + (sync ? "SYNC group" : "address owner"));
                if (sync)
                {
                    i.trackInterfaces.put(t.getKey(), 0);
                }
                else
                {
                    i.trackInterfaces.remove(t.getKey());
                }
            }
        }
        for (final Map.Entry<String, Integer> t : List.copyOf(i.trackScripts.entrySet()))
        {
            final int w = null != t.getValue() ? t.getValue() : scripts.get(t.getKey()).weight();
            if (0 != w)
            {
                kc.warnAt(i.at, n + " ignoring tracked script " + t.getKey() + " with weights due to " + why);
                i.trackScripts.remove(t.getKey());
            }
        }
        for (final Map.Entry<String, Tracked> t : List.copyOf(i.trackFilesUsed.entrySet()))
        {
            final TrackFile f = trackFiles.get(t.getKey());
            final int w = null != t.getValue() ? t.getValue().weight() : f.weight();
            if (1 == w)
            {
                kc.warnAt(i.at, n + " ignoring weight from tracked file " + f.file() + " due to " + why +
                    ". specify weight 0");
                i.trackFilesUsed.put(t.getKey(), new Tracked(0, null != t.getValue() && t.getValue().reverse()));
            }
            else if (0 != w)
            {
                kc.warnAt(i.at, n + " ignoring tracked file " + f.file() + " with weight " + w + " due to " + why);
                i.trackFilesUsed.remove(t.getKey());
            }
        }
    }

    private void validate(final KeepalivedConfig kc, final Defaults d) throws ConfigException
    {
        final Set<String> names = new java.util.HashSet<>();
        instances.forEach(i -> names.add(i.cfg.name));
        final Set<String> grouped = new java.util.HashSet<>();
        for (final Map.Entry<String, List<String>> g : syncGroups.entrySet())
        {
            for (final String m : g.getValue())
            {
                if (!names.contains(m))
                {
                    throw new ConfigException(syncGroupAt.get(g.getKey()), "vrrp_sync_group " + g.getKey() +
                        " names no vrrp_instance " + m);
                }
                if (!grouped.add(m))
                {
                    throw new ConfigException(syncGroupAt.get(g.getKey()), "vrrp_instance " + m +
                        " is in two sync groups");
                }
            }
        }
        for (final InstanceReader i : instances)
        {
            InstanceReader.complete(i, kc, d);
            dropUnknown(kc, i, i.trackProcessesUsed, trackProcesses, "process:", "track_process",
                "vrrp_track_process block");
            dropUnknown(kc, i, i.trackFilesUsed, trackFiles, "file:", "track_file", "track_file block");
            for (final String t : List.copyOf(i.trackScripts.keySet()))
            {
                if (!scripts.containsKey(t))
                {
                    final Position at = i.trackScriptAt.get(t);
                    kc.warnings.add(at.file() + ":" + at.line() + ": (" + i.cfg.name + ") track_script " + t +
                        " names no vrrp_script, ignored");
                    i.trackScripts.remove(t);
                }
            }
            ignoreTrackingWeights(i, kc);
        }
        if (null != syncDaemon && null != syncDaemon.instance() && !names.contains(syncDaemon.instance()))
        {
            throw new ConfigException(syncDaemonAt, "lvs_sync_daemon names no vrrp_instance " + syncDaemon.instance());
        }
    }

    static List<Statement> children(final Statement s) throws ConfigException
    {
        if (!s.isBlock())
        {
            throw new ConfigException(s.at(), s.keyword() + " needs a { } block");
        }
        return s.children();
    }

    private void instance(final InstanceReader in) throws ConfigException
    {
        final var c = in.cfg;
        for (final InstanceReader other : instances)
        {
            if (other.cfg.name.equals(c.name))
            {
                throw new ConfigException(in.at, "vrrp_instance " + c.name + " is declared twice (first at " +
                    other.at + ")");
            }
            // keepalived's check_vrid_conflicts: one VRID per interface and family (IPv4 and IPv6 are apart).
            if (other.cfg.vrid == c.vrid && other.cfg.iface.equals(c.iface) &&
                (0 == other.cfg.addresses6.length) == (0 == c.addresses6.length))
            {
                throw new ConfigException(in.at, "vrrp_instance " + c.name + ": virtual_router_id " + c.vrid +
                    " on " + c.iface + " is already used by " + other.cfg.name);
            }
        }
        instances.add(in);
    }

    /** @return what was read, as the value the director runs. */
    VrrpConfig build()
    {
        final Map<String, Map<String, Command>> notify = new LinkedHashMap<>();
        groupNotify.forEach((g, n) -> notify.put(g, VrrpConfig.frozen(n)));
        final Map<String, List<String>> groups = new LinkedHashMap<>();
        syncGroups.forEach((g, members) -> groups.put(g, List.copyOf(members)));
        return new VrrpConfig(instances.stream().map(InstanceReader::build).toList(), VrrpConfig.frozen(groups),
            VrrpConfig.frozen(notify), VrrpConfig.frozen(trackFiles), VrrpConfig.frozen(trackProcesses),
            VrrpConfig.frozen(scripts), syncDaemon);
    }

}
