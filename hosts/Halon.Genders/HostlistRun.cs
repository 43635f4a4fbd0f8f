using System.Globalization;

namespace Halon.Genders;

/// <summary>
/// A run of names that libgenders' hostlist keeps as one range: the same prefix and consecutive numbers of compatible
/// width (see <see cref="WidthsCompatible"/>), or a single name without a number. The run sorts by its first name.
/// </summary>
internal sealed class HostlistRun
{
    private readonly List<string> _names = [];

    private HostlistRun(string name, string prefix, ulong low, int width, bool hasNumber)
    {
        _names.Add(name);
        Prefix = prefix;
        Low = low;
        High = low;
        Width = width;
        HasNumber = hasNumber;
    }

    /// <summary>The name without its trailing ASCII digits.</summary>
    public string Prefix { get; }

    /// <summary>False for a name without trailing digits, which is a run of its own.</summary>
    public bool HasNumber { get; }

    /// <summary>The number of the first name (saturated at <see cref="ulong.MaxValue"/> as C's strtoul does).</summary>
    public ulong Low { get; }

    /// <summary>The number of the last name.</summary>
    public ulong High { get; private set; }

    /// <summary>The digit count of the first name, leading zeros included.</summary>
    public int Width { get; }

    /// <summary>The names, in increasing number.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Starts a run holding only <paramref name="name"/>.</summary>
    public static HostlistRun Start(string name)
    {
        var digitsStart = name.Length;
        while (digitsStart > 0 && char.IsAsciiDigit(name[digitsStart - 1]))
        {
            digitsStart--;
        }

        var digits = name.AsSpan(digitsStart);
        var number = ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : ulong.MaxValue;
        return new HostlistRun(name, name[..digitsStart], digits.IsEmpty ? 0 : number, digits.Length, !digits.IsEmpty);
    }

    /// <summary>
    /// Appends <paramref name="next"/> (a fresh one-name run) when hostlist_push would merge it into this one:
    /// same prefix, the next number, and compatible widths.
    /// </summary>
    public bool TryAppend(HostlistRun next)
    {
        var merges = HasNumber && next.HasNumber
            && string.Equals(Prefix, next.Prefix, StringComparison.Ordinal)
            && High != ulong.MaxValue && High + 1 == next.Low
            && WidthsCompatible(this, next);
        if (merges)
        {
            _names.Add(next._names[0]);
            High = next.Low;
        }

        return merges;
    }

    /// <summary>hostrange_cmp: prefix, then a run without a number first, then number or width.</summary>
    public static int Compare(HostlistRun x, HostlistRun y)
    {
        var byPrefix = CompareCodePoints(x.Prefix, y.Prefix);
        if (byPrefix != 0)
        {
            return byPrefix;
        }

        if (x.HasNumber != y.HasNumber)
        {
            return x.HasNumber ? 1 : -1;
        }

        return WidthsCompatible(x, y) ? x.Low.CompareTo(y.Low) : x.Width.CompareTo(y.Width);
    }

    /// <summary>
    /// hostlist's _width_equiv, restated: two runs' widths are compatible unless formatting each first number with the
    /// other's width would change the zero padding of both. Two unpadded runs always are; two zero-padded runs only
    /// with equal widths; a padded and an unpadded run when the padded width is at most the unpadded number's digits.
    /// (hostlist also rewrites widths while comparing, but never in a way that changes a name or this answer.)
    /// </summary>
    private static bool WidthsCompatible(HostlistRun x, HostlistRun y)
    {
        var xPadded = x.Width > Digits(x.Low);
        var yPadded = y.Width > Digits(y.Low);
        if (xPadded && yPadded)
        {
            return x.Width == y.Width;
        }

        if (xPadded)
        {
            return x.Width <= Digits(y.Low);
        }

        return !yPadded || y.Width <= Digits(x.Low);
    }

    /// <summary>Decimal digits of <paramref name="number"/>; 0 has one, as in hostlist's _zero_padded.</summary>
    private static int Digits(ulong number)
    {
        var digits = 1;
        while (number >= 10)
        {
            number /= 10;
            digits++;
        }

        return digits;
    }

    /// <summary>C's strcmp on UTF-8 bytes orders by code point; ordinal UTF-16 comparison differs above U+D7FF.</summary>
    private static int CompareCodePoints(string x, string y)
    {
        var xRunes = x.EnumerateRunes();
        var yRunes = y.EnumerateRunes();
        while (true)
        {
            var xMore = xRunes.MoveNext();
            var yMore = yRunes.MoveNext();
            if (!xMore || !yMore)
            {
                return xMore.CompareTo(yMore);
            }

            var byRune = xRunes.Current.Value.CompareTo(yRunes.Current.Value);
            if (byRune != 0)
            {
                return byRune;
            }
        }
    }
}
