namespace Halon.Genders.Tests;

public sealed class HostRangeTests
{
    [Theory]
    [InlineData("ts01", "ts01")]
    [InlineData("ts[01-03]", "ts01 ts02 ts03")]
    [InlineData("n[1-4,7,10-12]", "n1 n2 n3 n4 n7 n10 n11 n12")]
    [InlineData("a,b[1-2],c", "a b1 b2 c")]
    [InlineData("n[8-12]", "n8 n9 n10 n11 n12")]
    [InlineData("n[08-12]", "n08 n09 n10 n11 n12")]
    [InlineData("n[1-03]", "n1 n2 n3")] // the low end sets the width, as in libgenders
    [InlineData("n[001-5]", "n001 n002 n003 n004 n005")]
    [InlineData("n[05]", "n05")]
    [InlineData("n[0]", "n0")]
    [InlineData("n[7-7]", "n7")]
    [InlineData("[1-3]", "1 2 3")]
    [InlineData("n[1-2]s", "n1s n2s")]
    [InlineData("rack[1-2]-node", "rack1-node rack2-node")]
    [InlineData("n[3,1-2]", "n3 n1 n2")] // expression order, not sorted
    [InlineData("n[1-2],n[2-3]", "n1 n2 n2 n3")] // duplicates are kept
    [InlineData("a,,b", "a b")]
    [InlineData(",a,", "a")]
    [InlineData("host.example", "host.example")] // only the genders parser insists on short names
    [InlineData("n[4294967295-4294967297]", "n4294967295 n4294967296 n4294967297")]
    public void Expands(string expression, string expected)
    {
        Assert.Equal(expected.Split(' '), HostRange.Expand(expression));
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData(",,,")]
    public void Expands_to_nothing(string expression)
    {
        Assert.Empty(HostRange.Expand(expression));
    }

    [Theory]
    [InlineData("n[3-1]", "range 3-1 runs backwards")]
    [InlineData("n[]", "empty item between brackets")]
    [InlineData("n[1,,2]", "empty item between brackets")]
    [InlineData("n[1,2,]", "empty item between brackets")]
    [InlineData("n[a-b]", "'a-b' is not a number")]
    [InlineData("n[-1]", "'-1' is not a number")]
    [InlineData("n[1-]", "'1-' is not a number")]
    [InlineData("n[+1-3]", "'+1-3' is not a number")]
    [InlineData("n[1--2]", "'1--2' is not a number")]
    [InlineData("n[1-2-3]", "'1-2-3' is not a number")]
    [InlineData("n[1]x[2]", "more than one bracket group")]
    [InlineData("n[1", "'[' without ']'")]
    [InlineData("a,n[1", "'[' without ']'")]
    [InlineData("n1]", "']' without '['")]
    [InlineData("n[[1]]", "nested '['")]
    [InlineData("a b", "space or control character at position 2")]
    [InlineData("a\tb", "space or control character")]
    [InlineData("a\vb", "space or control character")]
    [InlineData("n[99999999999999999999]", "number 99999999999999999999 is too large")]
    [InlineData("n[1-16385]", "range 1-16385 has 16385 nodes; at most 16384 are allowed")]
    [InlineData("a,n[0-16384]", "in 'n[0-16384]': range 0-16384 has 16385 nodes")]
    public void Rejects(string expression, string expectedDetail)
    {
        var exception = Assert.Throws<FormatException>(() => HostRange.Expand(expression));
        Assert.Contains(expectedDetail, exception.Message, StringComparison.Ordinal);
        Assert.StartsWith($"host list '{expression}'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Range_of_RangeNodesMax_nodes_is_allowed()
    {
        var nodes = HostRange.Expand($"n[1-{GendersLimits.RangeNodesMax}]");

        Assert.Equal(GendersLimits.RangeNodesMax, nodes.Count);
        Assert.Equal($"n{GendersLimits.RangeNodesMax}", nodes[^1]);
    }

    [Fact]
    public void Items_between_brackets_are_bounded_by_RangeItemsMax()
    {
        var allowed = string.Join(',', Enumerable.Range(1, GendersLimits.RangeItemsMax));
        var tooMany = string.Join(',', Enumerable.Range(1, GendersLimits.RangeItemsMax + 1));

        Assert.Equal(GendersLimits.RangeItemsMax, HostRange.Expand($"n[{allowed}]").Count);
        var exception = Assert.Throws<FormatException>(() => HostRange.Expand($"n[{tooMany}]"));
        Assert.Contains($"{GendersLimits.RangeItemsMax + 1} items between brackets", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Whole_expression_is_bounded_by_ExpressionNodesMax()
    {
        var rangeCount = GendersLimits.ExpressionNodesMax / GendersLimits.RangeNodesMax;
        var ranges = Enumerable.Range(0, rangeCount).Select(index => $"p{index}x[1-{GendersLimits.RangeNodesMax}]").ToList();

        Assert.Equal(GendersLimits.ExpressionNodesMax, HostRange.Expand(string.Join(',', ranges)).Count);
        var exception = Assert.Throws<FormatException>(() => HostRange.Expand(string.Join(',', ranges.Append("one_more"))));
        Assert.Contains($"expands to more than {GendersLimits.ExpressionNodesMax} nodes", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_expressions_are_shortened_in_messages()
    {
        var expression = string.Concat(new string('a', 200), "[2-1]");

        var exception = Assert.Throws<FormatException>(() => HostRange.Expand(expression));

        Assert.True(exception.Message.Length < 200, exception.Message);
        Assert.Contains("...", exception.Message, StringComparison.Ordinal);
    }
}
