using System.Text;

namespace Halon.Genders;

/// <summary>
/// Reads genders text line by line the way libgenders 1.22 does (see <see cref="GendersFile"/> for the format and
/// for where this parser is stricter). Stops at the first error, where <c>nodeattr -k</c> would report them all.
/// </summary>
internal sealed class GendersParser
{
    private readonly string _sourceName;
    private readonly List<NodeEntry> _nodes = [];
    private readonly Dictionary<string, NodeEntry> _nodeIndex = new(StringComparer.Ordinal);
    private readonly List<string> _attributes = [];

    // Per attribute, its nodes in the order they were given it: the order nodeattr -n starts from.
    private readonly Dictionary<string, List<string>> _nodesByAttribute = new(StringComparer.Ordinal);

    // Node-attribute pairs so far; bounded by GendersLimits.AssignmentsMax.
    private int _assignmentCount;

    private GendersParser(string sourceName)
    {
        _sourceName = sourceName;
    }

    public static GendersFile Parse(string text, string sourceName)
    {
        var parser = new GendersParser(sourceName);
        parser.CheckText(text);
        var lineNumber = 0;
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            lineNumber++;
            var newline = text.IndexOf('\n', lineStart);
            var lineEnd = newline < 0 ? text.Length : newline;
            parser.ParseLine(text.AsSpan(lineStart, lineEnd - lineStart), lineNumber);
            lineStart = lineEnd + 1;
        }

        return new GendersFile(sourceName, parser._nodes, parser._nodeIndex, parser._attributes, parser._nodesByAttribute);
    }

    private void CheckText(string text)
    {
        // A char is at least one UTF-8 byte, so the cheap length test rejects most oversized input before counting.
        if (text.Length > GendersLimits.FileBytesMax || Encoding.UTF8.GetByteCount(text) > GendersLimits.FileBytesMax)
        {
            throw new GendersParseException(_sourceName, 0, $"file is larger than {GendersLimits.FileBytesMax} bytes");
        }

        if (text.StartsWith('\uFEFF'))
        {
            // libgenders would make the mark part of the first node's name, which then matches nothing.
            throw new GendersParseException(_sourceName, 1, "file starts with a byte order mark; save it as UTF-8 without one");
        }
    }

    private void ParseLine(ReadOnlySpan<char> line, int lineNumber)
    {
        if (line.Contains('\0'))
        {
            throw Error(lineNumber, "line contains a NUL character");
        }

        var lineBytes = Encoding.UTF8.GetByteCount(line);
        if (lineBytes > GendersLimits.LineBytesMax)
        {
            throw Error(lineNumber, $"line is {lineBytes} bytes long; at most {GendersLimits.LineBytesMax} are allowed");
        }

        var comment = line.IndexOf('#');
        if (comment >= 0)
        {
            line = line[..comment];
        }

        line = TrimCSpace(line);
        if (line.IsEmpty)
        {
            return;
        }

        // libgenders ends the node field at the first space or tab only, then skips any C whitespace.
        var fieldEnd = line.IndexOfAny(' ', '\t');
        var nodeField = fieldEnd < 0 ? line : line[..fieldEnd];
        var attributeField = fieldEnd < 0 ? [] : TrimCSpace(line[fieldEnd..]);
        var attributes = ParseAttributes(attributeField, lineNumber);
        foreach (var node in ExpandNodes(nodeField, lineNumber))
        {
            AddNode(node, attributes, lineNumber);
        }
    }

    private List<Assignment> ParseAttributes(ReadOnlySpan<char> field, int lineNumber)
    {
        var attributes = new List<Assignment>();
        if (field.IsEmpty)
        {
            return attributes;
        }

        if (field.IndexOfAny(' ', '\t') >= 0)
        {
            throw Error(lineNumber, "white space inside the attribute list (write attr1,attr2=value with no spaces)");
        }

        foreach (var item in field.ToString().Split(','))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? item : item[..equals];
            var value = equals < 0 ? null : item[(equals + 1)..];
            if (name.Length == 0)
            {
                throw Error(lineNumber, item.Length == 0
                    ? "empty attribute in the attribute list (check for doubled, leading or trailing commas)"
                    : $"attribute '{item}' has no name before '='");
            }

            if (value is { Length: 0 })
            {
                throw Error(lineNumber, $"attribute '{name}' has '=' but no value");
            }

            // nodeattr -l lists attributes in the order their first line is read, even if no node ends up with them.
            if (!_nodesByAttribute.ContainsKey(name))
            {
                _nodesByAttribute.Add(name, []);
                _attributes.Add(name);
            }

            attributes.Add(new Assignment(name, value, lineNumber));
        }

        return attributes;
    }

    private IReadOnlyList<string> ExpandNodes(ReadOnlySpan<char> field, int lineNumber)
    {
        var expression = field.ToString();
        if (expression.Contains('.', StringComparison.Ordinal))
        {
            throw Error(lineNumber, $"node '{expression}' is not a short hostname (it contains '.')");
        }

        IReadOnlyList<string> nodes;
        try
        {
            nodes = HostRange.Expand(expression);
        }
        catch (FormatException exception)
        {
            throw Error(lineNumber, exception.Message);
        }

        foreach (var node in nodes)
        {
            var nameBytes = Encoding.UTF8.GetByteCount(node);
            if (nameBytes > GendersLimits.NodeNameBytesMax)
            {
                throw Error(lineNumber, $"node name '{node}' is {nameBytes} bytes long; at most {GendersLimits.NodeNameBytesMax} are allowed");
            }
        }

        return nodes;
    }

    private void AddNode(string name, List<Assignment> attributes, int lineNumber)
    {
        if (!_nodeIndex.TryGetValue(name, out var node))
        {
            if (_nodes.Count == GendersLimits.NodesMax)
            {
                throw Error(lineNumber, $"more than {GendersLimits.NodesMax} nodes");
            }

            node = new NodeEntry(name);
            _nodes.Add(node);
            _nodeIndex.Add(name, node);
        }

        foreach (var attribute in attributes)
        {
            if (_assignmentCount == GendersLimits.AssignmentsMax)
            {
                throw Error(lineNumber, $"more than {GendersLimits.AssignmentsMax} node attributes in all");
            }

            if (!node.TryAdd(attribute))
            {
                throw Error(lineNumber, $"attribute '{attribute.Name}' repeated for node {name}");
            }

            _nodesByAttribute[attribute.Name].Add(name);
            _assignmentCount++;
        }
    }

    /// <summary>Trims the characters C's <c>isspace</c> accepts, which is what libgenders trims.</summary>
    private static ReadOnlySpan<char> TrimCSpace(ReadOnlySpan<char> text) => text.Trim(" \t\n\v\f\r");

    private GendersParseException Error(int lineNumber, string detail) => new(_sourceName, lineNumber, detail);
}
