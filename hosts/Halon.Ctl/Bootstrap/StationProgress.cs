using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Output;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Judges a station bootstrap from the status of the nodes acted on: done once every one of them is a peer of the
/// station and knows the same running coordinator (which its own node, when polled, confirms). Otherwise the line names
/// what is missing, in the order an operator should look at it: nodes halonctl cannot reach, the quorum wait with each
/// missing peer and why, the election, and nodes that have not yet heard of the coordinator.
/// </summary>
internal static class StationProgress
{
    public static Progress Evaluate(PeerSet peers, IReadOnlyList<NodeView> views, StationTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(views);
        var missing = new List<string>();
        var pending = new List<string>();
        var members = new List<NodeStatus>();
        foreach (var view in views)
        {
            if (view.Status is not { } status)
            {
                missing.Add(view.Error ?? $"{view.Target}: no answer yet");
                pending.Add(view.Target.Value);
            }
            else if (status.Role != "station")
            {
                missing.Add(status.Role == "none" ? $"{view.Target} not bootstrapped yet" : $"{view.Target} is a {status.Role}, not a station peer");
                pending.Add(view.Target.Value);
            }
            else if (!StationCheck.IsPeerOf(status, peers))
            {
                missing.Add($"{view.Target} is a peer of another station, {status.ClusterId}");
                pending.Add(view.Target.Value);
            }
            else if (timing is not null && status.Timing is { } theirs && !theirs.SameValues(timing))
            {
                missing.Add($"{view.Target} runs timing {theirs}, not {timing}: a station's timing is chosen when it is bootstrapped");
                pending.Add(view.Target.Value);
            }
            else
            {
                members.Add(status);
            }
        }

        if (members.Count == 0)
        {
            return new Progress(false, string.Join("; ", missing)) { Pending = pending };
        }

        var term = members.Max(m => m.Term);
        if (members.FirstOrDefault(m => m.State == "waiting-for-quorum") is { } waiting)
        {
            missing.Insert(0, QuorumLine(waiting, views.Count > 1));
            return new Progress(false, string.Join("; ", missing)) { Term = term, Pending = [.. pending, .. members.Select(m => m.Node)] };
        }

        var newest = members.Where(m => m.Coordinator is not null).Select(m => m.Coordinator!).MaxBy(c => c.Epoch);
        if (newest is null)
        {
            missing.Insert(0, ElectionLine(members, term));
            return new Progress(false, string.Join("; ", missing)) { Term = term, Pending = [.. pending, .. members.Select(m => m.Node)] };
        }

        // Followers may still name a coordinator that its own node has already lost (its lease lapsed, or a newer term
        // began): when that node answered, it has the last word.
        if (members.FirstOrDefault(m => m.Node == newest.Node) is { } holder && holder.Coordinator != newest)
        {
            missing.Insert(0, $"{newest.Node} no longer runs the coordinator of epoch {newest.Epoch} (it is {holder.State} in term {holder.Term}); {ElectionLine(members, term)}");
            return new Progress(false, string.Join("; ", missing)) { Term = term, Pending = [.. pending, .. members.Select(m => m.Node)] };
        }

        var unaware = members.Where(m => m.Coordinator != newest).Select(m => m.Node).ToList();
        var head = $"master {newest.Node}, coordinator epoch {newest.Epoch}";
        var done = unaware.Count == 0 && missing.Count == 0;
        missing.Insert(0, unaware.Count > 0 ? $"{head}; not yet known to {string.Join(", ", unaware)}" : head);
        return new Progress(done, string.Join("; ", missing)) { Coordinator = newest, Term = term, Pending = [.. pending, .. unaware] };
    }

    /// <summary><c>quorum 1/3 (need 2): B:9070 connection refused; C:9070 no supervisor yet</c>.</summary>
    public static string QuorumLine(NodeStatus waiting, bool sayWhere)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        var reachable = waiting.Peers.Count(p => p.Reachable);
        var where = sayWhere ? $" at {waiting.Node}" : string.Empty;
        return $"quorum {reachable}/{waiting.Peers.Count} (need {Halon.Core.Quorum.MajorityOf(waiting.Peers.Count)}){where}: {Steady(waiting.MissingSummary())}";
    }

    /// <summary>
    /// What the election is doing, from the nodes of the newest term only: a master named by an older term's node may
    /// well have lost the newer term's election.
    /// </summary>
    public static string ElectionLine(IReadOnlyList<NodeStatus> members, long term)
    {
        ArgumentNullException.ThrowIfNull(members);
        var current = members.Where(m => m.Term == term).ToList();
        var master = current.FirstOrDefault(m => m.State == "master")?.Node
            ?? current.Where(m => m.State == "follower").Select(m => m.Leader).FirstOrDefault(l => l is not null);
        return master is null
            ? $"quorum reached; electing a master (term {term})"
            : $"master {master} elected (term {term}); its coordinator is starting";
    }

    /// <summary>Drops the tick counts that change every poll, so that a progress line is printed only when something changed.</summary>
    public static string Steady(string line) => Ticks.WithoutNoReplyDurations(line);
}
