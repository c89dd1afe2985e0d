package dev.jvs.vrrp;

import java.util.List;

/**
 * A {@code vrrp_sync_group}: its instances move together, as keepalived moves them. One becoming master
 * takes the others to master; one going back to backup takes the others to backup; one in FAULT holds them
 * all in FAULT until it recovers. A NAT director needs this: the VIPs on the client side and the gateway
 * address on the real servers' side must be owned by the same director.
 */
public final class SyncGroup
{
    private final String name;
    private final List<VrrpInstance> members;
    private boolean moving;

    /**
     * @param name the group's name.
     * @param members its instances.
     */
    public SyncGroup(final String name, final List<VrrpInstance> members)
    {
        this.name = name;
        this.members = List.copyOf(members);
        for (final VrrpInstance i : this.members)
        {
            i.group(this);
        }
    }

    /** @return the name. */
    public String name()
    {
        return name;
    }

    /** @return the instances. */
    public List<VrrpInstance> members()
    {
        return members;
    }

    void onMemberChanged(final VrrpInstance who, final VrrpState to, final long now)
    {
        if (moving)
        {
            return;
        }
        moving = true;
        try
        {
            final String why = "sync group " + name + " follows " + who.config().name();
            for (final VrrpInstance i : members)
            {
                if (i == who)
                {
                    continue;
                }
                switch (to)
                {
                    case MASTER -> i.forceMaster(now, why);
                    case BACKUP -> i.forceBackup(now, why);
                    case FAULT -> i.forceFault(now, why);
                    default ->
                    {
                    }
                }
            }
            if (VrrpState.BACKUP == to && members.stream().noneMatch(VrrpInstance::isFaulted))
            {
                for (final VrrpInstance i : members)
                {
                    i.leaveForcedFault(now, why);
                }
            }
        }
        finally
        {
            moving = false;
        }
    }
}
