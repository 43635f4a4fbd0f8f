using System.Text;

namespace Halon.Daemon.Metrics;

/// <summary>Label values and field names as operators' tools spell them.</summary>
internal static class MetricText
{
    /// <summary><c>AppendEntries</c> → <c>append_entries</c>, <c>WaitingForQuorum</c> → <c>waiting_for_quorum</c>.</summary>
    public static string Snake(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
