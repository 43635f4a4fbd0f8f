namespace Halon.Daemon;

/// <summary>
/// The exit code halond will return: 0 unless a fatal error set it. The codes are part of the operations contract
/// (docs/operations.md); the systemd unit lists the ones a restart cannot fix in <c>RestartPreventExitStatus</c>.
/// </summary>
internal sealed class DaemonExit
{
    /// <summary>A failure a restart may fix: the listen address is busy, a write failed, the loop broke.</summary>
    public const int Failure = 1;

    /// <summary>A usage error: a bad flag, a missing key file.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The data dir cannot be used and a restart cannot change that: it is corrupt, unreadable, or holds a state the
    /// protocol rejects. Someone must look at it first.
    /// </summary>
    public const int DataDirUnusable = 3;

    public int Code { get; set; }
}
