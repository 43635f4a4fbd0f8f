using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Judges a satellite bootstrap: done once every satellite acted on reports that the coordinator acknowledged its
/// current incarnation. Until then the line names the satellites still announcing and what the station is doing.
/// </summary>
internal static class SatelliteProgress
{
    public static Progress Evaluate(PeerSet station, IReadOnlyList<NodeView> satellites, IReadOnlyList<NodeView> stationViews)
    {
        ArgumentNullException.ThrowIfNull(station);
        ArgumentNullException.ThrowIfNull(satellites);
        ArgumentNullException.ThrowIfNull(stationViews);
        var missing = new List<string>();
        var acknowledged = new List<AnnouncerStatus>();
        foreach (var view in satellites)
        {
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
            }
        }

        if (missing.Count == 0)
        {
            var epochs = acknowledged.Select(a => (a.AcknowledgedBy, a.Epoch)).Distinct().ToList();
            var by = epochs.Count == 1
                ? $"by the coordinator on {epochs[0].AcknowledgedBy}, epoch {epochs[0].Epoch}"
                : "by " + string.Join(", ", epochs.Select(e => $"{e.AcknowledgedBy} (epoch {e.Epoch})"));
            return new Progress(true, $"{acknowledged.Count}/{satellites.Count} satellites acknowledged {by}");
        }

        missing.Insert(0, $"acknowledged {acknowledged.Count}/{satellites.Count}");
        missing.Add("station: " + StationLine(station, stationViews));
        return new Progress(false, string.Join("; ", missing));
    }

    /// <summary>What the station is doing, from whichever of its peers answered.</summary>
    private static string StationLine(PeerSet station, IReadOnlyList<NodeView> views)
    {
        var answered = views.Where(v => v.Status is { Role: "station" } s && s.ClusterId == station.ClusterId).Select(v => v.Status!).ToList();
        if (answered.Count == 0)
        {
            var reasons = views.Select(v => v.Error ?? (v.Status is { } s ? $"{v.Target} is not a peer of this station (role {s.Role})" : $"{v.Target}: no answer yet"));
            return views.Count == 0 ? "not polled" : "no peer answers as a supervisor: " + string.Join("; ", reasons);
        }

        if (answered.Select(s => s.Coordinator).Where(c => c is not null).MaxBy(c => c!.Epoch) is { } coordinator)
        {
            return $"coordinator on {coordinator.Node}, epoch {coordinator.Epoch}";
        }

        return answered.FirstOrDefault(s => s.State == "waiting-for-quorum") is { } waiting
            ? StationProgress.QuorumLine(waiting, sayWhere: true)
            : $"no coordinator yet (term {answered.Max(s => s.Term)}, electing a master)";
    }
}
