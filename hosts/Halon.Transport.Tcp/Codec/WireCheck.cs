using Halon.Core;
using Halon.Core.Identity;

namespace Halon.Transport.Tcp.Codec;

/// <summary>The checks every decoded field goes through. Each failure is a <see cref="WireFormatException"/> naming the field.</summary>
internal static class WireCheck
{
    public static NodeId NodeId(string? text, string field)
    {
        if (!Halon.Core.Identity.NodeId.TryParse(text, out var id, out var error))
        {
            throw new WireFormatException($"{field}: {error}");
        }

        return id;
    }

    public static NodeId? OptionalNodeId(bool present, string? text, string field) =>
        present ? NodeId(text, field) : null;

    public static long NonNegative(long value, string field)
    {
        if (value < 0)
        {
            throw new WireFormatException($"{field} is negative ({value})");
        }

        return value;
    }

    public static string Text(string? value, int lengthMax, string field)
    {
        if (value is null)
        {
            throw new WireFormatException($"{field} is missing");
        }

        if (value.Length > lengthMax)
        {
            throw new WireFormatException($"{field} is {value.Length} characters long; at most {lengthMax} are allowed");
        }

        return value;
    }

    public static string ClusterId(string? value, string field, bool allowEmpty)
    {
        var text = Text(value, WireProtocol.ClusterIdLengthMax, field);
        if (!allowEmpty && text.Length == 0)
        {
            throw new WireFormatException($"{field} is empty");
        }

        return text;
    }

    public static T Present<T>(T? value, string field)
        where T : class =>
        value ?? throw new WireFormatException($"{field} is missing");

    public static void Count(int count, int countMax, string field)
    {
        if (count > countMax)
        {
            throw new WireFormatException($"{field} has {count} items; at most {countMax} are allowed");
        }
    }

    public static NodeRole Role(Wire.Role value) => value switch
    {
        Wire.Role.None => NodeRole.None,
        Wire.Role.Station => NodeRole.Station,
        Wire.Role.Satellite => NodeRole.Satellite,
        _ => throw new WireFormatException($"role {(int)value} is unknown"),
    };

    public static SupervisorState State(Wire.SupervisorState value) => value switch
    {
        Wire.SupervisorState.None => SupervisorState.None,
        Wire.SupervisorState.WaitingForQuorum => SupervisorState.WaitingForQuorum,
        Wire.SupervisorState.Follower => SupervisorState.Follower,
        Wire.SupervisorState.PreCandidate => SupervisorState.PreCandidate,
        Wire.SupervisorState.Candidate => SupervisorState.Candidate,
        Wire.SupervisorState.Master => SupervisorState.Master,
        _ => throw new WireFormatException($"supervisor state {(int)value} is unknown"),
    };

    /// <summary>
    /// A station configuration: its voters as for <see cref="PeerSet"/>, at most <see cref="Limits.LearnersMax"/>
    /// learners and fewer retiring voters than voters, every id valid, and the rules of
    /// <see cref="StationConfig.Create(Halon.Core.Identity.PeerSet, IEnumerable{Halon.Core.Identity.NodeId}, IEnumerable{Halon.Core.Identity.NodeId})"/>
    /// (no learner is a voter, every retiring node is a voter).
    /// </summary>
    public static StationConfig StationConfig(Wire.StationConfiguration? config, string field)
    {
        var present = Present(config, field);
        var voters = PeerSet(present.Voters, field + ".voters");
        Count(present.Learners.Count, Limits.LearnersMax, field + ".learners");
        Count(present.Retiring.Count, Limits.PeersMax, field + ".retiring");
        var learners = present.Learners.Select(l => NodeId(l, field + ".learners")).ToArray();
        var retiring = present.Retiring.Select(r => NodeId(r, field + ".retiring")).ToArray();
        if (voters.Count != present.Voters.Count || learners.Distinct().Count() != learners.Length || retiring.Distinct().Count() != retiring.Length)
        {
            throw new WireFormatException($"{field} lists a voter, a learner or a retiring voter twice");
        }

        try
        {
            return Halon.Core.Identity.StationConfig.Create(voters, learners, retiring);
        }
        catch (ArgumentException e)
        {
            throw new WireFormatException($"{field}: {e.Message}");
        }
    }

    public static PeerSet PeerSet(IReadOnlyList<string> members, string field)
    {
        if (members.Count == 0)
        {
            throw new WireFormatException($"{field} is empty");
        }

        Count(members.Count, Limits.PeersMax, field);
        var ids = new NodeId[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            ids[i] = NodeId(members[i], field);
        }

        try
        {
            return Halon.Core.Identity.PeerSet.Create(ids);
        }
        catch (ArgumentException e)
        {
            throw new WireFormatException($"{field}: {e.Message}");
        }
    }
}
