using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Judges a satellite bootstrap: done once every satellite acted on reports that the coordinator acknowledged its
/// current incarnation. Until then the line names the satellites still announcing and what the station is doing. A
/// station list that is not the station's own peer set (as a satellite or a station peer reports it) ends the wait:
/// no amount of waiting fixes it.
/// </summary>
internal static class SatelliteProgress
{
    public static Progress Evaluate(PeerSet station, IReadOnlyList<NodeView> satellites, IReadOnlyList<NodeView> stationViews)
    {
        ArgumentNullException.ThrowIfNull(station);
        ArgumentNullException.ThrowIfNull(satellites);
        ArgumentNullException.ThrowIfNull(stationViews);
        var missing = new List<string>();
        var pending = new List<string>();
        var acknowledged = new List<AnnouncerStatus>();
        var wrongList = stationViews.Select(v => StationCheck.Disagreement(station, v)).OfType<string>().ToList();
        foreach (var view in satellites)
        {
            if (view.Status is { Announcer: { } own } && StationCheck.Mismatch(view.Target.Value, own) is { } mismatch)
            {
                wrongList.Add(mismatch);
            }

            if (view.Status is not { } status)
            {
                missing.Add(view.Error ?? $"{view.Target}: no answer yet");
            }
            else if (status.Announcer is not { } announcer)
            {
                missing.Add(status.Role == "none" ? $"{view.Target} not bootstrapped yet" : $"{view.Target} is a {status.Role}, not a satellite");
            }
            else if (!announcer.Acknowledged)
            {
                missing.Add($"{view.Target} announcing incarnation {announcer.Incarnation}, not acknowledged yet");
            }
            else
            {
                acknowledged.Add(announcer);
                continue;
            }

            pending.Add(view.Target.Value);
        }

        var coordinator = Coordinator(station, stationViews);
        if (wrongList.Count > 0)
        {
            return new Progress(false, "wrong station list: " + string.Join("; ", wrongList) + "; " + StationCheck.Fix)
            {
                Hopeless = true,
                Coordinator = coordinator,
                Pending = pending,
                Acknowledged = acknowledged.Count,
            };
        }

        if (missing.Count == 0)
        {
            return new Progress(true, $"{acknowledged.Count}/{satellites.Count} satellites acknowledged {By(acknowledged)}")
            {
                Coordinator = coordinator,
                Acknowledged = acknowledged.Count,
            };
        }

        missing.Insert(0, $"acknowledged {acknowledged.Count}/{satellites.Count}");
        missing.Add("station: " + StationLine(station, stationViews));
        return new Progress(false, string.Join("; ", missing)) { Coordinator = coordinator, Pending = pending, Acknowledged = acknowledged.Count };
    }

    /// <summary>
    /// <c>by the coordinator on A, epoch 5</c>, or, when acknowledgements came from several epochs, each node once with
    /// its epochs: <c>by A (epochs 500 and 528), B (epoch 530)</c>.
    /// </summary>
    private static string By(IReadOnlyList<AnnouncerStatus> acknowledged)
    {
        var byNode = acknowledged
            .GroupBy(a => a.AcknowledgedBy ?? "?")
            .Select(g => (Node: g.Key, Epochs: g.Select(a => a.Epoch).Distinct().Order().ToList()))
            .OrderBy(g => g.Epochs[0])
            .ToList();
        if (byNode is [var only] && only.Epochs.Count == 1)
        {
            return $"by the coordinator on {only.Node}, epoch {only.Epochs[0]}";
        }

        return "by " + string.Join(", ", byNode.Select(g => g.Epochs.Count == 1
            ? $"{g.Node} (epoch {g.Epochs[0]})"
            : $"{g.Node} (epochs {string.Join(", ", g.Epochs.SkipLast(1))} and {g.Epochs[^1]})"));
    }

    /// <summary>The coordinator that the station's peers that answered report, newest first.</summary>
    private static CoordinatorInfo? Coordinator(PeerSet station, IReadOnlyList<NodeView> views) =>
        views.Select(v => v.Status)
            .OfType<NodeStatus>()
            .Where(s => StationCheck.IsPeerOf(s, station))
            .Select(s => s.Coordinator)
            .Where(c => c is not null)
            .MaxBy(c => c!.Epoch);

    /// <summary>What the station is doing, from whichever of its peers answered.</summary>
    private static string StationLine(PeerSet station, IReadOnlyList<NodeView> views)
    {
        var answered = views.Select(v => v.Status).OfType<NodeStatus>().Where(s => StationCheck.IsPeerOf(s, station)).ToList();
        if (answered.Count == 0)
        {
            var reasons = views.Select(v => v.Error ?? (v.Status is { } s ? $"{v.Target} is not a station peer yet (role {s.Role})" : $"{v.Target}: no answer yet"));
            return views.Count == 0 ? "not polled" : "no peer answers as a supervisor: " + string.Join("; ", reasons);
        }

        if (Coordinator(station, views) is { } coordinator)
        {
            return $"coordinator on {coordinator.Node}, epoch {coordinator.Epoch}";
        }

        var term = answered.Max(s => s.Term);
        return answered.FirstOrDefault(s => s.State == "waiting-for-quorum") is { } waiting
            ? StationProgress.QuorumLine(waiting, sayWhere: true)
            : StationProgress.ElectionLine(answered, term);
    }
}
