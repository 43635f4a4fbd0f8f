using System.Globalization;
using Halon.Core.Identity;
using Halon.Ctl.Cli;
using Halon.Genders;

namespace Halon.Ctl.Addressing;

/// <summary>
/// Parses the node lists of the command line (<c>--peers</c>, <c>--station</c>, <c>--on</c>): comma lists of
/// <c>host[:port]</c> where a host may be a host range such as <c>ts[01-03]</c> (expanded by the genders library, as
/// pdsh and genders files write them) and an IPv6 address is written <c>[::1]:9070</c>. A name without a port gets the
/// default port.
/// </summary>
internal static class NodeList
{
    /// <summary>The default port of halond (DESIGN.md, command-line contract).</summary>
    public const int DefaultPort = 9070;

    /// <summary>Expands <paramref name="expression"/> into node ids in order, without duplicates.</summary>
    /// <exception cref="UsageException">The list is empty or an entry is not a usable address; the message names it.</exception>
    public static IReadOnlyList<NodeId> Parse(string expression, int defaultPort, string optionName)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var nodes = new List<NodeId>();
        foreach (var token in SplitTopLevel(expression))
        {
            foreach (var name in Expand(token, optionName))
            {
                var id = WithPort(name, defaultPort, optionName);
                if (!nodes.Contains(id))
                {
                    nodes.Add(id);
                }
            }
        }

        if (nodes.Count == 0)
        {
            throw new UsageException($"{optionName} names no node");
        }

        return nodes;
    }

    /// <summary>Parses one <c>host[:port]</c>, adding <paramref name="defaultPort"/> when the port is missing.</summary>
    /// <exception cref="UsageException">Not a usable address.</exception>
    public static NodeId ParseOne(string text, int defaultPort, string optionName)
    {
        var nodes = Parse(text, defaultPort, optionName);
        if (nodes.Count != 1)
        {
            throw new UsageException($"{optionName} takes one node, but '{text}' names {nodes.Count}");
        }

        return nodes[0];
    }

    /// <summary>
    /// The nodes of a genders file that have <paramref name="attribute"/>, each with its <c>halon_port</c> or
    /// <paramref name="defaultPort"/>, and a description of where they came from.
    /// </summary>
    /// <exception cref="UsageException">The file cannot be read or parsed, or no node has the attribute.</exception>
    public static (IReadOnlyList<NodeId> Nodes, string Source) FromGenders(string file, string attribute, int defaultPort)
    {
        IReadOnlyList<string> addresses;
        try
        {
            addresses = GendersFile.Load(file).Addresses(attribute, defaultPort);
        }
        catch (Exception e) when (e is GendersParseException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--genders: {e.Message}", e);
        }

        if (addresses.Count == 0)
        {
            throw new UsageException($"--genders: no node in {file} has the attribute '{attribute}'");
        }

        var nodes = addresses.Select(a => WithPort(a, defaultPort, "--genders")).ToList();
        return (nodes, $"nodes with attribute '{attribute}' in genders file {file}");
    }

    /// <summary>Adds the default port to a name without one, and checks the result.</summary>
    public static NodeId WithPort(string name, int defaultPort, string optionName)
    {
        var text = HasPort(name) ? name : string.Create(CultureInfo.InvariantCulture, $"{name}:{defaultPort}");
        if (!NodeId.TryParse(text, out var id, out var error))
        {
            throw new UsageException($"{optionName}: {error}");
        }

        return id;
    }

    /// <summary><c>host:port</c> or <c>[v6]:port</c> has a port; <c>host</c> and <c>[v6]</c> do not.</summary>
    private static bool HasPort(string name)
    {
        if (name.StartsWith('['))
        {
            var close = name.IndexOf(']', StringComparison.Ordinal);
            return close >= 0 && close + 1 < name.Length && name[close + 1] == ':';
        }

        return name.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>A token that starts with <c>[</c> is an IPv6 address; anything else may be a host range.</summary>
    private static IReadOnlyList<string> Expand(string token, string optionName)
    {
        if (token.StartsWith('['))
        {
            return [token];
        }

        try
        {
            return HostRange.Expand(token);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{optionName}: {e.Message}", e);
        }
    }

    /// <summary>Splits at the commas that are not inside brackets, so <c>n[1,3],m</c> is two tokens.</summary>
    private static List<string> SplitTopLevel(string expression)
    {
        var tokens = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= expression.Length; i++)
        {
            var c = i == expression.Length ? ',' : expression[i];
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (c == ',' && (depth == 0 || i == expression.Length))
            {
                var token = expression[start..i].Trim();
                if (token.Length > 0)
                {
                    tokens.Add(token);
                }

                start = i + 1;
            }
        }

        return tokens;
    }
}
