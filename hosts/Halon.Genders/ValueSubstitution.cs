using System.Text;

namespace Halon.Genders;

/// <summary>
/// libgenders' value substitution: <c>%n</c> becomes the node name and <c>%%</c> a single <c>%</c>; any other
/// <c>%</c> (<c>%x</c>, a trailing <c>%</c>) stays as written. Checked against nodeattr 1.22.
/// </summary>
internal static class ValueSubstitution
{
    public static string Apply(string rawValue, string node)
    {
        if (!rawValue.Contains('%', StringComparison.Ordinal))
        {
            return rawValue;
        }

        var result = new StringBuilder(rawValue.Length + node.Length);
        for (var index = 0; index < rawValue.Length; index++)
        {
            var c = rawValue[index];
            var next = index + 1 < rawValue.Length ? rawValue[index + 1] : '\0';
            if (c == '%' && next == '%')
            {
                result.Append('%');
                index++;
            }
            else if (c == '%' && next == 'n')
            {
                result.Append(node);
                index++;
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
