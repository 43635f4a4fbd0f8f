using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>
/// Finer control for interaction scripts, in the spirit of etcd-io/raft's interaction tests: pauses, per-node drift,
/// one-way cuts, dropping and delaying by message type, forced campaigns, and crafted or replayed messages.
/// </summary>
public sealed partial class Simulation
{
    /// <summary>Most sent messages remembered for <see cref="Replay"/>.</summary>
    private const int SentHistoryMax = 4096;

    private readonly List<MessageRule> _rules = new();
    private readonly LinkedList<Message> _sentHistory = new();

    /// <summary>The protocol node running under <paramref name="name"/>, or null while it is down.</summary>
    public HalonNode? NodeNamed(string name) => Find(name).Node;

    /// <summary>The name of a node (its host part).</summary>
    public static string NameOf(NodeId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Host;
    }

    /// <summary>The id of the node named <paramref name="name"/>.</summary>
    public NodeId IdOf(string name) => Find(name).Id;

    /// <summary>Masters elected so far (one per term won).</summary>
    public int Elections => _elections;

    /// <summary>Whether a coordinator with an epoch above <paramref name="epoch"/> runs on a node other than <paramref name="not"/>.</summary>
    public bool NewCoordinatorRunning(long epoch, string? not) =>
        _nodes.Any(n => n.Node is { CoordinatorRunning: true } node && node.CoordinatorEpoch > epoch && (not is null || n.Id.Host != not));

    /// <summary>Pauses <paramref name="name"/> for <paramref name="ticks"/> (GC, SIGSTOP): it catches up on its ticks when it resumes, before any message.</summary>
    public void Pause(string name, double ticks)
    {
        var node = Find(name);
        if (node.Node is null)
        {
            throw new ArgumentException($"{name} is down");
        }

        Wake(node);
        if (node.Node is null)
        {
            return;
        }

        node.PausedUntil = _now + (long)(ticks * TimeUnitsPerTick);
        Schedule(new SimEvent { Time = node.PausedUntil, Kind = EventKind.Resume, Node = node.Index, Generation = node.Generation });
        Log(node, $"paused until tick {(double)node.PausedUntil / TimeUnitsPerTick:0.000}");
    }

    /// <summary>Sets the real time one tick of <paramref name="name"/> takes, in nominal ticks (1.0 nominal; 1.099 the slowest within ρ = 1.1).</summary>
    public void SetTickPeriod(string name, double period)
    {
        if (period <= 0)
        {
            throw new ArgumentException($"a tick period must be positive (is {period})");
        }

        var node = Find(name);
        Wake(node);
        node.TickPeriod = (long)(period * TimeUnitsPerTick);
        Log(node, $"clock: one tick takes {period:0.000} nominal ticks{(period < 1 || period >= _protocol.ClockDriftFactor ? " (OUTSIDE the stated drift bound)" : string.Empty)}");
    }

    /// <summary>Cuts the link from <paramref name="from"/> to <paramref name="to"/> one way (or restores it).</summary>
    public void Cut(string from, string to, bool cut)
    {
        var a = Find(from).Index;
        var b = Find(to).Index;
        if (!_cuts.IsLink(a, b))
        {
            throw new ArgumentException($"{from} and {to} are both satellites: no link between them carries anything, so there is nothing to cut");
        }

        _cuts.Set(a, b, cut);
        _partitioned = _partitioned || cut;
        _log?.Invoke($"{NowTicks,9:0.000} net  {(cut ? "cut" : "restored")} {from} -> {to}");
    }

    /// <summary>Drops or delays messages of a type (or "*") on a link, for a number of messages or until cleared.</summary>
    public void AddRule(MessageRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _ = rule.From is null ? null : Find(rule.From);
        _ = rule.To is null ? null : Find(rule.To);
        _rules.Add(rule);
        _log?.Invoke($"{NowTicks,9:0.000} net  {rule}");
    }

    /// <summary>Removes every drop and delay rule.</summary>
    public void ClearRules()
    {
        _rules.Clear();
        _log?.Invoke($"{NowTicks,9:0.000} net  rules cleared");
    }

    /// <summary>Asks <paramref name="name"/> to campaign now; returns the command's answer.</summary>
    public string Campaign(string name)
    {
        var node = Find(name);
        if (node.Node is null)
        {
            return $"{name} is down";
        }

        var result = node.Node.Campaign();
        Drain(node);
        return (result.Succeeded ? "ok: " : "refused: ") + result.Message;
    }

    /// <summary>Reinstalls <paramref name="name"/>: it crashes, loses its data dir, and starts again in listen mode.</summary>
    public void Reinstall(string name)
    {
        var node = Find(name);
        Crash(node, "reinstalled: its data dir is lost");
        node.Disk.Wipe();
        Restart(node, "started afresh after the reinstall (listen mode)");
    }

    /// <summary>Delivers a crafted message after <paramref name="delayTicks"/>, as if the network carried it.</summary>
    public void Inject(Message message, double delayTicks)
    {
        ArgumentNullException.ThrowIfNull(message);
        var to = _indexOf.TryGetValue(message.To, out var index) ? index : throw new ArgumentException($"no node {message.To}");
        _log?.Invoke($"{NowTicks,9:0.000} net  inject {Describe(message)}");
        Schedule(new SimEvent { Time = _now + Math.Max(1, (long)(delayTicks * TimeUnitsPerTick)), Kind = EventKind.Deliver, Node = to, Message = message });
    }

    /// <summary>Delivers again the <paramref name="back"/>-th last message of <paramref name="type"/> sent from one node to another.</summary>
    public Message Replay(string type, string from, string to, int back, double delayTicks)
    {
        var fromId = Find(from).Id;
        var toId = Find(to).Id;
        var match = _sentHistory.Reverse().Where(m => m.GetType().Name == type && m.From.Equals(fromId) && m.To.Equals(toId)).Skip(back).FirstOrDefault()
            ?? throw new ArgumentException($"no {type} from {from} to {to} was sent{(back > 0 ? $" {back + 1} times" : string.Empty)}");
        Inject(match, delayTicks);
        return match;
    }

    /// <summary>A one-line description of a message, as scripts print it.</summary>
    public static string Describe(Message message) => message switch
    {
        VoteRequest r => $"{(r.PreVote ? "PreVote" : "Vote")}Request {r.From.Host}->{r.To.Host} term {r.Term} last {r.LastLogIndex}@{r.LastLogTerm}",
        VoteResponse r => $"{(r.PreVote ? "PreVote" : "Vote")}Response {r.From.Host}->{r.To.Host} term {r.Term} {(r.Granted ? "granted" : "refused")}",
        AppendEntries a => $"AppendEntries {a.From.Host}->{a.To.Host} term {a.Term} prev {a.PrevLogIndex}@{a.PrevLogTerm} entries {a.Entries.Count} commit {a.LeaderCommit} leader-tick {a.LeaderTick} epoch {a.CoordinatorEpoch}",
        AppendEntriesResponse r => $"AppendEntriesResponse {r.From.Host}->{r.To.Host} term {r.Term} {(r.Success ? $"match {r.MatchIndex}" : $"reject hint {r.RejectHint}")} leader-tick {r.LeaderTick}",
        NodeUpAck a => $"NodeUpAck {a.From.Host}->{a.To.Host} incarnation {a.Incarnation} epoch {a.Epoch}",
        NodeUp u => $"NodeUp {u.From.Host}->{u.To.Host} incarnation {u.Incarnation}",
        _ => $"{message.GetType().Name} {message.From.Host}->{message.To.Host}",
    };

    /// <summary>Applies the script's rules to a message about to be sent: null to drop it, else the extra delay in time units.</summary>
    private long? ApplyRules(Message message)
    {
        for (var i = 0; i < _rules.Count; i++)
        {
            var rule = _rules[i];
            if (!rule.Matches(message))
            {
                continue;
            }

            if (rule.Count != int.MaxValue)
            {
                rule.Count--;
                if (rule.Count <= 0)
                {
                    _rules.RemoveAt(i);
                }
            }

            _log?.Invoke($"{NowTicks,9:0.000} net  {(rule.DelayTicks is null ? "dropped" : $"delayed by {rule.DelayTicks} ticks")}: {Describe(message)}");
            return rule.DelayTicks is { } delay ? (long)(delay * TimeUnitsPerTick) : null;
        }

        return 0;
    }

    private void RememberSent(Message message)
    {
        _sentHistory.AddLast(message);
        if (_sentHistory.Count > SentHistoryMax)
        {
            _sentHistory.RemoveFirst();
        }
    }
}

/// <summary>A script's rule: drop (no delay) or delay messages of <see cref="Type"/> ("*": any) from and to the named nodes.</summary>
public sealed class MessageRule(string type, string? from, string? to, double? delayTicks, int count)
{
    /// <summary>The message type's name, or "*".</summary>
    public string Type { get; } = type;

    /// <summary>The sender's name, or null for any.</summary>
    public string? From { get; } = from;

    /// <summary>The receiver's name, or null for any.</summary>
    public string? To { get; } = to;

    /// <summary>Extra delay in ticks; null drops the message.</summary>
    public double? DelayTicks { get; } = delayTicks;

    /// <summary>Messages this rule still applies to (<see cref="int.MaxValue"/>: all, until cleared).</summary>
    public int Count { get; set; } = count;

    public bool Matches(Message message) =>
        (Type == "*" || message.GetType().Name == Type || (Type is "PreVoteRequest" or "PreVoteResponse" && IsPreVote(message)))
        && (From is null || message.From.Host == From)
        && (To is null || message.To.Host == To);

    private bool IsPreVote(Message message) => message switch
    {
        VoteRequest r => r.PreVote && Type == "PreVoteRequest",
        VoteResponse r => r.PreVote && Type == "PreVoteResponse",
        _ => false,
    };

    public override string ToString() =>
        $"{(DelayTicks is null ? "drop" : $"delay by {DelayTicks} ticks")} {Type} from {From ?? "anyone"} to {To ?? "anyone"}{(Count == int.MaxValue ? string.Empty : $", next {Count}")}";
}
