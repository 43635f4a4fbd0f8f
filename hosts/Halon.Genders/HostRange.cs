using System.Globalization;

namespace Halon.Genders;

/// <summary>
/// Expands host lists written in the bracket notation of genders files, pdsh and Slurm, for example
/// <c>ts[01-03]</c> (<c>ts01 ts02 ts03</c>), <c>n[1-4,7,10-12]</c>, or a comma list that mixes ranges and
/// plain names such as <c>a,b[1-2],c</c>. Also meant for command-line arguments like <c>--on ts[01-03]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Grammar: an expression is a comma-separated list of names; empty names (<c>a,,b</c>, a leading or trailing
/// comma) are skipped, as libgenders does. A name is either plain, or <c>prefix[items]suffix</c> with exactly one
/// bracket group. Items are comma-separated <c>N</c> or <c>N-M</c> with ASCII decimal digits, <c>N</c> &lt;= <c>M</c>.
/// The zero padding of <c>N</c> sets the width of every number of that item, as in libgenders: <c>n[08-10]</c> is
/// <c>n08 n09 n10</c>, but <c>n[8-010]</c> is <c>n8 n9 n10</c>. Names come out in expression order, and a name
/// listed twice comes out twice.
/// </para>
/// <para>
/// Bounds: <see cref="GendersLimits.RangeNodesMax"/> nodes per item and <see cref="GendersLimits.RangeItemsMax"/>
/// items per bracket group (both libgenders' values), and <see cref="GendersLimits.ExpressionNodesMax"/> nodes in all.
/// </para>
/// <para>
/// Stricter than libgenders' hostlist (checked against <c>nodeattr</c> 1.22), which takes a token with an unmatched
/// bracket (<c>n[1</c>, <c>n1]</c>, <c>n[1-3]x[</c>) as a literal node name, mangles a second bracket
/// group (<c>n[1-2]s[1-2]</c> becomes nodes named <c>n1s[1-2]</c> and <c>n2s[1-2]</c>, which <c>nodeattr -n</c> then
/// fails to print), accepts <c>n[1-]</c> as <c>n1</c>, reads <c>n[+1-3]</c> as <c>n01 n02 n03</c>, keeps control
/// characters in names, and garbles numbers above 2^64 - 1 (<c>n[99999999999999999999]</c> becomes <c>n18446744073709</c>).
/// All of these are errors here. Bracket characters, spaces and control characters never appear in an expanded name.
/// </para>
/// </remarks>
public static class HostRange
{
    /// <summary>Expands <paramref name="expression"/> into node names, in expression order.</summary>
    /// <param name="expression">A host list such as <c>ts[01-03],n5</c>.</param>
    /// <returns>The expanded names; empty when the expression holds no names.</returns>
    /// <exception cref="FormatException">The expression is malformed or exceeds a bound; the message says which.</exception>
    public static IReadOnlyList<string> Expand(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var nodes = new List<string>();
        var tokenStart = 0;
        var bracketOpen = false;
        for (var index = 0; index <= expression.Length; index++)
        {
            var atEnd = index == expression.Length;
            var c = atEnd ? ',' : expression[index];
            if (c <= ' ' || c == '\x7f')
            {
                throw Error(expression, $"space or control character at position {index + 1}");
            }

            if (c == '[')
            {
                if (bracketOpen)
                {
                    throw Error(expression, $"nested '[' at position {index + 1}");
                }

                bracketOpen = true;
            }
            else if (c == ']')
            {
                if (!bracketOpen)
                {
                    throw Error(expression, $"']' without '[' at position {index + 1}");
                }

                bracketOpen = false;
            }
            else if (c == ',' && (!bracketOpen || atEnd))
            {
                if (bracketOpen)
                {
                    throw Error(expression, "'[' without ']'");
                }

                if (index > tokenStart)
                {
                    ExpandName(expression, expression[tokenStart..index], nodes);
                }

                tokenStart = index + 1;
            }
        }

        return nodes;
    }

    private static void ExpandName(string expression, string name, List<string> nodes)
    {
        var open = name.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            AddNode(expression, name, nodes);
            return;
        }

        // Expand() has checked that brackets pair up and do not nest, so a ']' follows every '['.
        var close = name.IndexOf(']', open);
        var prefix = name[..open];
        var suffix = name[(close + 1)..];
        if (suffix.Contains('[', StringComparison.Ordinal))
        {
            throw NameError(expression, name, "more than one bracket group");
        }

        var items = name[(open + 1)..close].Split(',');
        if (items.Length > GendersLimits.RangeItemsMax)
        {
            throw NameError(expression, name, $"{items.Length} items between brackets; at most {GendersLimits.RangeItemsMax} are allowed");
        }

        foreach (var item in items)
        {
            var (low, high, width) = ParseItem(expression, name, item);
            for (var number = low; ; number++)
            {
                var digits = number.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
                AddNode(expression, string.Concat(prefix, digits, suffix), nodes);
                if (number == high)
                {
                    break;
                }
            }
        }
    }

    private static (ulong Low, ulong High, int Width) ParseItem(string expression, string name, string item)
    {
        if (item.Length == 0)
        {
            throw NameError(expression, name, "empty item between brackets");
        }

        var dash = item.IndexOf('-', StringComparison.Ordinal);
        var lowText = dash < 0 ? item : item[..dash];
        var highText = dash < 0 ? item : item[(dash + 1)..];
        var low = ParseNumber(expression, name, item, lowText);
        var high = ParseNumber(expression, name, item, highText);
        if (low > high)
        {
            throw NameError(expression, name, $"range {item} runs backwards");
        }

        // high - low cannot overflow because low <= high; the + 1 is done after the comparison for the same reason.
        if (high - low >= GendersLimits.RangeNodesMax)
        {
            throw NameError(expression, name, $"range {item} has {high - low + 1} nodes; at most {GendersLimits.RangeNodesMax} are allowed");
        }

        return (low, high, lowText.Length);
    }

    private static ulong ParseNumber(string expression, string name, string item, string text)
    {
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
        {
            throw NameError(expression, name, $"'{item}' is not a number or a range N-M of decimal numbers");
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw NameError(expression, name, $"number {text} is too large");
        }

        return number;
    }

    private static void AddNode(string expression, string node, List<string> nodes)
    {
        if (nodes.Count == GendersLimits.ExpressionNodesMax)
        {
            throw Error(expression, $"expands to more than {GendersLimits.ExpressionNodesMax} nodes");
        }

        nodes.Add(node);
    }

    private static FormatException Error(string expression, string detail) =>
        new($"host list '{Shorten(expression)}': {detail}");

    private static FormatException NameError(string expression, string name, string detail) =>
        Error(expression, name == expression ? detail : $"in '{Shorten(name)}': {detail}");

    /// <summary>Keeps error messages readable when a whole 64 KiB line is one expression.</summary>
    private static string Shorten(string text) =>
        text.Length <= MessageTextCharsMax ? text : string.Concat(text.AsSpan(0, MessageTextCharsMax), "...");

    private const int MessageTextCharsMax = 80;
}
