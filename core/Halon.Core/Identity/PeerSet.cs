namespace Halon.Core.Identity;

/// <summary>
/// A tracking station's peer set: sorted, without duplicates, at most <see cref="Limits.PeersMax"/> nodes. Its
/// <see cref="ClusterId"/> is derived from the sorted members, so every node given the same set agrees on it without
/// talking, and a node given a different set can tell at once.
/// </summary>
public sealed class PeerSet : IEquatable<PeerSet>
{
    private readonly NodeId[] _members;

    private PeerSet(NodeId[] members)
    {
        _members = members;
        ClusterId = DeriveClusterId(members);
    }

    /// <summary>The members in ordinal order.</summary>
    public IReadOnlyList<NodeId> Members => _members;

    /// <summary>Number of members.</summary>
    public int Count => _members.Length;

    /// <summary>The station's id: <c>halon-</c> and 16 hex digits of FNV-1a over the sorted members.</summary>
    public string ClusterId { get; }

    /// <summary>Votes needed for a majority of this set.</summary>
    public int Majority => Quorum.MajorityOf(_members.Length);

    /// <summary>Builds a peer set, or throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static PeerSet Create(IEnumerable<NodeId> members)
    {
        var sorted = members.Distinct().Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("the peer set is empty");
        }

        if (sorted.Length > Limits.PeersMax)
        {
            throw new ArgumentException($"the peer set has {sorted.Length} nodes; at most {Limits.PeersMax} are allowed (odd numbers recommended)");
        }

        return new PeerSet(sorted);
    }

    /// <summary>Parses a comma list of <c>host:port</c>.</summary>
    public static PeerSet Parse(string commaList) =>
        Create(commaList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(NodeId.Parse));

    /// <summary>Whether <paramref name="node"/> is a member.</summary>
    public bool Contains(NodeId node) => IndexOf(node) >= 0;

    /// <summary>Position of <paramref name="node"/> in <see cref="Members"/>, or -1.</summary>
    public int IndexOf(NodeId node)
    {
        for (var i = 0; i < _members.Length; i++)
        {
            if (_members[i].Equals(node))
            {
                return i;
            }
        }

        return -1;
    }

    public bool Equals(PeerSet? other) => other is not null && ClusterId == other.ClusterId && _members.SequenceEqual(other._members);

    public override bool Equals(object? obj) => Equals(obj as PeerSet);

    public override int GetHashCode() => ClusterId.GetHashCode(StringComparison.Ordinal);

    /// <summary>The comma list, sorted.</summary>
    public override string ToString() => string.Join(',', _members.Select(m => m.Value));

    private static string DeriveClusterId(NodeId[] sorted)
    {
        const ulong offsetBasis = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offsetBasis;
        foreach (var member in sorted)
        {
            foreach (var c in member.Value)
            {
                hash = (hash ^ (byte)c) * prime;
                hash = (hash ^ (byte)(c >> 8)) * prime;
            }

            hash = (hash ^ (byte)',') * prime;
        }

        return "halon-" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
