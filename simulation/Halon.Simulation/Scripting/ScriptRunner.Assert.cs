using System.Globalization;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Protocol;

namespace Halon.Simulation.Scripting;

/// <summary><c>assert NAME FIELD=VALUE ...</c>: a node's role, state, term, master, commit, log, coordinator and more.</summary>
public sealed partial class ScriptRunner
{
    /// <summary>The fields <c>assert</c> checks, with what each means.</summary>
    public static IReadOnlyList<string> AssertFields { get; } =
    [
        "role=station|satellite|none",
        "state=waiting-for-quorum|follower|pre-candidate|candidate|master|none",
        "term=N", "leader=NAME|none", "voted=NAME|none (its vote in the current term)", "commit=N", "last-index=N",
        "log=T1,T2,...|empty (the term of every entry, in order)",
        "epoch=N (the coordinator running on the node; 0: none)",
        "coordinator=NAME@EPOCH|none (the coordinator the node knows of)",
        "incarnation=N", "acknowledged=true|false", "satellites=N (acknowledged, as the node's station state has them)",
        "voters=A,B,C", "learners=A,B|none", "retiring=A|none (the configuration in force on the node)",
        "config-index=N (the entry that set it; 0: the bootstrap peer set)", "config-committed=true|false",
        "left=true|false (a committed configuration left it out and its supervisor stopped)",
    ];

    private void Assert(string[] arguments, Dictionary<string, string> named)
    {
        var name = arguments[0];
        var node = Simulation.NodeNamed(name);
        if (arguments.Length > 1 && arguments[1] == "down")
        {
            Check(node is null, $"{name} down", $"{name} is up");
            return;
        }

        if (node is null)
        {
            Fail($"{name} is down");
            return;
        }

        if (named.Count == 0)
        {
            throw new ArgumentException($"assert needs FIELD=VALUE pairs: {string.Join(", ", AssertFields)}");
        }

        var failures = new List<string>();
        foreach (var (field, expected) in named)
        {
            var actual = Field(node, field);
            if (actual != expected)
            {
                failures.Add($"{field} is {actual}, expected {expected}");
            }
        }

        var what = $"{name} {string.Join(' ', named.Select(f => $"{f.Key}={f.Value}"))}";
        Check(failures.Count == 0, what, $"{name}: {string.Join("; ", failures)}");
    }

    private void Check(bool held, string what, string failure)
    {
        if (held)
        {
            _output.Add($"  ok: {what}");
            return;
        }

        Fail(failure);
    }

    private void Fail(string failure)
    {
        _output.Add($"  ASSERTION FAILED: {failure}");
        throw new ArgumentException($"assertion failed: {failure}");
    }

    private static string Field(HalonNode node, string field)
    {
        var status = node.GetStatus();
        return field switch
        {
            "role" => status.Role,
            "state" => StateName(node.State),
            "term" => Text(node.Term),
            "leader" => node.Leader is { } leader ? leader.Host : "none",
            "voted" => node.VotedFor is { } voted ? voted.Host : "none",
            "commit" => Text(node.CommitIndex),
            "last-index" => Text(node.LastLogIndex),
            "snapshot-index" => Text(node.SnapshotIndex),
            "first-index" => Text(node.FirstLogIndex),
            "log" => node.Log.Count == 0 ? "empty" : string.Join(',', node.Log.Select(e => Text(e.Term))),
            "epoch" => Text(node.CoordinatorEpoch),
            "coordinator" => status.Coordinator is { } c ? $"{NodeId.Parse(c.Node).Host}@{Text(c.Epoch)}" : "none",
            "incarnation" => Text(node.Incarnation),
            "acknowledged" => node.AnnouncementAcknowledged ? "true" : "false",
            "satellites" => Text(node.Satellites.Count),
            "voters" => node.Configuration is { } voters ? Names(voters.Voters.Members) : "none",
            "learners" => node.Configuration is { } learners ? Names(learners.Learners) : "none",
            "retiring" => node.Configuration is { } retiring ? Names(retiring.Retiring) : "none",
            "config-index" => Text(node.ConfigurationIndex),
            "config-committed" => node.Configuration is null ? "none" : node.ConfigurationChangeInFlight ? "false" : "true",
            "left" => node.LeftTheStation ? "true" : "false",
            _ => throw new ArgumentException($"unknown field '{field}'; the fields are: {string.Join(", ", AssertFields)}"),
        };
    }

    private static string StateName(SupervisorState state) =>
        state == SupervisorState.PreCandidate ? "pre-candidate" : Core.Status.NodeStatus.StateText(state);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Names(IReadOnlyList<NodeId> nodes) => nodes.Count == 0 ? "none" : string.Join(',', nodes.Select(n => n.Host));
}
