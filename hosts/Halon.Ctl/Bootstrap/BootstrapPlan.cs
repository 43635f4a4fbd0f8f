using System.Text;
using Halon.Core.Identity;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// What a <c>halonctl bootstrap</c> will do: the station's peer set, the nodes to act on, and the equivalent
/// per-node commands (the uncoordinated form). <c>--dry-run</c> prints it; otherwise it is carried out.
/// </summary>
/// <param name="Kind">Station peers or satellites.</param>
/// <param name="Peers">The station's peer set (for a satellite, the station it announces to).</param>
/// <param name="On">The nodes to contact, in order, without duplicates.</param>
/// <param name="Source">Where the node lists came from, for the plan's header.</param>
/// <param name="SecurityArguments">The key or TLS options given on the command line, repeated in the per-node commands.</param>
/// <param name="Expect">How many nodes the operator expects to act on (<c>--expect</c>), or null.</param>
/// <param name="Timing">
/// For a station, the timing given with <c>--timing</c>; null when none was given (a new station then gets the nodes'
/// default, <see cref="Addressing.TimingOption.Default"/>, and a bootstrapped node keeps its own), and for satellites.
/// </param>
internal sealed record BootstrapPlan(BootstrapKind Kind, PeerSet Peers, IReadOnlyList<NodeId> On, string Source, IReadOnlyList<string> SecurityArguments, int? Expect = null, Halon.Core.StationTiming? Timing = null)
{
    /// <summary>
    /// The station's cluster id: from its peers and, for a station bootstrap, its timing (a satellite knows only the
    /// peer list it announces to, and its status shows that list's id).
    /// </summary>
    public string ClusterId => Kind == BootstrapKind.Station ? (Timing ?? Addressing.TimingOption.Default).ClusterIdFor(Peers) : Peers.ClusterId;

    /// <summary>The subcommand's name: <c>station</c> or <c>satellite</c>.</summary>
    public string KindText => Kind == BootstrapKind.Station ? "station" : "satellite";

    /// <summary>One command per node, each safe to run from anywhere, in any order, as often as wanted.</summary>
    public IReadOnlyList<string> Commands()
    {
        var commands = new List<string>(On.Count);
        var peersFlag = Kind == BootstrapKind.Station ? "--peers" : "--station";
        foreach (var node in On)
        {
            var command = new StringBuilder("halonctl bootstrap ")
                .Append(KindText).Append(' ').Append(peersFlag).Append(' ').Append(ShellQuote(Peers.ToString()))
                .Append(" --on ").Append(ShellQuote(node.Value));
            if (Kind == BootstrapKind.Station && Timing is { } timing)
            {
                command.Append(" --timing ").Append(ShellQuote(Addressing.TimingOption.Flag(timing)));
            }

            foreach (var argument in SecurityArguments)
            {
                command.Append(' ').Append(ShellQuote(argument));
            }

            commands.Add(command.ToString());
        }

        return commands;
    }

    /// <summary>
    /// The nodes <c>--expect</c> counts: the peer set for a station (whatever <c>--on</c> picks from it), the satellites
    /// for satellites.
    /// </summary>
    public IReadOnlyList<NodeId> Counted => Kind == BootstrapKind.Station ? Peers.Members : On;

    /// <summary>Why the plan does not match <see cref="Expect"/>, or null when it does (or nothing was expected).</summary>
    public string? ExpectationMissed => Expect is { } expected && expected != Counted.Count
        ? $"--expect {expected}, but {Source} gives {Counted.Count} {(Kind == BootstrapKind.Station ? "peers" : "satellites")}: {string.Join(' ', Counted)}"
        : null;

    /// <summary>
    /// Warnings about the plan that do not stop it: a node that will likely refuse, and a risky peer set (an even
    /// count, several peers on one host, a loopback address among other hosts, fewer nodes than expected).
    /// </summary>
    public IReadOnlyList<string> Notes()
    {
        var notes = new List<string>();
        if (ExpectationMissed is { } missed)
        {
            notes.Add(missed + " (without --dry-run, halonctl refuses to act)");
        }

        foreach (var node in On)
        {
            if (Kind == BootstrapKind.Station && !Peers.Contains(node))
            {
                notes.Add($"{node} is not in the peer set: it accepts only if it advertises one of the peers' addresses (halond --advertise)");
            }
            else if (Kind == BootstrapKind.Satellite && Peers.Contains(node))
            {
                notes.Add($"{node} is a peer of the station: it will refuse to become a satellite");
            }
        }

        if (Kind == BootstrapKind.Station)
        {
            notes.AddRange(PeerSetNotes(Peers));
        }

        return notes;
    }

    /// <summary>What makes a peer set fragile: each line says what and why.</summary>
    public static IEnumerable<string> PeerSetNotes(PeerSet peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        if (peers.Count % 2 == 0)
        {
            var tolerated = peers.Count - peers.Majority;
            yield return $"{peers.Count} peers: an even number tolerates no more failures than {peers.Count - 1} ({tolerated} down of {peers.Count}, as of {peers.Count - 1}); use an odd number";
        }

        foreach (var host in peers.Members.GroupBy(m => m.Host, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return $"host {host.Key} runs {host.Count()} peers ({string.Join(", ", host)}): losing that one machine loses all of them";
        }

        var loopback = peers.Members.Where(IsLoopback).ToList();
        if (loopback.Count > 0 && loopback.Count < peers.Count)
        {
            yield return $"{string.Join(", ", loopback)}: a loopback address among other hosts; the other peers cannot reach it by that id (name it by its host name or address)";
        }
    }

    private static bool IsLoopback(NodeId node) =>
        node.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || node.Host.StartsWith("127.", StringComparison.Ordinal) || node.Host == "[::1]";

    /// <summary>Quotes a word for a POSIX shell unless it holds only characters that need no quoting.</summary>
    public static string ShellQuote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var safe = word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '_' or ',' or '/' or '-' or '=' or '@' or '+');
        return safe ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
