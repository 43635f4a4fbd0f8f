using System.Globalization;
using Halon.Core.Messages;

namespace Halon.Simulation.Scripting;

/// <summary>
/// Builds the crafted message of an <c>inject</c> line. Fields not given default to the sender's current state (its
/// term, its log, its station's cluster id), so a line names only what it changes.
/// </summary>
internal static class MessageBuilder
{
    /// <summary>The message types <c>inject</c> builds, with their fields.</summary>
    public static IReadOnlyList<string> Types { get; } =
    [
        "VoteRequest term= last-index= last-term= pre-vote=true|false",
        "VoteResponse term= granted=true|false pre-vote=true|false",
        "AppendEntries term= prev-index= prev-term= commit= leader-tick= epoch= (no entries)",
        "AppendEntriesResponse term= success=true|false match= hint= leader-tick=",
        "PeerProbe term=",
        "NodeUp incarnation= install=",
        "NodeUpAck incarnation= epoch=",
        "(every type: cluster=ID to pose as another station)",
    ];

    public static Message Build(Harness.Simulation simulation, string type, IReadOnlyDictionary<string, string> fields)
    {
        var from = simulation.IdOf(Required(fields, "from"));
        var to = simulation.IdOf(Required(fields, "to"));
        var sender = simulation.NodeNamed(from.Host);
        var cluster = fields.GetValueOrDefault("cluster") ?? simulation.AllPeers.ClusterId;
        long Long(string key, long fallback) => fields.TryGetValue(key, out var text) ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;
        bool Bool(string key, bool fallback) => fields.TryGetValue(key, out var text) ? bool.Parse(text) : fallback;
        var term = Long("term", sender?.Term ?? 0);
        var lastIndex = sender?.LastLogIndex ?? 0;
        var lastTerm = sender?.LastLogTerm ?? 0;
        return type switch
        {
            "VoteRequest" => new VoteRequest(from, to, cluster, term, Long("last-index", lastIndex), Long("last-term", lastTerm), Bool("pre-vote", false)),
            "VoteResponse" => new VoteResponse(from, to, cluster, term, Bool("granted", false), Bool("pre-vote", false)),
            "AppendEntries" => new AppendEntries(from, to, cluster, term, Long("prev-index", lastIndex), Long("prev-term", lastTerm), [], Long("commit", sender?.CommitIndex ?? 0), Long("leader-tick", sender?.Now ?? 0), Long("epoch", 0)),
            "AppendEntriesResponse" => new AppendEntriesResponse(from, to, cluster, term, Bool("success", true), Long("match", lastIndex), Long("hint", 0), Long("leader-tick", 0)),
            "PeerProbe" => new PeerProbe(from, to, cluster, term),
            "NodeUp" => new NodeUp(from, to, Long("incarnation", sender?.Incarnation ?? 1), new HostFacts(from.Host, 2, 1024)) { InstallId = Long("install", sender?.InstallId ?? 0) },
            "NodeUpAck" => new NodeUpAck(from, to, Long("incarnation", 1), Long("epoch", term)),
            _ => throw new ArgumentException($"inject cannot build '{type}'; it builds: {string.Join("; ", Types)}"),
        };
    }

    private static string Required(IReadOnlyDictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var value) ? value : throw new ArgumentException($"'{key}=' is required");
}
