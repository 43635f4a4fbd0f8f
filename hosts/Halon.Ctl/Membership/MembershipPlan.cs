using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Membership;

/// <summary>
/// What <c>halonctl station add|remove|replace</c> was asked: the change, the nodes to find the station through (any
/// of its peers; the request goes on to the master), whether to wait until it is carried out, and how to authenticate.
/// </summary>
internal sealed record MembershipPlan(MembershipChange Change, IReadOnlyList<NodeId> Entries, string Source, TimeSpan Timeout, bool Wait, bool DryRun, bool Json, TransportSecurity Security)
{
    /// <summary><c>add</c>, <c>remove</c> or <c>replace</c>.</summary>
    public string Kind => Change switch
    {
        AddPeer => "add",
        RemovePeer => "remove",
        _ => "replace",
    };

    /// <summary>The node that must join the station first (add, replace), or null (remove).</summary>
    public NodeId? Joining => Change switch
    {
        AddPeer add => add.Node,
        ReplacePeer replace => replace.New,
        _ => null,
    };

    /// <summary>The node that leaves the station (remove, replace), or null (add).</summary>
    public NodeId? Leaving => Change switch
    {
        RemovePeer remove => remove.Node,
        ReplacePeer replace => replace.Old,
        _ => null,
    };

    /// <summary>The steps the change takes, in words, for the dry run and the help.</summary>
    public IReadOnlyList<string> Steps()
    {
        var steps = new List<string> { $"read the station's cluster id, timing, voters and master from a peer's status (asking {string.Join(',', Entries)})" };
        switch (Change)
        {
            case AddPeer add:
                steps.Add($"tell {add.Node} to join the station (halond with no role there; it neither votes nor campaigns yet), with the voters as its contacts");
                steps.Add($"ask the master to add {add.Node}: it joins the configuration as a learner (one log entry) and receives the log or a snapshot");
                steps.Add($"the master promotes {add.Node} to voter once it holds every committed entry (one more entry)");
                break;
            case RemovePeer remove:
                steps.Add($"ask the master to remove {remove.Node} (one log entry), refused if a majority of the remaining voters would not answer");
                steps.Add($"once that entry commits, {remove.Node} stops its supervisor and shows state removed (a removed master steps down first)");
                break;
            case ReplacePeer replace:
                steps.Add($"tell {replace.New} to join the station (halond with no role there; it neither votes nor campaigns yet), with the voters as its contacts");
                steps.Add($"ask the master to replace {replace.Old} with {replace.New}: {replace.New} joins as a learner and {replace.Old} is marked retiring (one log entry)");
                steps.Add($"the master promotes {replace.New} to voter once it holds every committed entry (one more entry)");
                steps.Add($"the master removes {replace.Old} once a majority of the remaining voters answers (a third entry)");
                break;
        }

        steps.Add(Wait ? $"wait until the station's committed configuration shows the change done, printing progress (at most {Addressing.Durations.Format(Timeout)})" : "return once the master has taken the change (--wait follows it to the end)");
        return steps;
    }
}
