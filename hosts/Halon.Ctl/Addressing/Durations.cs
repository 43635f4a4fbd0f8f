using System.Globalization;
using Halon.Ctl.Cli;

namespace Halon.Ctl.Addressing;

/// <summary>
/// Durations as operators write them: <c>500ms</c>, <c>30s</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>, <c>1m30s</c>; a bare
/// number is seconds. Formatting goes the other way for messages.
/// </summary>
internal static class Durations
{
    /// <summary>Longest duration accepted: a day is already far beyond any bootstrap.</summary>
    public static readonly TimeSpan DurationMax = TimeSpan.FromDays(1);

    /// <summary>Parses a positive duration, or throws <see cref="UsageException"/> naming the option.</summary>
    public static TimeSpan Parse(string text, string optionName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bareSeconds))
        {
            return Check(TimeSpan.FromSeconds(bareSeconds), text, optionName);
        }

        var total = TimeSpan.Zero;
        var position = 0;
        var parts = 0;
        while (position < trimmed.Length)
        {
            var numberStart = position;
            while (position < trimmed.Length && (char.IsAsciiDigit(trimmed[position]) || trimmed[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < trimmed.Length && char.IsAsciiLetter(trimmed[position]))
            {
                position++;
            }

            if (numberStart == unitStart || unitStart == position
                || !double.TryParse(trimmed.AsSpan(numberStart, unitStart - numberStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                throw Invalid(text, optionName);
            }

            total += trimmed[unitStart..position] switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                _ => throw Invalid(text, optionName),
            };
            parts++;
        }

        return parts == 0 ? throw Invalid(text, optionName) : Check(total, text, optionName);
    }

    /// <summary>A duration for messages: <c>250ms</c>, <c>2s</c>, <c>1.5s</c>, <c>2m</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.FromSeconds(1))
        {
            return duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";
        }

        if (duration < TimeSpan.FromMinutes(2) || duration.Seconds != 0)
        {
            return duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        }

        return duration.TotalMinutes.ToString("0.###", CultureInfo.InvariantCulture) + "m";
    }

    private static TimeSpan Check(TimeSpan value, string text, string optionName)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new UsageException($"{optionName} must be positive, not '{text}'");
        }

        if (value > DurationMax)
        {
            throw new UsageException($"{optionName} '{text}' is longer than {DurationMax.TotalHours:0} hours");
        }

        return value;
    }

    private static UsageException Invalid(string text, string optionName) =>
        new($"{optionName} '{text}' is not a duration; write for example 500ms, 30s, 2m or 1m30s");
}
