package dev.jvs.director.ha;

import dev.jvs.director.config.Command;
import dev.jvs.director.config.VrrpConfig;
import dev.jvs.director.notify.Notifier;
import dev.jvs.vrrp.SyncGroup;
import dev.jvs.vrrp.VrrpState;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** keepalived's notify scripts of instances and sync groups, run on their transitions. */
final class Notifications
{
    private final Notifier notifier;
    private final Consumer<String> log;
    private final Map<SyncGroup, Map<String, Command>> scripts = new LinkedHashMap<>();
    /** The state each group last reached as a whole. */
    private final Map<SyncGroup, VrrpState> reached = new HashMap<>();

    Notifications(final Notifier notifier, final Consumer<String> log)
    {
        this.notifier = notifier;
        this.log = log;
    }

    /** Forget the groups (a reload makes new ones). */
    void clear()
    {
        scripts.clear();
        reached.clear();
    }

    /**
     * @param g a sync group.
     * @param byKeyword its scripts by keyword (notify_master, ..., notify).
     */
    void group(final SyncGroup g, final Map<String, Command> byKeyword)
    {
        scripts.put(g, byKeyword);
    }

    /**
     * An instance's transition, in keepalived's order: its script for the new state, the director's own
     * reaction, its sync group's scripts if the whole group is there now, then {@code notify} with "INSTANCE"
     * name state priority.
     *
     * @param c the instance's configuration.
     * @param to its new state.
     * @param priority its effective priority.
     * @param group its sync group, or null.
     * @param reaction what the director does, after the state's script.
     */
    void instance(final VrrpConfig.Instance c, final VrrpState to, final int priority, final SyncGroup group,
        final Runnable reaction)
    {
        final Command script = switch (to)
        {
            case MASTER -> c.notifyMaster();
            case BACKUP -> c.notifyBackup();
            case FAULT -> c.notifyFault();
            case STOP -> c.notifyStop();
            default -> null;
        };
        notifier.run(script, List.of());
        reaction.run();
        groupReached(group);
        if (VrrpState.INIT != to)
        {
            notifier.run(c.notifyScript(), List.of("INSTANCE", c.name(), to.name(), String.valueOf(priority)));
        }
    }

    /**
     * keepalived's sync group notify: when every member has reached one state, the group's script for it runs,
     * and {@code notify} with "GROUP" name state.
     */
    private void groupReached(final SyncGroup g)
    {
        if (null == g)
        {
            return;
        }
        final VrrpState s = g.members().get(0).state();
        if (g.members().stream().anyMatch(m -> m.state() != s) || s == reached.get(g) || VrrpState.INIT == s)
        {
            return;
        }
        reached.put(g, s);
        final Map<String, Command> byKeyword = scripts.getOrDefault(g, Map.of());
        final String key = switch (s)
        {
            case MASTER -> "notify_master";
            case BACKUP -> "notify_backup";
            case FAULT -> "notify_fault";
            default -> "notify_stop";
        };
        notifier.run(byKeyword.get(key), List.of());
        notifier.run(byKeyword.get("notify"), List.of("GROUP", g.name(), s.name()));
        log.accept("VRRP sync group " + g.name() + ": " + s);
    }
}
