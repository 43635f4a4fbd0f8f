using System.Globalization;
using System.Text;

namespace Halon.Genders;

/// <summary>
/// A parsed genders file (the cluster database of LLNL's libgenders), read the way libgenders 1.22 and its
/// <c>nodeattr</c> tool read it. Halon uses it to pick the nodes that have an attribute, for example
/// <c>halonctl bootstrap station --genders FILE --attr station</c>. Immutable once parsed, so safe to share.
/// </summary>
/// <remarks>
/// <para>
/// Format, checked against nodeattr 1.22: each line is <c>nodes attributes</c>. <c>#</c> starts a comment anywhere,
/// even inside a value. Blank lines, leading and trailing white space and CRLF line ends are fine. The node field ends
/// at the first space or tab and is a host list (<see cref="HostRange"/>): <c>ts[01-03]</c>, <c>a,b[1-2],c</c>. It
/// must not contain <c>.</c> (node names are short hostnames) and each name is at most
/// <see cref="GendersLimits.NodeNameBytesMax"/> bytes. The attribute field is <c>attr</c> or <c>attr=value</c> items
/// separated by commas, with no white space inside; a value may itself contain <c>=</c> (<c>a=b=c</c> has value
/// <c>b=c</c>). A node may appear on several lines and on lines without attributes. In a value, <c>%n</c> becomes the
/// node name and <c>%%</c> a single <c>%</c>; any other <c>%</c> stays.
/// </para>
/// <para>
/// Where nodeattr 1.22 differs from the usual description of the format, this class follows nodeattr. An attribute
/// given twice to a node is an error whether the two are on one line or on different lines (<c>foo a</c>, later
/// <c>foo a=1</c>), and so is a node listed twice on a line that has attributes (<c>n1,n[1-2] a</c>; without
/// attributes it is fine). An empty attribute (<c>a,,b</c>, a leading or trailing comma, <c>=x</c>) and an empty value
/// (<c>a=</c>) are errors. An empty file is valid. Names are case-sensitive, and attribute names may hold any
/// character but white space, <c>,</c>, <c>=</c> and <c>#</c>; <c>%n</c> is not substituted in them. nodeattr lists
/// the nodes having an attribute sorted rather than in file order, and the sort depends on the order in which the
/// nodes were given the attribute (see <see cref="NodesWithAttribute"/>).
/// </para>
/// <para>
/// Where this class is deliberately stricter or different: it stops at the first error; it rejects a byte order mark,
/// NUL characters, control characters in node names, and the malformed host lists described on
/// <see cref="HostRange"/>, all of which libgenders turns into odd node names; it bounds file size, node count and
/// attribute count (<see cref="GendersLimits"/>); a last line without a newline gets the same length bound as the
/// others (libgenders allows it one more byte). nodeattr 1.22 also has a bug this class does not copy: when one line
/// gives a node two values containing <c>%n</c> and a later one is shorter than an earlier one, every lookup of the
/// earlier one fails with "unknown internal error".
/// </para>
/// </remarks>
public sealed class GendersFile
{
    /// <summary>The attribute that overrides the default port in <see cref="Addresses"/>.</summary>
    public const string PortAttribute = "halon_port";

    private const int PortMin = 1;
    private const int PortMax = 65_535;
    private const int ReadChunkBytes = 64 * 1024;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, NodeEntry> _nodeIndex;
    private readonly Dictionary<string, List<string>> _nodesByAttribute;

    internal GendersFile(
        string sourceName,
        List<NodeEntry> nodes,
        Dictionary<string, NodeEntry> nodeIndex,
        List<string> attributes,
        Dictionary<string, List<string>> nodesByAttribute)
    {
        SourceName = sourceName;
        _nodeIndex = nodeIndex;
        _nodesByAttribute = nodesByAttribute;
        Nodes = nodes.ConvertAll(node => node.Name).AsReadOnly();
        Attributes = attributes.AsReadOnly();
    }

    /// <summary>The file name or label given when parsing; it prefixes error messages.</summary>
    public string SourceName { get; }

    /// <summary>Every node, in the order of its first appearance in the file.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>Every attribute name, in the order of its first appearance in the file (as <c>nodeattr -l</c> lists them).</summary>
    public IReadOnlyList<string> Attributes { get; }

    /// <summary>Parses genders text.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="sourceName">A file name or label for error messages.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="GendersParseException">The text is malformed or exceeds a bound in <see cref="GendersLimits"/>.</exception>
    public static GendersFile Parse(string text, string sourceName = "genders")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        return GendersParser.Parse(text, sourceName);
    }

    /// <summary>Reads and parses a UTF-8 genders file; <paramref name="path"/> labels error messages.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="GendersParseException">The file is malformed, not UTF-8, or larger than <see cref="GendersLimits.FileBytesMax"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GendersFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ReadBounded(path);
        string text;
        try
        {
            text = s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new GendersParseException(path, 0, "file is not valid UTF-8");
        }

        return GendersParser.Parse(text, path);
    }

    /// <summary>Reads at most <see cref="GendersLimits.FileBytesMax"/> bytes; also works for pipes, which have no length.</summary>
    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var content = new MemoryStream();
        var chunk = new byte[ReadChunkBytes];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (content.Length + read > GendersLimits.FileBytesMax)
            {
                throw new GendersParseException(path, 0, $"file is larger than {GendersLimits.FileBytesMax} bytes");
            }

            content.Write(chunk, 0, read);
        }

        return content.ToArray();
    }

    /// <summary>Whether <paramref name="node"/> appears in the file.</summary>
    public bool ContainsNode(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return _nodeIndex.ContainsKey(node);
    }

    /// <summary>
    /// The nodes having <paramref name="attribute"/> (with or without a value), in the order <c>nodeattr -n</c> prints
    /// them rather than file order: sorted by name prefix and then by number, so <c>n9</c> comes before <c>n10</c>,
    /// except that nodeattr keeps together a run of consecutive numbers that were given the attribute one after the
    /// other. Given the attribute in the order <c>n7 n8 n9 n10 n02</c>, nodeattr prints <c>n7 n8 n9 n10 n02</c>; in the
    /// order <c>n10 n7 n8 n9 n02</c>, it prints <c>n7 n8 n9 n02 n10</c>.
    /// </summary>
    /// <returns>The nodes; empty when none has the attribute.</returns>
    public IReadOnlyList<string> NodesWithAttribute(string attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        return _nodesByAttribute.TryGetValue(attribute, out var nodes)
            ? HostlistOrder.Sort(nodes).AsReadOnly()
            : [];
    }

    /// <summary>Whether <paramref name="node"/> has <paramref name="attribute"/>; false for a node not in the file.</summary>
    public bool HasAttribute(string node, string attribute) => TryGetValue(node, attribute, out _);

    /// <summary>
    /// Looks up an attribute of a node, like <c>nodeattr -v NODE ATTR</c>: true when the node has the attribute, with
    /// <paramref name="value"/> the value after <c>%n</c> substitution, or null when the attribute has no value.
    /// </summary>
    /// <returns>False when the node is not in the file or does not have the attribute.</returns>
    public bool TryGetValue(string node, string attribute, out string? value)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(attribute);
        value = null;
        if (!_nodeIndex.TryGetValue(node, out var entry) || !entry.TryGet(attribute, out var assignment))
        {
            return false;
        }

        value = assignment.RawValue is null ? null : ValueSubstitution.Apply(assignment.RawValue, node);
        return true;
    }

    /// <summary>The attributes of <paramref name="node"/> in file order, like <c>nodeattr -l NODE</c>.</summary>
    /// <exception cref="KeyNotFoundException">The node is not in the file.</exception>
    public IReadOnlyList<GendersAttribute> AttributesOf(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!_nodeIndex.TryGetValue(node, out var entry))
        {
            throw new KeyNotFoundException($"{SourceName}: node {node} is not in the file");
        }

        var attributes = new List<GendersAttribute>(entry.Assignments.Count);
        foreach (var assignment in entry.Assignments)
        {
            var value = assignment.RawValue is null ? null : ValueSubstitution.Apply(assignment.RawValue, node);
            attributes.Add(new GendersAttribute(assignment.Name, value));
        }

        return attributes.AsReadOnly();
    }

    /// <summary>
    /// The <c>name:port</c> addresses of the nodes having <paramref name="attribute"/>, in
    /// <see cref="NodesWithAttribute"/> order. The port is the node's <see cref="PortAttribute"/> value when it has
    /// one, else <paramref name="defaultPort"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="defaultPort"/> is not in 1..65535.</exception>
    /// <exception cref="GendersParseException">A selected node's <c>halon_port</c> is missing a value or is not a port in 1..65535.</exception>
    public IReadOnlyList<string> Addresses(string attribute, int defaultPort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(defaultPort, PortMin);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(defaultPort, PortMax);
        var nodes = NodesWithAttribute(attribute);
        var addresses = new List<string>(nodes.Count);
        foreach (var node in nodes)
        {
            var port = _nodeIndex[node].TryGet(PortAttribute, out var assignment)
                ? ParsePort(node, assignment)
                : defaultPort;
            addresses.Add(string.Create(CultureInfo.InvariantCulture, $"{node}:{port}"));
        }

        return addresses.AsReadOnly();
    }

    private int ParsePort(string node, Assignment assignment)
    {
        var value = assignment.RawValue is null ? null : ValueSubstitution.Apply(assignment.RawValue, node);
        if (value is null)
        {
            throw new GendersParseException(SourceName, assignment.Line, $"{PortAttribute} of node {node} has no value; write {PortAttribute}=PORT");
        }

        // NumberStyles.None takes ASCII digits only: no sign, no white space, no thousands separators.
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < PortMin or > PortMax)
        {
            throw new GendersParseException(SourceName, assignment.Line, $"{PortAttribute} of node {node} is '{value}', not a port number in {PortMin}..{PortMax}");
        }

        return port;
    }
}
