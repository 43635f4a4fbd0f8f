namespace Halon.Core.Protocol;

/// <summary>Why a peer does not count towards quorum.</summary>
public enum PeerProblem
{
    /// <summary>It answers as a running supervisor of this station.</summary>
    None,

    /// <summary>Nothing heard from it yet, or not recently.</summary>
    NoReply,

    /// <summary>The transport could not connect.</summary>
    ConnectionRefused,

    /// <summary>It answers, but runs no supervisor (no role yet, or a satellite).</summary>
    NoSupervisor,

    /// <summary>It is a peer of a different station.</summary>
    DifferentCluster,

    /// <summary>The handshake failed the cluster-key check.</summary>
    AuthenticationFailed,
}
