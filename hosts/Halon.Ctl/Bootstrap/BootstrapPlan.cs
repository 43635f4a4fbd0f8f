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
internal sealed record BootstrapPlan(BootstrapKind Kind, PeerSet Peers, IReadOnlyList<NodeId> On, string Source, IReadOnlyList<string> SecurityArguments)
{
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
            foreach (var argument in SecurityArguments)
            {
                command.Append(' ').Append(ShellQuote(argument));
            }

            commands.Add(command.ToString());
        }

        return commands;
    }

    /// <summary>Warnings about the plan that do not stop it: a node that will likely refuse.</summary>
    public IReadOnlyList<string> Notes()
    {
        var notes = new List<string>();
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

        return notes;
    }

    /// <summary>Quotes a word for a POSIX shell unless it holds only characters that need no quoting.</summary>
    public static string ShellQuote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var safe = word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '_' or ',' or '/' or '-' or '=' or '@' or '+');
        return safe ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
