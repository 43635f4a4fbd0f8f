namespace Halon.Core.Identity;

/// <summary>
/// A tracking station's configuration: the voters, whose majorities decide (elections, commits, the lease), and the
/// learners, peers being added that receive the log but neither vote nor count until they have caught up and the
/// master promotes them. Configurations live in the replicated log (<see cref="Persistence.StationConfigCommand"/>);
/// a node uses the newest one its log holds, committed or not. Two configurations in a row differ by at most one
/// voter, so that every majority of one meets every majority of the other. <see cref="Retiring"/> names voters that a
/// replacement will remove once no learner is left (so that a replaced peer leaves only after its successor votes).
/// </summary>
public sealed class StationConfig : IEquatable<StationConfig>
{
    private readonly NodeId[] _learners;
    private readonly NodeId[] _members;
    private readonly NodeId[] _retiring;

    private StationConfig(PeerSet voters, NodeId[] learners, NodeId[] retiring)
    {
        Voters = voters;
        _learners = learners;
        _retiring = retiring;
        _members = voters.Members.Concat(learners).Order().ToArray();
    }

    /// <summary>The voters: a peer set (at most <see cref="Limits.PeersMax"/>).</summary>
    public PeerSet Voters { get; }

    /// <summary>The learners in ordinal order (at most <see cref="Limits.LearnersMax"/>).</summary>
    public IReadOnlyList<NodeId> Learners => _learners;

    /// <summary>Voters to remove once no learner is left, in ordinal order (a replacement under way).</summary>
    public IReadOnlyList<NodeId> Retiring => _retiring;

    /// <summary>Voters and learners, in ordinal order: every node the master replicates to.</summary>
    public IReadOnlyList<NodeId> Members => _members;

    /// <summary>Votes needed for a majority of the voters.</summary>
    public int Majority => Voters.Majority;

    /// <summary>A configuration of voters only (a station as bootstrapped).</summary>
    public static StationConfig Of(PeerSet voters) => Create(voters, Array.Empty<NodeId>());

    /// <summary>Builds a configuration without retiring voters.</summary>
    public static StationConfig Create(PeerSet voters, IEnumerable<NodeId> learners) => Create(voters, learners, Array.Empty<NodeId>());

    /// <summary>Builds a configuration, or throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static StationConfig Create(PeerSet voters, IEnumerable<NodeId> learners, IEnumerable<NodeId> retiring)
    {
        ArgumentNullException.ThrowIfNull(voters);
        ArgumentNullException.ThrowIfNull(learners);
        ArgumentNullException.ThrowIfNull(retiring);
        var sorted = learners.Distinct().Order().ToArray();
        if (sorted.Length > Limits.LearnersMax)
        {
            throw new ArgumentException($"the configuration has {sorted.Length} learners; at most {Limits.LearnersMax} are allowed");
        }

        foreach (var learner in sorted)
        {
            if (voters.Contains(learner))
            {
                throw new ArgumentException($"{learner} is both a voter and a learner");
            }
        }

        var leaving = retiring.Distinct().Order().ToArray();
        foreach (var node in leaving)
        {
            if (!voters.Contains(node))
            {
                throw new ArgumentException($"{node} is retiring but is not a voter");
            }
        }

        if (leaving.Length >= voters.Count)
        {
            throw new ArgumentException("every voter of the configuration is retiring");
        }

        return new StationConfig(voters, sorted, leaving);
    }

    /// <summary>
    /// Parses the form <see cref="ToString"/> writes: <c>a:1,b:2,c:3</c>, optionally followed by
    /// <c>;learners=d:4</c> and <c>;retiring=c:3</c>.
    /// </summary>
    public static StationConfig Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(';');
        var learners = Array.Empty<NodeId>();
        var retiring = Array.Empty<NodeId>();
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            var nodes = equals < 0 ? Array.Empty<NodeId>() : part[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(NodeId.Parse).ToArray();
            switch (key)
            {
                case "learners": learners = nodes; break;
                case "retiring": retiring = nodes; break;
                default: throw new ArgumentException($"configuration '{text}': unknown part '{key}' (expected learners= or retiring=)");
            }
        }

        return Create(PeerSet.Parse(parts[0]), learners, retiring);
    }

    /// <summary>Whether <paramref name="node"/> votes in this configuration.</summary>
    public bool IsVoter(NodeId node) => Voters.Contains(node);

    /// <summary>Whether <paramref name="node"/> is a learner of this configuration.</summary>
    public bool IsLearner(NodeId node) => Array.IndexOf(_learners, node) >= 0;

    /// <summary>Whether <paramref name="node"/> is a voter that a replacement will remove.</summary>
    public bool IsRetiring(NodeId node) => Array.IndexOf(_retiring, node) >= 0;

    /// <summary>Whether a change is under way: a learner to promote or a voter to retire.</summary>
    public bool HasWorkLeft => _learners.Length > 0 || _retiring.Length > 0;

    /// <summary>Whether <paramref name="node"/> is a voter or a learner.</summary>
    public bool Contains(NodeId node) => IndexOf(node) >= 0;

    /// <summary>Position of <paramref name="node"/> in <see cref="Members"/>, or -1.</summary>
    public int IndexOf(NodeId node) => Array.IndexOf(_members, node);

    /// <summary>How many voters differ between this configuration and <paramref name="other"/> (added plus removed).</summary>
    public int VoterDistance(StationConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Voters.Members.Count(v => !other.IsVoter(v)) + other.Voters.Members.Count(v => !IsVoter(v));
    }

    /// <summary>This configuration with <paramref name="node"/> added as a learner.</summary>
    public StationConfig WithLearner(NodeId node) => Create(Voters, _learners.Append(node), _retiring);

    /// <summary>This configuration with <paramref name="node"/> added as a learner that replaces the voter <paramref name="old"/>.</summary>
    public StationConfig WithReplacement(NodeId old, NodeId node) => Create(Voters, _learners.Append(node), _retiring.Append(old));

    /// <summary>This configuration with the learner <paramref name="node"/> made a voter.</summary>
    public StationConfig Promote(NodeId node) => Create(PeerSet.Create(Voters.Members.Append(node)), _learners.Where(l => !l.Equals(node)), _retiring);

    /// <summary>This configuration without <paramref name="node"/> (voter, learner or retiring voter).</summary>
    public StationConfig Without(NodeId node) =>
        Create(PeerSet.Create(Voters.Members.Where(v => !v.Equals(node))), _learners.Where(l => !l.Equals(node)), _retiring.Where(r => !r.Equals(node)));

    public bool Equals(StationConfig? other) =>
        other is not null && Voters.Equals(other.Voters) && _learners.SequenceEqual(other._learners) && _retiring.SequenceEqual(other._retiring);

    public override bool Equals(object? obj) => Equals(obj as StationConfig);

    public override int GetHashCode() => HashCode.Combine(Voters, _learners.Length);

    /// <summary>The voters' comma list, then <c>;learners=</c> and <c>;retiring=</c> lists when they are not empty.</summary>
    public override string ToString()
    {
        var text = Voters.ToString();
        if (_learners.Length > 0)
        {
            text += ";learners=" + string.Join(',', _learners.Select(l => l.Value));
        }

        if (_retiring.Length > 0)
        {
            text += ";retiring=" + string.Join(',', _retiring.Select(l => l.Value));
        }

        return text;
    }
}
