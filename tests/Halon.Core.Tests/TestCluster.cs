using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>A deterministic random source for tests: a fixed linear congruential sequence.</summary>
internal sealed class TestRandom : IRandomSource
{
    private ulong _state;

    public TestRandom(ulong seed) => _state = seed * 6364136223846793005UL + 1442695040888963407UL;

    public int Next(int maxExclusive)
    {
        _state = (_state * 6364136223846793005UL) + 1442695040888963407UL;
        return (int)((_state >> 33) % (ulong)maxExclusive);
    }
}

/// <summary>
/// A few nodes wired by an instant, lossless network, for unit tests of the core. Messages sent in a batch are queued
/// and delivered in order; <see cref="Deliver"/> runs until no message is left. Every Ready batch is recorded.
/// </summary>
internal sealed class TestCluster
{
    private readonly Queue<Message> _inFlight = new();
    private readonly Dictionary<NodeId, TestRandom> _randoms = new();

    public TestCluster(int peers, int satellites = 0, ProtocolOptions? options = null)
    {
        Options = options ?? ProtocolOptions.Default;
        for (var i = 1; i <= peers; i++)
        {
            Add(NodeId.Parse($"p{i}:9070"));
        }

        for (var i = 1; i <= satellites; i++)
        {
            Add(NodeId.Parse($"s{i}:9070"));
        }

        Peers = PeerSet.Create(Nodes.Keys.Where(id => id.Host.StartsWith('p')));
    }

    public ProtocolOptions Options { get; }

    public Dictionary<NodeId, HalonNode> Nodes { get; } = new();

    public Dictionary<NodeId, List<PersistedBatch>> Batches { get; } = new();

    public HashSet<NodeId> Down { get; } = new();

    public PeerSet Peers { get; }

    public List<(NodeId Node, StepResult Result, Message Message)> Drops { get; } = new();

    public static HostFacts Facts(NodeId id) => new(id.Host, 4, 8192);

    public HalonNode this[string name] => Nodes[NodeId.Parse(name + ":9070")];

    public void Add(NodeId id, PersistentState? state = null)
    {
        // A node's random stream carries on across restarts and reinstalls, as a real machine's does.
        var random = _randoms.TryGetValue(id, out var known) ? known : _randoms[id] = new TestRandom((ulong)id.Value.Length + id.StableHash % 97);
        Nodes[id] = new HalonNode(id, Options, random, Facts(id), state ?? PersistentState.Empty);
        Batches.TryAdd(id, new List<PersistedBatch>()); // A restart keeps what the node persisted before.
        Drain(Nodes[id]);
    }

    public void BootstrapStation()
    {
        foreach (var id in Peers.Members)
        {
            Assert.True(Nodes[id].BecomeStationPeer(Peers).Succeeded);
            Drain(Nodes[id]);
        }
    }

    public void Drain(HalonNode node)
    {
        if (!node.HasReady)
        {
            return;
        }

        var ready = node.GetReady();
        Batches[node.Id].Add(new PersistedBatch(ready.HardState, ready.Role, ready.Snapshot, ready.EntriesFromIndex, ready.Entries.ToArray(), ready.Messages.ToArray(), ready.Effects.ToArray()));
        foreach (var message in ready.Messages)
        {
            _inFlight.Enqueue(message);
        }

        node.Advance();
    }

    public void Deliver(int messagesMax = 100_000)
    {
        for (var i = 0; i < messagesMax && _inFlight.Count > 0; i++)
        {
            var message = _inFlight.Dequeue();
            if (Down.Contains(message.To) || Down.Contains(message.From) || !Nodes.TryGetValue(message.To, out var node))
            {
                continue;
            }

            var result = node.Step(message);
            if (!result.Accepted)
            {
                Drops.Add((node.Id, result, message));
            }

            Drain(node);
        }
    }

    public void Tick(int ticks = 1)
    {
        for (var t = 0; t < ticks; t++)
        {
            foreach (var node in Nodes.Values)
            {
                if (!Down.Contains(node.Id))
                {
                    node.Tick();
                    Drain(node);
                }
            }

            Deliver();
        }
    }

    public bool TickUntil(Func<bool> condition, int ticksMax = 500)
    {
        for (var t = 0; t < ticksMax; t++)
        {
            if (condition())
            {
                return true;
            }

            Tick();
        }

        return condition();
    }

    public HalonNode? Master => Nodes.Values.SingleOrDefault(n => !Down.Contains(n.Id) && n.State == SupervisorState.Master);

    public IEnumerable<Effect> EffectsOf(NodeId id) => Batches[id].SelectMany(b => b.Effects);

    /// <summary>What <paramref name="id"/> has persisted so far: every batch applied in order, as a host would.</summary>
    public PersistentState PersistedStateOf(NodeId id)
    {
        var hard = HardState.Initial;
        var role = RoleConfig.None;
        var log = new List<LogEntry>();
        Snapshot? snapshot = null;
        foreach (var batch in Batches[id])
        {
            if (batch.Snapshot is { } taken)
            {
                snapshot = taken;
                log.RemoveAll(e => e.Index <= taken.LastIncludedIndex);
            }

            if (batch.EntriesFromIndex != 0)
            {
                log.RemoveAll(e => e.Index >= batch.EntriesFromIndex);
                log.AddRange(batch.Entries);
            }

            role = batch.Role ?? role;
            hard = batch.HardState ?? hard;
        }

        return new PersistentState(hard, role, log.ToArray()) { Snapshot = snapshot };
    }

    /// <summary>Crashes <paramref name="id"/> and starts it again from what it persisted (its messages in flight are lost).</summary>
    public HalonNode Restart(NodeId id)
    {
        var persisted = PersistedStateOf(id);
        var kept = _inFlight.Where(m => !m.From.Equals(id) && !m.To.Equals(id)).ToArray();
        _inFlight.Clear();
        foreach (var message in kept)
        {
            _inFlight.Enqueue(message);
        }

        Add(id, persisted);
        return Nodes[id];
    }

    /// <summary>Reinstalls <paramref name="id"/>: its data dir is lost and it starts afresh, with nothing persisted.</summary>
    public HalonNode Reinstall(NodeId id)
    {
        Batches[id] = new List<PersistedBatch>();
        Add(id);
        return Nodes[id];
    }

    /// <summary>Messages waiting for delivery.</summary>
    public IReadOnlyCollection<Message> InFlight => _inFlight;
}

/// <summary>One recorded Ready batch.</summary>
internal sealed record PersistedBatch(HardState? HardState, RoleConfig? Role, Snapshot? Snapshot, long EntriesFromIndex, LogEntry[] Entries, Message[] Messages, Effect[] Effects);
