using Microsoft.Extensions.Logging.Console;

namespace Halon.Daemon.Logging;

/// <summary>Settings of <see cref="HalonConsoleFormatter"/>.</summary>
internal sealed class HalonConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Text or JSON.</summary>
    public LogFormat Format { get; set; }

    /// <summary>
    /// Under systemd: each line starts with its syslog priority (<c>&lt;6&gt;</c>), which journald strips and records,
    /// and text lines carry no time (journald records it).
    /// </summary>
    public bool Journal { get; set; }

    /// <summary>The node's id, written as the <c>node</c> field of JSON lines whose event does not name one.</summary>
    public string? Node { get; set; }
}
