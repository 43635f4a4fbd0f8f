namespace Halon.Daemon.Logging;

/// <summary>How halond writes its log lines (<c>--log-format</c>).</summary>
internal enum LogFormat
{
    /// <summary>One readable line per event: time, level, message.</summary>
    Text,

    /// <summary>One JSON object per line, every value of the event a field of its own.</summary>
    Json,
}
