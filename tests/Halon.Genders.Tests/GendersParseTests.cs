namespace Halon.Genders.Tests;

public sealed class GendersParseTests
{
    private const string Cluster = """
        # Halon test cluster
        ts[01-03]   station,halon_port=7000

        sat[1-3]    satellite,rack=r%n   # comment after the attributes
        	sat2	ip=10.0.0.2
        mgmt
        ts02        role=db=primary
        """;

    [Fact]
    public void Reads_nodes_in_order_of_first_appearance()
    {
        var file = GendersFile.Parse(Cluster);

        Assert.Equal(["ts01", "ts02", "ts03", "sat1", "sat2", "sat3", "mgmt"], file.Nodes);
        Assert.Equal(["station", "halon_port", "satellite", "rack", "ip", "role"], file.Attributes);
    }

    [Fact]
    public void Looks_up_values_with_substitution()
    {
        var file = GendersFile.Parse(Cluster);

        Assert.True(file.TryGetValue("ts02", "halon_port", out var port));
        Assert.Equal("7000", port);
        Assert.True(file.TryGetValue("ts02", "station", out var none));
        Assert.Null(none);
        Assert.True(file.TryGetValue("sat3", "rack", out var rack));
        Assert.Equal("rsat3", rack);
        Assert.True(file.TryGetValue("ts02", "role", out var role));
        Assert.Equal("db=primary", role);
        Assert.False(file.TryGetValue("ts01", "satellite", out _));
        Assert.False(file.TryGetValue("absent", "station", out _));
        Assert.True(file.HasAttribute("sat2", "ip"));
        Assert.False(file.HasAttribute("sat1", "ip"));
        Assert.True(file.ContainsNode("mgmt"));
        Assert.False(file.ContainsNode("MGMT"));
    }

    [Fact]
    public void Lists_attributes_of_a_node_in_file_order()
    {
        var file = GendersFile.Parse(Cluster);

        Assert.Equal(
            [new("satellite", null), new("rack", "rsat2"), new("ip", "10.0.0.2")],
            file.AttributesOf("sat2"));
        Assert.Empty(file.AttributesOf("mgmt"));
        Assert.Throws<KeyNotFoundException>(() => file.AttributesOf("absent"));
    }

    [Fact]
    public void Selects_nodes_in_nodeattr_order()
    {
        var file = GendersFile.Parse("n10 x\nn9 x\nn1\nm x\nn01 x\nn[7-9] y\nn10 y\nn02 y\nn[8-9] z\nn02 z\nn10 z\n");

        Assert.Equal(["m", "n9", "n01", "n10"], file.NodesWithAttribute("x"));
        Assert.Equal(["n7", "n8", "n9", "n10", "n02"], file.NodesWithAttribute("y")); // n7 to n10 got y in a row
        Assert.Equal(["n8", "n9", "n02", "n10"], file.NodesWithAttribute("z")); // n10 got z after n02
        Assert.Empty(file.NodesWithAttribute("absent"));
    }

    [Theory]
    [InlineData("a=%n", "n1", "a=n1")]
    [InlineData("a=%%", "n1", "a=%")]
    [InlineData("a=%%n", "n1", "a=%n")]
    [InlineData("a=%%%n", "n1", "a=%n1")]
    [InlineData("a=%n%n", "n1", "a=n1n1")]
    [InlineData("a=%x%", "n1", "a=%x%")]
    [InlineData("a=100%", "n1", "a=100%")]
    [InlineData("a=10.0.0.%n", "n1", "a=10.0.0.n1")]
    public void Substitutes_percent_sequences(string attributes, string node, string expected)
    {
        var file = GendersFile.Parse($"{node} {attributes}");

        var attribute = Assert.Single(file.AttributesOf(node));
        Assert.Equal(expected, $"{attribute.Name}={attribute.Value}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# only a comment\n   # and another\n")]
    [InlineData("#no space\n\t\n")]
    public void Accepts_files_without_nodes(string text)
    {
        var file = GendersFile.Parse(text);

        Assert.Empty(file.Nodes);
        Assert.Empty(file.Attributes);
    }

    [Theory]
    [InlineData("foo a\r\nbar b\r\n")]
    [InlineData("  foo\t\t a  \nbar b")]
    [InlineData("foo a#comment\nbar b#")]
    [InlineData("foo a\n\nbar b\n\n")]
    [InlineData("foo\nfoo a\nbar\nbar b\n")]
    public void Accepts_white_space_comments_and_line_ends(string text)
    {
        var file = GendersFile.Parse(text);

        Assert.Equal(["foo", "bar"], file.Nodes);
        Assert.True(file.HasAttribute("foo", "a"));
        Assert.True(file.HasAttribute("bar", "b"));
    }

    [Fact]
    public void Comment_cuts_a_value()
    {
        var file = GendersFile.Parse("foo a=x#y");

        Assert.True(file.TryGetValue("foo", "a", out var value));
        Assert.Equal("x", value);
    }

    [Fact]
    public void Node_listed_twice_without_attributes_is_one_node()
    {
        var file = GendersFile.Parse("foo,foo\nn[1-3,2-4]\n");

        Assert.Equal(["foo", "n1", "n2", "n3", "n4"], file.Nodes);
    }

    [Theory]
    [InlineData("ts01 station\nts[01-02] station\n", 2, "attribute 'station' repeated for node ts01")]
    [InlineData("foo a\nfoo a=1\n", 2, "attribute 'a' repeated for node foo")]
    [InlineData("foo a,a\n", 1, "attribute 'a' repeated for node foo")]
    [InlineData("foo,foo a\n", 1, "attribute 'a' repeated for node foo")]
    [InlineData("n1,n[1-2] a\n", 1, "attribute 'a' repeated for node n1")]
    [InlineData("ok a\n\n# c\nfoo.bar a\n", 4, "node 'foo.bar' is not a short hostname")]
    [InlineData("foo a b\n", 1, "white space inside the attribute list")]
    [InlineData("foo a\tb\n", 1, "white space inside the attribute list")]
    [InlineData("foo a,,b\n", 1, "empty attribute in the attribute list")]
    [InlineData("foo a,\n", 1, "empty attribute in the attribute list")]
    [InlineData("foo ,a\n", 1, "empty attribute in the attribute list")]
    [InlineData("foo =x\n", 1, "attribute '=x' has no name before '='")]
    [InlineData("foo a=\n", 1, "attribute 'a' has '=' but no value")]
    [InlineData("x\nn[3-1] a\n", 2, "host list 'n[3-1]': range 3-1 runs backwards")]
    [InlineData("n[] a\n", 1, "host list 'n[]': empty item between brackets")]
    [InlineData("n[1 a\n", 1, "host list 'n[1': '[' without ']'")]
    [InlineData("n[1-16385] a\n", 1, "range 1-16385 has 16385 nodes; at most 16384 are allowed")]
    [InlineData("x\ny\nfoo\vbar a\n", 3, "space or control character")]
    [InlineData("foo a\n\0\n", 2, "line contains a NUL character")]
    [InlineData("\uFEFFfoo a\n", 1, "byte order mark")]
    public void Reports_errors_with_line_numbers(string text, int line, string detail)
    {
        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse(text, "genders.txt"));

        Assert.Equal(line, exception.Line);
        Assert.Equal("genders.txt", exception.SourceName);
        Assert.Contains(detail, exception.Detail, StringComparison.Ordinal);
        Assert.Equal($"genders.txt:{line}: {exception.Detail}", exception.Message);
    }

    [Fact]
    public void Repeated_attribute_message_is_exact()
    {
        const string text = "ts[01-03] station\n\n\n\n\n\nts01 station\n";

        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse(text, "genders.txt"));

        Assert.Equal("genders.txt:7: attribute 'station' repeated for node ts01", exception.Message);
    }

    [Fact]
    public void Line_length_is_bounded_by_LineBytesMax()
    {
        var longest = "foo a=" + new string('x', GendersLimits.LineBytesMax - "foo a=".Length);
        var tooLong = longest + "x";

        Assert.Equal(["foo"], GendersFile.Parse(longest + "\n").Nodes);
        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse("ok\n" + tooLong + "\n"));
        Assert.Equal(2, exception.Line);
        Assert.Contains($"at most {GendersLimits.LineBytesMax} are allowed", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_length_counts_UTF8_bytes()
    {
        // Two bytes per 'é': the line is within LineBytesMax characters but over it in bytes.
        var line = "foo a=" + new string('é', GendersLimits.LineBytesMax / 2);

        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse(line));

        Assert.Contains("bytes long", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_names_are_bounded_by_NodeNameBytesMax()
    {
        var longest = new string('a', GendersLimits.NodeNameBytesMax);

        Assert.Equal([longest], GendersFile.Parse($"{longest} x").Nodes);
        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse($"{longest}b x"));
        Assert.Contains($"is {GendersLimits.NodeNameBytesMax + 1} bytes long", exception.Detail, StringComparison.Ordinal);
        var fromRange = Assert.Throws<GendersParseException>(() => GendersFile.Parse($"{longest[1..]}[9-10] x"));
        Assert.Contains($"{longest[1..]}10", fromRange.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void File_size_is_bounded_by_FileBytesMax()
    {
        var text = new string('#', GendersLimits.FileBytesMax + 1);

        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse(text));

        Assert.Equal(0, exception.Line);
        Assert.Contains($"larger than {GendersLimits.FileBytesMax} bytes", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_count_is_bounded_by_NodesMax()
    {
        var linesAllowed = GendersLimits.NodesMax / GendersLimits.RangeNodesMax;
        var lines = Enumerable.Range(0, linesAllowed).Select(index => $"p{index}x[1-{GendersLimits.RangeNodesMax}]").ToList();

        Assert.Equal(GendersLimits.NodesMax, GendersFile.Parse(string.Join('\n', lines)).Nodes.Count);
        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse(string.Join('\n', lines.Append("one_more"))));
        Assert.Equal(linesAllowed + 1, exception.Line);
        Assert.Contains($"more than {GendersLimits.NodesMax} nodes", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Attribute_count_is_bounded_by_AssignmentsMax()
    {
        var attributesPerNode = GendersLimits.AssignmentsMax / GendersLimits.RangeNodesMax;
        var attributes = string.Join(',', Enumerable.Range(0, attributesPerNode).Select(index => $"a{index}"));
        var allowed = $"n[1-{GendersLimits.RangeNodesMax}] {attributes}\n";

        Assert.Equal(attributesPerNode, GendersFile.Parse(allowed).AttributesOf("n1").Count);
        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Parse(allowed + "n1 one_more\n"));
        Assert.Equal(2, exception.Line);
        Assert.Contains($"more than {GendersLimits.AssignmentsMax} node attributes", exception.Detail, StringComparison.Ordinal);
    }
}
