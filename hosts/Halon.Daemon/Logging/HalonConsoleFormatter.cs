using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Halon.Core;
using Halon.Core.Status;
using Halon.Daemon.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Halon.Daemon.Logging;

/// <summary>
/// halond's console format. Text: <c>2025-01-31T12:00:00.000Z info  message</c> (no category and no event id: a
/// number in brackets after the program name reads as a PID, and under journald it sits next to the real one).
/// JSON: one object per line, <c>{"time", "level", "event", "node", …the event's values…, "message"}</c>, field names
/// in snake_case, numbers as numbers, states and roles as <c>halonctl status</c> spells them.
/// </summary>
internal sealed class HalonConsoleFormatter : ConsoleFormatter
{
    /// <summary>The formatter's name in the console logger's options.</summary>
    public const string FormatterName = "halon";

    private const string OriginalFormat = "{OriginalFormat}";

    // Log lines are not HTML: keep '>' and non-ASCII readable instead of \u-escaping them.
    private static readonly JsonWriterOptions s_jsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly HalonConsoleFormatterOptions _options;

    public HalonConsoleFormatter(HalonConsoleFormatterOptions options)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var options = _options;
        if (options.Journal)
        {
            textWriter.Write(Priority(logEntry.LogLevel));
        }

        if (options.Format == LogFormat.Json)
        {
            WriteJson(logEntry, message ?? string.Empty, options, textWriter);
        }
        else
        {
            WriteText(logEntry, message ?? string.Empty, options, textWriter);
        }

        textWriter.Write('\n');
    }

    /// <summary>The level as JSON lines name it.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    private static void WriteText<TState>(in LogEntry<TState> entry, string message, HalonConsoleFormatterOptions options, TextWriter writer)
    {
        var line = new StringBuilder(message.Length + 40);
        if (!options.Journal)
        {
            line.Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(' ');
            line.Append(entry.LogLevel switch
            {
                LogLevel.Information => "info ",
                LogLevel.Warning => "warn ",
                LogLevel.Critical => "crit ",
                LogLevel.Error => "error",
                LogLevel.Debug => "debug",
                LogLevel.Trace => "trace",
                _ => "     ",
            }).Append(' ');
        }

        line.Append(message);
        if (entry.Exception is { } exception)
        {
            // One line per event, as journald and grep want it.
            line.Append(" | ").Append(exception.ToString().ReplaceLineEndings(" | "));
        }

        writer.Write(line.ToString());
    }

    private static void WriteJson<TState>(in LogEntry<TState> entry, string message, HalonConsoleFormatterOptions options, TextWriter writer)
    {
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer, s_jsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", LevelName(entry.LogLevel));
            json.WriteString("event", string.IsNullOrEmpty(entry.EventId.Name) ? "Log" : entry.EventId.Name);
            var namesNode = false;
            if (entry.State is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, _) in values)
                {
                    namesNode |= key == "Node";
                }

                if (!namesNode && options.Node is not null)
                {
                    json.WriteString("node", options.Node);
                }

                foreach (var (key, value) in values)
                {
                    if (key != OriginalFormat)
                    {
                        WriteField(json, MetricText.Snake(key), value);
                    }
                }
            }
            else if (options.Node is not null)
            {
                json.WriteString("node", options.Node);
            }

            json.WriteString("category", entry.Category);
            json.WriteString("message", message);
            if (entry.Exception is { } exception)
            {
                json.WriteString("exception", exception.ToString());
            }

            json.WriteEndObject();
        }

        writer.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteField(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case long l:
                json.WriteNumber(name, l);
                break;
            case int i:
                json.WriteNumber(name, i);
                break;
            case double d:
                json.WriteNumber(name, d);
                break;
            case bool b:
                json.WriteBoolean(name, b);
                break;
            case SupervisorState state:
                json.WriteString(name, state == SupervisorState.PreCandidate ? "pre-candidate" : NodeStatus.StateText(state));
                break;
            case NodeRole role:
                json.WriteString(name, NodeStatus.RoleText(role));
                break;
            case string s:
                if (s.Length > 0)
                {
                    json.WriteString(name, s);
                }

                break;
            default:
                json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>The syslog priority prefix journald reads: 3 error, 4 warning, 6 info, 7 debug.</summary>
    private static string Priority(LogLevel level) => level switch
    {
        LogLevel.Critical => "<2>",
        LogLevel.Error => "<3>",
        LogLevel.Warning => "<4>",
        LogLevel.Information => "<6>",
        _ => "<7>",
    };
}
