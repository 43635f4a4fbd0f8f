namespace Halon.Daemon;

/// <summary>The exit code halond will return: 0 unless a fatal error set it.</summary>
internal sealed class DaemonExit
{
    public int Code { get; set; }
}
