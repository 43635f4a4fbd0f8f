using System.Text.RegularExpressions;
using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Judges a station bootstrap from the status of the nodes acted on: done once every one of them is a peer of the
/// station and knows the same running coordinator. Otherwise the line names what is missing, in the order an
/// operator should look at it: nodes halonctl cannot reach, the quorum wait with each missing peer and why, the
/// election, and nodes that have not yet heard of the coordinator.
/// </summary>
internal static partial class StationProgress
{
    public static Progress Evaluate(PeerSet peers, IReadOnlyList<NodeView> views)
    {
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(views);
        var missing = new List<string>();
        var members = new List<NodeStatus>();
        foreach (var view in views)
        {
            if (view.Status is not { } status)
            {
                missing.Add(view.Error ?? $"{view.Target}: no answer yet");
            }
            else if (status.Role != "station")
            {
                missing.Add(status.Role == "none" ? $"{view.Target} not bootstrapped yet" : $"{view.Target} is a {status.Role}, not a station peer");
            }
            else if (status.ClusterId != peers.ClusterId)
            {
                missing.Add($"{view.Target} is a peer of another station, {status.ClusterId}");
            }
            else
            {
                members.Add(status);
            }
        }

        if (members.Count == 0)
        {
            return new Progress(false, string.Join("; ", missing));
        }

        if (members.FirstOrDefault(m => m.State == "waiting-for-quorum") is { } waiting)
        {
            missing.Insert(0, QuorumLine(waiting, views.Count > 1));
            return new Progress(false, string.Join("; ", missing));
        }

        var known = members.Where(m => m.Coordinator is not null).Select(m => m.Coordinator!).Distinct().ToList();
        if (known.Count == 0)
        {
            var term = members.Max(m => m.Term);
            var leader = members.Select(m => m.Leader).FirstOrDefault(l => l is not null);
            missing.Insert(0, leader is null
                ? $"quorum reached; electing a master (term {term})"
                : $"master {leader} elected (term {term}); its coordinator is starting");
            return new Progress(false, string.Join("; ", missing));
        }

        var newest = known.MaxBy(c => c.Epoch)!;
        var unaware = members.Where(m => m.Coordinator != newest).Select(m => m.Node).ToList();
        var head = $"master {newest.Node}, coordinator epoch {newest.Epoch}";
        if (unaware.Count == 0 && missing.Count == 0)
        {
            return new Progress(true, head);
        }

        if (unaware.Count > 0)
        {
            missing.Insert(0, $"{head}; not yet known to {string.Join(", ", unaware)}");
        }
        else
        {
            missing.Insert(0, head);
        }

        return new Progress(false, string.Join("; ", missing));
    }

    /// <summary><c>quorum 1/3 (need 2): B:9070 connection refused; C:9070 no supervisor yet</c>.</summary>
    public static string QuorumLine(NodeStatus waiting, bool sayWhere)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        var reachable = waiting.Peers.Count(p => p.Reachable);
        var where = sayWhere ? $" at {waiting.Node}" : string.Empty;
        return $"quorum {reachable}/{waiting.Peers.Count} (need {Halon.Core.Quorum.MajorityOf(waiting.Peers.Count)}){where}: {Steady(waiting.MissingSummary())}";
    }

    /// <summary>Drops the tick counts that change every poll, so that a progress line is printed only when something changed.</summary>
    public static string Steady(string line) => TicksAgo().Replace(line, "no reply");

    [GeneratedRegex(@"no reply for \d+ ticks")]
    private static partial Regex TicksAgo();
}
