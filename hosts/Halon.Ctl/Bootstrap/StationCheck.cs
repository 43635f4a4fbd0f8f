using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Whether a satellite's station list is the station's own peer set. A list written with a wrong port or name half
/// works (the peers it names right acknowledge the satellite) and stays wrong: the satellite keeps the list it was
/// bootstrapped with. So halonctl checks it before acting, while waiting, and in status.
/// </summary>
internal static class StationCheck
{
    /// <summary>What to do about a wrong station list.</summary>
    public const string Fix =
        "give satellites the station's own peer set (for example --genders FILE --station-attr station); a satellite " +
        "bootstrapped with a wrong list keeps it: stop halond there, remove its data dir, and bootstrap it again. After " +
        "halonctl station add, remove or replace this is expected: the satellite still reaches the station through the " +
        "peers of its list that remain";

    /// <summary>
    /// The peer set a station peer reports: the voters of its configuration (its peers table, which lists learners
    /// too, from a node that reports no configuration), or null for a node that is no station peer or left its station.
    /// </summary>
    public static PeerSet? ReportedPeers(NodeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.Role != "station" || status.LeftStation || status.State == "removed")
        {
            return null;
        }

        var names = status.Configuration is { Voters.Count: > 0 } configuration ? configuration.Voters : status.Peers.Select(p => p.Node).ToList();
        if (names.Count == 0)
        {
            return null;
        }

        var ids = new List<NodeId>(names.Count);
        foreach (var name in names)
        {
            if (!NodeId.TryParse(name, out var id, out _))
            {
                return null;
            }

            ids.Add(id);
        }

        return PeerSet.Create(ids);
    }

    /// <summary>
    /// Whether <paramref name="status"/> is that of a peer of the station whose peer set is <paramref name="station"/>.
    /// Peer sets are compared rather than cluster ids, which also fold in the station's timing.
    /// </summary>
    public static bool IsPeerOf(NodeStatus status, PeerSet station)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(station);
        return ReportedPeers(status) is { } peers && peers.Equals(station);
    }

    /// <summary>
    /// Why the node polled at <paramref name="view"/> shows that <paramref name="given"/> is not its station: it is
    /// a peer of another peer set. Null when it agrees, does not answer, or is no station peer (yet).
    /// </summary>
    public static string? Disagreement(PeerSet given, NodeView view)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(view);
        if (view.Status is not { Role: "station" } status || ReportedPeers(status) is not { } reported || reported.Equals(given))
        {
            return null;
        }

        return $"{view.Target} is a peer of station {status.ClusterId} ({reported}), not of the station list given ({given})";
    }

    /// <summary>What a satellite itself reports about its list, or null when the station's answers agreed with it.</summary>
    public static string? Mismatch(string target, AnnouncerStatus announcer)
    {
        ArgumentNullException.ThrowIfNull(announcer);
        if (announcer.ReportedStation is null)
        {
            return null;
        }

        return $"{target}'s station list ({announcer.Station}) is not the station's peer set: " +
            $"{announcer.ReportedBy ?? "a peer"} answers as a peer of {announcer.ReportedStation}";
    }
}
