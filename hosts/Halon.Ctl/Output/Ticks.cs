using System.Text.RegularExpressions;
using Halon.Ctl.Addressing;

namespace Halon.Ctl.Output;

/// <summary>
/// The protocol counts time in ticks, and halond runs one tick every <see cref="Interval"/> (its
/// <c>DaemonSettings.TickInterval</c>). Every tick count that halonctl shows an operator is turned into time here, and
/// only here.
/// </summary>
internal static partial class Ticks
{
    /// <summary>The length of one of halond's ticks.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    public static long ToMilliseconds(long ticks) => ticks * (long)Interval.TotalMilliseconds;

    /// <summary><c>40ms</c>, <c>2.5s</c>.</summary>
    public static string Format(long ticks) => Durations.Format(TimeSpan.FromMilliseconds(ToMilliseconds(ticks)));

    /// <summary>A peer's state as a node reports it, with <c>no reply for 37 ticks</c> written as <c>no reply for 370ms</c>.</summary>
    public static string InTime(string state) => NoReplyFor().Replace(state, m => "no reply for " + Format(long.Parse(m.Groups[1].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Drops the durations that change every poll (<c>no reply for 37 ticks</c> becomes <c>no reply</c>).</summary>
    public static string WithoutNoReplyDurations(string text) => NoReplyFor().Replace(text, "no reply");

    [GeneratedRegex(@"no reply for (\d+) ticks")]
    private static partial Regex NoReplyFor();
}
