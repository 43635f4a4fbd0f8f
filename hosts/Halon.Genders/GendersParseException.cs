namespace Halon.Genders;

/// <summary>
/// A genders file is malformed, exceeds a bound, or holds a value Halon cannot use (such as a bad
/// <c>halon_port</c>). The message reads <c>source:line: detail</c>, for example
/// <c>genders.txt:7: attribute 'station' repeated for node ts01</c>.
/// </summary>
public sealed class GendersParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sourceName">The file name or other label the text came from.</param>
    /// <param name="line">The 1-based line number, or 0 when the problem is not on one line.</param>
    /// <param name="detail">What is wrong, without the source and line prefix.</param>
    public GendersParseException(string sourceName, int line, string detail)
        : base(line > 0 ? $"{sourceName}:{line}: {detail}" : $"{sourceName}: {detail}")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        SourceName = sourceName;
        Line = line;
        Detail = detail;
    }

    /// <summary>The file name or other label the text came from.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line number, or 0 when the problem is not on one line (file too large, bad encoding).</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the source and line prefix.</summary>
    public string Detail { get; }
}
