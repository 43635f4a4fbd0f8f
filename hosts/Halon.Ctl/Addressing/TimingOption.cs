using System.Globalization;
using Halon.Core;
using Halon.Ctl.Cli;
using Halon.Ctl.Output;

namespace Halon.Ctl.Addressing;

/// <summary>
/// <c>--timing</c>: a named profile (<c>lan</c>, <c>wan</c>, <c>legacy</c>) or explicit values in milliseconds,
/// <c>heartbeat=50ms,election=250ms[,drift=1.1]</c>. Times must be whole ticks (10 ms).
/// </summary>
internal static class TimingOption
{
    /// <summary>The profile a station gets when <c>--timing</c> is not given.</summary>
    public static StationTiming Default => StationTiming.Lan;

    public static StationTiming Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        var named = StationTiming.Profiles.FirstOrDefault(p => string.Equals(p.Name, text.Trim(), StringComparison.OrdinalIgnoreCase));
        if (named is not null)
        {
            return named;
        }

        int? heartbeat = null, election = null;
        var drift = Default.ClockDriftFactor;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Usage($"'{part}' is neither a profile nor KEY=VALUE");
            }

            var (key, value) = (part[..equals].Trim(), part[(equals + 1)..].Trim());
            switch (key)
            {
                case "heartbeat":
                    heartbeat = WholeTicks(value, key);
                    break;
                case "election":
                    election = WholeTicks(value, key);
                    break;
                case "drift":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out drift) || !double.IsFinite(drift))
                    {
                        throw Usage($"drift={value} is not a number (the clock-drift bound, e.g. 1.1)");
                    }

                    break;
                default:
                    throw Usage($"unknown timing key '{key}'");
            }
        }

        if (heartbeat is null || election is null)
        {
            throw Usage("explicit timing needs both heartbeat= and election=");
        }

        var timing = new StationTiming("custom", heartbeat.Value, election.Value, drift);
        try
        {
            timing.Validate();
        }
        catch (ArgumentException e)
        {
            throw Usage(e.Message);
        }

        return StationTiming.Profiles.FirstOrDefault(p => p.SameValues(timing)) ?? timing;
    }

    /// <summary>A timing in words: <c>lan (heartbeat 50 ms, election 250 ms, lease 200 ms, drift 1.1)</c>.</summary>
    public static string Describe(StationTiming timing) => string.Create(
        CultureInfo.InvariantCulture,
        $"{timing.Name} (heartbeat {Ticks.ToMilliseconds(timing.HeartbeatIntervalTicks)} ms, election {Ticks.ToMilliseconds(timing.ElectionTimeoutTicks)} ms, lease {Ticks.ToMilliseconds(timing.LeaseTicks)} ms, drift {timing.ClockDriftFactor:0.###})");

    /// <summary>The value of <c>--timing</c> that gives <paramref name="timing"/>, for printed commands.</summary>
    public static string Flag(StationTiming timing) => timing.Name != "custom"
        ? timing.Name
        : string.Create(CultureInfo.InvariantCulture, $"heartbeat={Ticks.ToMilliseconds(timing.HeartbeatIntervalTicks)}ms,election={Ticks.ToMilliseconds(timing.ElectionTimeoutTicks)}ms,drift={timing.ClockDriftFactor:0.###}");

    private static int WholeTicks(string value, string key)
    {
        var duration = Durations.Parse(value, "--timing " + key);
        var tick = Ticks.Interval;
        if (duration.Ticks % tick.Ticks != 0 || duration < tick)
        {
            throw Usage($"{key}={value} must be a whole number of {Durations.Format(tick)} ticks");
        }

        return checked((int)(duration.Ticks / tick.Ticks));
    }

    private static UsageException Usage(string problem) =>
        new($"--timing: {problem}; give a profile ({string.Join(", ", StationTiming.Profiles.Select(p => p.Name))}) or heartbeat=50ms,election=250ms[,drift=1.1]");
}
