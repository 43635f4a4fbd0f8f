using Microsoft.Extensions.Logging;

namespace Halon.LoadGen;

/// <summary>
/// The transports' warnings on stderr, shared by every virtual satellite and bounded: ten thousand transports that hit
/// the same problem (a full file table, a refused connection) print a few lines and a count, not ten thousand.
/// </summary>
internal sealed class WarningLog : ILogger
{
    private const int LinesPerWindowMax = 10;
    private static readonly TimeSpan s_window = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private readonly TextWriter _output;
    private DateTime _windowStart = DateTime.MinValue;
    private int _lines;
    private long _suppressed;

    public WarningLog(TextWriter output) => _output = output;

    /// <summary>Warnings logged or suppressed since start.</summary>
    public long Warnings { get; private set; }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        lock (_lock)
        {
            Warnings++;
            var now = DateTime.UtcNow;
            if (now - _windowStart >= s_window)
            {
                if (_suppressed > 0)
                {
                    _output.WriteLine($"halon-loadgen: {_suppressed} more transport warnings suppressed");
                }

                _windowStart = now;
                _lines = 0;
                _suppressed = 0;
            }

            if (_lines++ < LinesPerWindowMax)
            {
                _output.WriteLine($"halon-loadgen: transport {logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}");
            }
            else
            {
                _suppressed++;
            }
        }
    }
}
